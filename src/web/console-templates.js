// @ts-check
// WhatsApp's 24-hour window and the approved templates the console offers for it. Free-form messages
// reach a student only until 24 hours after their last message; after that only an approved template
// does (and opens a chat when none is open; the window's words: console-templates-window.js). The
// picker builds one field per parameter and a preview of the text the student will read
// (console-templates-render.js) and sends the chosen one (console-templates-send.js); everything goes
// into the page as text.
import { node } from './console-dom.js';
import { showResult } from './console-result.js';
import { parameterFields, parameterInputs, pickerOptions, previewParts, valuesOf } from './console-templates-render.js';
import { createTemplateSend } from './console-templates-send.js';
import { windowOf, windowText } from './console-templates-window.js';

/** @typedef {import('./api-types').Template} Template */

/**
 * The approved templates, the picker saying meanwhile that they load; null, once the picker and its
 * result line said why, when they could not be read.
 * @param {typeof import('./console-api.js').api} api
 * @param {typeof import('./console-api.js').describeFailure} describeFailure
 * @param {{ select: HTMLSelectElement; result: HTMLElement }} elements
 */
async function fetchTemplates(api, describeFailure, elements) {
  elements.select.replaceChildren(node('option', '', 'Loading templates…'));
  elements.select.disabled = true;
  /** @type {import('./console-api.js').Answer<import('./api-types').TemplatesAnswer>} */
  const res = await api('GET', '/api/admin/templates');
  if (res.status !== 200 || !res.body || !Array.isArray(res.body.templates)) {
    elements.select.replaceChildren(node('option', '', 'No templates loaded'));
    showResult(elements.result, 'Could not load the templates: ' + describeFailure(res), 'error');
    return null;
  }
  return res.body.templates;
}

/**
 * The template picker. `elements`: box (<details>), form, select, fields, preview, send, result.
 * `contactId()` is the open conversation's contact; `onSent(contactId)` runs after WhatsApp accepted a template.
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure;
 *   newKey: () => string; contactId: () => string | null; onSent: (contactId: string) => void;
 *   elements: { box: HTMLDetailsElement; form: HTMLFormElement; select: HTMLSelectElement; fields: HTMLElement;
 *     preview: HTMLElement; send: HTMLButtonElement; result: HTMLElement } }} parts
 */
function create({ api, describeFailure, newKey, elements, contactId, onSent }) {
  /** @type {Template[] | null} */
  let templates = null;
  /** @type {Promise<void> | null} */
  let loading = null;
  /** @type {string | null} */
  let offeredTo = null;
  const sender = createTemplateSend({
    api,
    describeFailure,
    newKey,
    contactId,
    onSent,
    button: elements.send,
    result: elements.result,
    chosen,
    values: () => valuesOf(elements.fields),
    sent() {
      for (const input of parameterInputs(elements.fields)) input.value = '';
      renderPreview();
    },
  });

  function chosen() {
    const index = elements.select.value;
    return templates && index !== '' ? templates[Number(index)] || null : null;
  }

  async function load() {
    if (templates !== null) return;
    if (!loading) {
      loading = (async () => {
        const list = await fetchTemplates(api, describeFailure, elements);
        loading = null;
        if (!list) return;
        templates = list;
        renderPicker(templates);
      })();
    }
    await loading;
  }

  /** @param {Template[]} templates */
  function renderPicker(templates) {
    elements.select.replaceChildren(...pickerOptions(templates));
    elements.select.disabled = templates.length === 0;
    renderFields();
  }

  function renderFields() {
    const template = chosen();
    elements.send.disabled = !template || sender.busy();
    if (!template) {
      elements.fields.replaceChildren();
      elements.preview.replaceChildren(node('p', 'muted', 'Choose a template to see what the student will read.'));
      return;
    }
    const parameters = Array.isArray(template.parameters) ? template.parameters : [];
    elements.fields.replaceChildren(...parameterFields(parameters, renderPreview, () => void sender.send()));
    renderPreview();
  }

  function renderPreview() {
    const template = chosen();
    if (!template) return;
    elements.preview.replaceChildren(...previewParts(template, valuesOf(elements.fields)));
  }

  elements.select.addEventListener('change', renderFields);
  elements.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void sender.send();
  });
  elements.box.addEventListener('toggle', () => {
    if (elements.box.open) void load();
  });

  return {
    /** A conversation was opened: a fresh form. */
    open() {
      offeredTo = null;
      sender.reset();
      elements.result.textContent = '';
      elements.result.className = 'result';
      elements.box.open = false;
      if (templates !== null) {
        elements.select.value = '';
        renderFields();
      }
    },
    /**
     * Opens the picker once per conversation when its window is closed; the agent may fold it again.
     * @param {boolean} closed
     */
    offer(closed) {
      const to = contactId();
      if (!closed) {
        offeredTo = null;
        return;
      }
      if (offeredTo === to) return;
      offeredTo = to;
      elements.box.open = true;
      void load();
    },
    /** Signed out: the next agent loads the list again. */
    forget() {
      templates = null;
      offeredTo = null;
      elements.box.open = false;
      elements.select.replaceChildren();
      elements.fields.replaceChildren();
      elements.preview.replaceChildren();
    },
  };
}

export { create, windowOf, windowText };
