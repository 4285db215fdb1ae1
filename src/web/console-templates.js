// @ts-check
// WhatsApp's 24-hour window and the approved templates the console offers for it. Free-form messages
// reach a student only until 24 hours after their last message; after that only an approved template
// does (and opens a chat when none is open). The picker builds one field per parameter and a preview
// of the text the student will read; everything goes into the page as text.
import { node } from './console-dom.js';
import { SERVICE_WINDOW_MS } from './facts.js';

/** @typedef {import('./api-types').Template} Template */
/** @typedef {Template['parameters'][number]} Parameter */
/** @typedef {{ open: boolean; until: number | null }} WindowState */

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/**
 * `{ open, until }`: `until` is when the window closes (epoch ms), null when the student never wrote.
 * @param {string | null | undefined} lastInboundAt
 * @param {number} now
 * @returns {WindowState}
 */
function windowOf(lastInboundAt, now) {
  const last = lastInboundAt ? Date.parse(lastInboundAt) : NaN;
  if (Number.isNaN(last)) return { open: false, until: null };
  return { open: now < last + SERVICE_WINDOW_MS, until: last + SERVICE_WINDOW_MS };
}

/**
 * "40 s", "12 min", "3 h 05 min", "3 h", "2 d": as precise as a glance needs.
 * @param {number} ms
 */
function formatSpan(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return s + ' s';
  const min = Math.floor(s / 60);
  if (min < 60) return min + ' min';
  const h = Math.floor(min / 60);
  if (h < 10) return h + ' h ' + String(min % 60).padStart(2, '0') + ' min';
  if (h < 48) return h + ' h';
  return Math.floor(h / 24) + ' d';
}

/**
 * "14:32", or with the day when that is not today.
 * @param {number} ms
 * @param {number} now
 */
function clock(ms, now) {
  const date = new Date(ms);
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (date.toDateString() === new Date(now).toDateString()) return time;
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' }) + ', ' + time;
}

/**
 * @param {WindowState} state
 * @param {number} now
 */
function windowText(state, now) {
  if (state.until === null) return 'Window closed: the student has not written yet';
  if (state.open)
    return 'Window open until ' + clock(state.until, now) + ' (' + formatSpan(state.until - now) + ' left)';
  return 'Window closed ' + formatSpan(now - state.until) + ' ago';
}

/**
 * The name a parameter has in its component's text: `{{first_name}}` or `{{1}}`.
 * @param {Parameter} parameter
 */
function tokenOf(parameter) {
  if (parameter.name) return String(parameter.name);
  if (parameter.position !== undefined && parameter.position !== null) return String(parameter.position);
  return String(parameter.key);
}

