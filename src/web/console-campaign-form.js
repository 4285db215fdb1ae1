// @ts-check
// The Campaigns view's form for a new campaign (console-campaigns.js shows it): a name, an approved
// template, each of its values from the student's profile or a constant, an audience, a start, a rate
// and a daily cap. **Preview** asks the API how many students it reaches and what one of them would
// read; **Start campaign** is enabled only for the form exactly as previewed.
import { buildForm, option } from './console-campaign-fields.js';
import { count } from './console-campaign-parts.js';
import { readForm as readFields, renderParameters as drawParameters } from './console-campaign-form-read.js';
import { node } from './console-dom.js';

/** @typedef {import('./api-types').Template} Template */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */

/** What a preview answers. @typedef {{ recipients?: number; sample?: { contactId: string; text: string } | null }} Preview */

/**
 * What a preview says: how many students the campaign reaches and what one of them would read.
 * @param {Preview} preview
 */
function previewLines(preview) {
  const recipients = count(preview.recipients);
  /** @type {HTMLElement[]} */
  const lines = [node('p', 'campaign-recipients', recipients + (recipients === 1 ? ' student' : ' students'))];
  if (preview.sample) {
    lines.push(node('p', 'muted', 'What ' + preview.sample.contactId + ' would read:'));
    lines.push(node('blockquote', 'campaign-sample', preview.sample.text));
  } else {
    lines.push(node('p', 'muted', 'No student of this audience has what the parameters ask for.'));
  }
  return lines;
}

/**
 * `api` and `describeFailure` are the console's; `onStarted(id)` is told of a campaign the form
 * started, `onClose()` of the form closed without one. Returns the form's `element`, `open()`,
 * which shows it with the current templates and labels, and `reset()`.
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure;
 *   onStarted: (id: string) => Promise<void> | void; onClose: () => void }} parts
 */
function create({ api, describeFailure, onStarted, onClose }) {
  /** @type {Template[]} */
  let templates = [];
  /** The body of the last successful preview; starting needs one of the form as it is now. @type {string | null} */
  let previewed = null;

  const form = buildForm();

  const chosenTemplate = () => templates.find((t) => t.name + '\n' + t.language === form.template.value);

  const renderParameters = () => drawParameters(form, chosenTemplate());
  const readForm = () => readFields(form, chosenTemplate());

  /** Any change to the form makes the preview stale: it must be looked at again before starting. */
  function forgetPreview() {
    previewed = null;
    form.startButton.disabled = true;
    form.preview.replaceChildren();
  }

  async function open() {
    form.element.hidden = false;
    form.error.textContent = '';
    form.name.focus();
    /** @type {[Answer<import('./api-types').TemplatesAnswer>, Answer<import('./api-types').LabelsAnswer>]} */
    const [listed, labels] = await Promise.all([api('GET', '/api/admin/templates'), api('GET', '/api/admin/labels')]);
    if (listed.status !== 200) {
      form.error.textContent = 'Could not load the templates: ' + describeFailure(listed);
      return;
    }
    templates = listed.body.templates;
    const current = form.template.value;
    form.template.replaceChildren(option('', 'Choose a template…'));
    for (const t of templates) {
      const text = t.name + ' (' + t.language + ', ' + String(t.category).toLowerCase() + ')';
      form.template.append(option(t.name + '\n' + t.language, text));
    }
    form.template.value = current;
    if (labels.status === 200 && Array.isArray(labels.body.labels)) {
      const chosen = form.label.value;
      form.label.replaceChildren(option('', 'Any label'));
      for (const l of labels.body.labels) form.label.append(option(l.name, l.name));
      form.label.value = chosen;
    }
    renderParameters();
  }

  form.template.addEventListener('change', renderParameters);
  form.element.addEventListener('input', forgetPreview);
  form.element.addEventListener('change', forgetPreview);
  form.cancelButton.addEventListener('click', () => {
    form.element.hidden = true;
    onClose();
  });

  form.previewButton.addEventListener('click', async () => {
    const read = readForm();
    form.error.textContent = read.problem || '';
    if (read.problem) return;
    form.previewButton.disabled = true;
    /** @type {Answer<Preview>} */
    const res = await api('POST', '/api/admin/campaigns', Object.assign({}, read.body, { preview: true }));
    form.previewButton.disabled = false;
    if (res.status !== 200) {
      form.error.textContent = 'No preview: ' + describeFailure(res);
      return;
    }
    form.preview.replaceChildren(...previewLines(res.body));
    previewed = JSON.stringify(read.body);
    form.startButton.disabled = count(res.body.recipients) === 0;
  });

  form.element.addEventListener('submit', async (event) => {
    event.preventDefault();
    const read = readForm();
    if (read.problem || previewed !== JSON.stringify(read.body)) {
      form.error.textContent = read.problem || 'Preview the campaign as it is now before starting it.';
      return;
    }
    form.startButton.disabled = true;
    /** @type {Answer<{ id: string }>} */
    const res = await api('POST', '/api/admin/campaigns', read.body);
    if (res.status !== 201) {
      form.startButton.disabled = false;
      form.error.textContent = 'Not started: ' + describeFailure(res);
      return;
    }
    reset();
    await onStarted(res.body.id);
  });

  /** Empties and hides the form. */
  function reset() {
    form.element.reset();
    form.error.textContent = '';
    forgetPreview();
    renderParameters();
    form.element.hidden = true;
  }

  return { element: form.element, open, reset };
}

export { create };
