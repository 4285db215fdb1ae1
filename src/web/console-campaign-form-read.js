// @ts-check
// The campaign form's two sides of a template (console-campaign-form.js uses them): the parameter
// fields drawn for the template chosen, and the request the whole form describes, or the first thing
// wrong with it. No requests here: the form previews and starts what these read.
import { field, FIELDS, input, select } from './console-campaign-fields.js';
import { node } from './console-dom.js';

/** @typedef {import('./api-types').Template} Template */
/** @typedef {ReturnType<typeof import('./console-campaign-fields.js').buildForm>} Form */
/**
 * The POST /api/admin/campaigns body the form describes.
 * @typedef {{ name: string; template: { name: string; language: string; parameters: Record<string, string> };
 *   audience: Record<string, unknown>; startAt?: string; ratePerSecond?: number; dailyCap?: number;
 *   ignoreOptOut?: boolean }} CampaignBody
 */

/**
 * The template's text and one field per parameter (from the student's profile, or a constant typed
 * in); the opt-out override only for a utility template.
 * @param {Form} form
 * @param {Template | undefined} chosen
 */
export function renderParameters(form, chosen) {
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
 * @param {Form} form
 * @param {Template | undefined} chosen
 * @returns {{ body: CampaignBody; problem?: undefined } | { problem: string; body?: undefined }}
 */
export function readForm(form, chosen) {
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
