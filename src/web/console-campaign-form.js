// @ts-check
// The Campaigns view's form for a new campaign (console-campaigns.js shows it): a name, an approved
// template, each of its values from the student's profile or a constant, an audience, a start, a rate
// and a daily cap. **Preview** asks the API how many students it reaches and what one of them would
// read; **Start campaign** is enabled only for the form exactly as previewed.
import { buildForm, field, FIELDS, input, option, select } from './console-campaign-fields.js';
import { node } from './console-dom.js';

/** @typedef {import('./api-types').Template} Template */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */
/**
 * The POST /api/admin/campaigns body the form describes.
 * @typedef {{ name: string; template: { name: string; language: string; parameters: Record<string, string> };
 *   audience: Record<string, unknown>; startAt?: string; ratePerSecond?: number; dailyCap?: number;
 *   ignoreOptOut?: boolean }} CampaignBody
 */

const count = (/** @type {unknown} */ n) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
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

  function renderParameters() {
    const chosen = chosenTemplate();
    form.parameters.replaceChildren(node('legend', null, 'Parameters'));
    form.parameters.hidden = !chosen || chosen.parameters.length === 0;
    form.templateText.textContent = chosen ? chosen.text : '';
    form.ignoreBox.hidden = !chosen || String(chosen.category).toUpperCase() !== 'UTILITY';
    if (form.ignoreBox.hidden) form.ignoreOptOut.checked = false;
    if (!chosen) return;
    chosen.parameters.forEach((parameter, i) => {
      const source = select(FIELDS);
      const constant = input('text', { maxlength: '1024', spellcheck: 'false' });
      constant.hidden = true;
      constant.setAttribute('aria-label', 'Constant for {{' + (parameter.name || parameter.position) + '}}');
      if (parameter.example) constant.placeholder = parameter.example;
      source.addEventListener('change', () => {
        constant.hidden = source.value !== '';
        if (!constant.hidden) constant.focus();
      });
      const box = field('campaign-parameter-' + i, 'Value of {{' + parameter.key + '}}', source);
      box.dataset.key = parameter.key;
      box.append(constant);
      form.parameters.append(box);
    });
  }

  /**
   * The request the form describes, or the first thing wrong with it.
   * @returns {{ body: CampaignBody; problem?: undefined } | { problem: string; body?: undefined }}
   */
  function readForm() {
    const chosen = chosenTemplate();
    if (!form.name.value.trim()) return { problem: 'Give the campaign a name.' };
    if (!chosen) return { problem: 'Choose a template.' };
    /** @type {Record<string, string>} */
    const parameters = {};
    for (const box of /** @type {NodeListOf<HTMLElement>} */ (form.parameters.querySelectorAll('[data-key]'))) {
      const source = /** @type {HTMLSelectElement} */ (box.querySelector('select')).value;
      const constant = /** @type {HTMLInputElement} */ (box.querySelector('input')).value;
      if (source === '' && constant.trim() === '') return { problem: 'Give {{' + box.dataset.key + '}} a value.' };
      parameters[String(box.dataset.key)] = source === '' ? constant : source;
    }
    /** @type {Record<string, unknown>} */
    const audience = {};
    if (form.registered.checked) audience.registered = true;
    if (form.className.value.trim()) audience.class = form.className.value.trim();
    if (form.label.value) audience.label = form.label.value;
    const ids = form.contacts.value.split(/[\s,]+/).filter(Boolean);
    if (ids.length > 0) audience.contacts = ids;
    if (form.active.value) audience.activeWithinDays = Number(form.active.value);
    if (Object.keys(audience).length === 0) return { problem: 'Choose who gets it: at least one audience filter.' };
    /** @type {CampaignBody} */
    const body = {
      name: form.name.value.trim(),
      template: { name: chosen.name, language: chosen.language, parameters },
      audience,
    };
    if (form.startAt.value) {
      const at = new Date(form.startAt.value);
      if (Number.isNaN(at.getTime())) return { problem: 'The start time is not a date.' };
      body.startAt = at.toISOString();
    }
    if (form.rate.value) body.ratePerSecond = Number(form.rate.value);
    if (form.dailyCap.value) body.dailyCap = Number(form.dailyCap.value);
    if (form.ignoreOptOut.checked) body.ignoreOptOut = true;
    return { body };
  }

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
    /** @type {Answer<{ recipients?: number; sample?: { contactId: string; text: string } | null }>} */
    const res = await api('POST', '/api/admin/campaigns', Object.assign({}, read.body, { preview: true }));
    form.previewButton.disabled = false;
    if (res.status !== 200) {
      form.error.textContent = 'No preview: ' + describeFailure(res);
      return;
    }
    const recipients = count(res.body.recipients);
    /** @type {HTMLElement[]} */
    const lines = [node('p', 'campaign-recipients', recipients + (recipients === 1 ? ' student' : ' students'))];
    if (res.body.sample) {
      lines.push(node('p', 'muted', 'What ' + res.body.sample.contactId + ' would read:'));
      lines.push(node('blockquote', 'campaign-sample', res.body.sample.text));
    } else {
      lines.push(node('p', 'muted', 'No student of this audience has what the parameters ask for.'));
    }
    form.preview.replaceChildren(...lines);
    previewed = JSON.stringify(read.body);
    form.startButton.disabled = recipients === 0;
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