/** @param {Parameter} parameter */
function labelOf(parameter) {
  const where = parameter.component === 'header' ? 'Header' : 'Body';
  if (parameter.name) return where + ': ' + String(parameter.name).replace(/_/g, ' ');
  return where + ' {{' + tokenOf(parameter) + '}}';
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
  let busy = false;
  /** @type {{ contactId: string; text: string; key: string } | null} */
  let unanswered = null;
  /** @type {string | null} */
  let offeredTo = null;

  /**
   * @param {string} text
   * @param {'pending' | 'ok' | 'error'} kind
   */
  function showResult(text, kind) {
    elements.result.textContent = text;
    elements.result.className = 'result result-' + kind;
  }

  function chosen() {
    const index = elements.select.value;
    return templates && index !== '' ? templates[Number(index)] || null : null;
  }

  async function load() {
    if (templates !== null) return;
    if (!loading) {
      loading = (async () => {
        elements.select.replaceChildren(node('option', '', 'Loading templates…'));
        elements.select.disabled = true;
        /** @type {import('./console-api.js').Answer<import('./api-types').TemplatesAnswer>} */
        const res = await api('GET', '/api/admin/templates');
        loading = null;
        if (res.status !== 200 || !res.body || !Array.isArray(res.body.templates)) {
          elements.select.replaceChildren(node('option', '', 'No templates loaded'));
          showResult('Could not load the templates: ' + describeFailure(res), 'error');
          return;
        }
        templates = res.body.templates;
        renderPicker(templates);
      })();
    }
    await loading;
  }

  /** @param {Template[]} templates */
  function renderPicker(templates) {
    const none = node('option', '', templates.length === 0 ? 'No approved templates' : 'Choose a template…');
    none.value = '';
    elements.select.replaceChildren(
      none,
      ...templates.map((t, index) => {
        const option = node('option', '', t.name + ' (' + t.language + (t.category ? ', ' + t.category : '') + ')');
        option.value = String(index);
        return option;
      }),
    );
    elements.select.disabled = templates.length === 0;
    renderFields();
  }

  function renderFields() {
    const template = chosen();
    elements.send.disabled = !template || busy;
    if (!template) {
      elements.fields.replaceChildren();
      elements.preview.replaceChildren(node('p', 'muted', 'Choose a template to see what the student will read.'));
      return;
    }
    const parameters = Array.isArray(template.parameters) ? template.parameters : [];
    elements.fields.replaceChildren(
      ...(parameters.length === 0
        ? [node('p', 'muted', 'This template has no parameters.')]
        : parameters.map((parameter, index) => {
            const field = node('div', 'template-field');
            const input = document.createElement('input');
            input.type = 'text';
            input.id = 'template-parameter-' + index;
            input.dataset.key = String(parameter.key);
            input.autocomplete = 'off';
            if (parameter.example) input.placeholder = 'e.g. ' + parameter.example;
            input.addEventListener('input', renderPreview);
            // As in the composer, only Ctrl+Enter sends: a plain Enter in a field must not reach the student.
            input.addEventListener('keydown', (event) => {
              if (event.key !== 'Enter') return;
              event.preventDefault();
              if (event.ctrlKey || event.metaKey) void send();
            });
            const label = node('label', '', labelOf(parameter));
            label.htmlFor = input.id;
            field.append(label, input);
            return field;
          })),
    );
    renderPreview();
  }

  /** @returns {NodeListOf<HTMLInputElement>} */
  function parameterInputs() {
    return elements.fields.querySelectorAll('input[data-key]');
  }

  /**
   * The values typed so far, by parameter key.
   * @returns {Record<string, string>}
   */
  function values() {
    /** @type {Record<string, string>} */
    const filled = {};
    for (const input of parameterInputs()) filled[String(input.dataset.key)] = input.value;
    return filled;
  }

  /**
   * A component's text with its parameters filled in; the ones still empty stay visible as {{…}}.
   * @param {string} className
   * @param {string} text
   * @param {string} component
   * @param {Template} template
   * @param {Record<string, string>} filled
   */
  function filledText(className, text, component, template, filled) {
    const line = node('p', className);
    const parameters = (template.parameters || []).filter((p) => (p.component || 'body') === component);
    let at = 0;
    for (const match of String(text).matchAll(PLACEHOLDER)) {
      line.append(document.createTextNode(text.slice(at, match.index)));
      const parameter = parameters.find((p) => tokenOf(p) === match[1]);
      const value = parameter ? filled[parameter.key] : '';
      if (value) line.append(node('span', 'template-value', value));
      else line.append(node('span', 'template-missing', match[0]));
      at = Number(match.index) + match[0].length;
    }
    line.append(document.createTextNode(String(text).slice(at)));
    return line;
  }

  function renderPreview() {
    const template = chosen();
    if (!template) return;
    const filled = values();
    const parts = [];
    if (template.header) parts.push(filledText('template-header', template.header, 'header', template, filled));
    parts.push(filledText('template-text', template.text || '', 'body', template, filled));
    if (template.footer) parts.push(node('p', 'template-footer muted', template.footer));
    if (Array.isArray(template.buttons) && template.buttons.length > 0) {
      const buttons = node('ul', 'template-buttons');
      buttons.setAttribute('aria-label', 'Buttons the template offers');
      buttons.append(...template.buttons.map((title) => node('li', '', title)));
      parts.push(buttons);
    }
    elements.preview.replaceChildren(...parts);
  }

  async function send() {
    const to = contactId();
    const template = chosen();
    if (!to || !template || busy) return;
    const body = { name: template.name, language: template.language, parameters: values() };
    const text = JSON.stringify(body);
    const same = unanswered && unanswered.contactId === to && unanswered.text === text;
    const key = same && unanswered ? unanswered.key : newKey();
    busy = true;
    elements.send.disabled = true;
    showResult('Sending the template…', 'pending');
    const res = await api('POST', '/api/admin/conversations/' + encodeURIComponent(to) + '/template', body, {
      headers: { 'Idempotency-Key': key },
    });
    busy = false;
    elements.send.disabled = !chosen();
    unanswered = res.status === 0 ? { contactId: to, text, key } : null;
    if (contactId() !== to) return;
    if (res.status === 200) {
      showResult('✓ Template ' + template.name + ' sent', 'ok');
      for (const input of parameterInputs()) input.value = '';
      renderPreview();
      onSent(to);
      return;
    }
    showResult('✗ Template not sent — ' + describeFailure(res), 'error');
  }

  elements.select.addEventListener('change', renderFields);
  elements.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void send();
  });
  elements.box.addEventListener('toggle', () => {
    if (elements.box.open) void load();
  });

  return {
    /** A conversation was opened: a fresh form. */
    open() {
      offeredTo = null;
      unanswered = null;
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
