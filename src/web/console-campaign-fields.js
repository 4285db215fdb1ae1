// @ts-check
// The Campaigns view's form for a new campaign, as elements: a name, the template and its parameters,
// the audience, the sending; console-campaign-form.js fills it and reads it. Texts go in as text.
import { node } from './console-dom.js';

/** @type {[string, string][]} */
const FIELDS = [
  ['{first_name}', 'First name'],
  ['{full_name}', 'Full name'],
  ['{class}', 'Class'],
  ['', 'Constant…'],
];

/**
 * A labelled form control in a `.field` box; `hint` goes under it and is read with it.
 * @param {string} id
 * @param {string} labelText
 * @param {HTMLElement} control
 * @param {string} [hint]
 */
function field(id, labelText, control, hint) {
  const box = node('div', 'field');
  control.id = id;
  const label = node('label', null, labelText);
  label.htmlFor = id;
  box.append(label, control);
  if (hint) {
    const help = node('span', 'muted hint', hint);
    help.id = id + '-hint';
    control.setAttribute('aria-describedby', help.id);
    box.append(help);
  }
  return box;
}

/**
 * @param {string} type
 * @param {Record<string, string>} [attributes]
 */
function input(type, attributes) {
  const element = document.createElement('input');
  element.type = type;
  for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, value);
  return element;
}

/**
 * @param {string} value
 * @param {string} text
 */
function option(value, text) {
  const element = node('option', null, text);
  element.value = value;
  return element;
}

/** @param {[string, string][]} options */
function select(options) {
  const element = document.createElement('select');
  for (const [value, text] of options) element.append(option(value, text));
  return element;
}

/**
 * @param {string} text
 * @param {string} [className]
 */
function button(text, className) {
  const element = node('button', className || null, text);
  element.type = 'button';
  return element;
}

/** The form's elements, built once: the form itself and each control the form reads. */
export function buildForm() {
  const element = node('form', 'campaign-form');
  element.id = 'campaign-form';
  element.hidden = true;
  element.setAttribute('aria-labelledby', 'campaign-form-title');
  element.autocomplete = 'off';
  const title = node('h3', null, 'New campaign');
  title.id = 'campaign-form-title';

  const name = input('text', { maxlength: '200', required: '', spellcheck: 'false' });
  const template = select([['', 'Choose a template…']]);
  template.required = true;
  const templateText = node('p', 'muted campaign-template-text');
  const parameters = node('fieldset', 'campaign-parameters');
  parameters.append(node('legend', null, 'Parameters'));
  parameters.hidden = true;

  const audience = node('fieldset', 'campaign-audience');
  audience.append(node('legend', null, 'Audience (students matching every filter given)'));
  const registered = input('checkbox');
  const registeredBox = node('div', 'field check');
  registered.id = 'campaign-registered';
  const registeredLabel = node('label', null, 'Registered students');
  registeredLabel.htmlFor = registered.id;
  registeredBox.append(registered, registeredLabel);
  const className = input('text', { maxlength: '100', spellcheck: 'false' });
  const label = select([['', 'Any label']]);
  const contacts = document.createElement('textarea');
  contacts.rows = 2;
  contacts.spellcheck = false;
  const active = input('number', { min: '1', max: '3650', step: '1', inputmode: 'numeric' });
  audience.append(
    registeredBox,
    field('campaign-class', 'Class', className),
    field('campaign-label', 'Label', label),
    field('campaign-contacts', 'Contact ids', contacts, 'ct_… ids, separated by spaces, commas or lines'),
    field('campaign-active', 'Active within (days)', active),
  );
  const ignoreOptOut = input('checkbox');
  ignoreOptOut.id = 'campaign-ignore-opt-out';
  const ignoreBox = node('div', 'field check');
  const ignoreLabel = node('label', null, 'Include students who wrote STOP (a utility reminder only)');
  ignoreLabel.htmlFor = ignoreOptOut.id;
  ignoreBox.append(ignoreOptOut, ignoreLabel);
  ignoreBox.hidden = true;
  audience.append(ignoreBox);

  const timing = node('fieldset', 'campaign-timing');
  timing.append(node('legend', null, 'Sending'));
  const startAt = input('datetime-local');
  const rate = input('number', { min: '1', step: '1', inputmode: 'numeric', value: '20' });
  const dailyCap = input('number', { min: '1', step: '1', inputmode: 'numeric' });
  timing.append(
    field('campaign-start-at', 'Start at', startAt, 'empty: now'),
    field('campaign-rate', 'Messages per second', rate),
    field('campaign-daily-cap', 'Daily cap', dailyCap, 'empty: none'),
  );

  const previewButton = button('Preview', 'secondary');
  previewButton.id = 'campaign-preview';
  const startButton = node('button', null, 'Start campaign');
  startButton.type = 'submit';
  startButton.id = 'campaign-start';
  startButton.disabled = true;
  const cancelButton = button('Close', 'secondary');
  const actions = node('div', 'actions');
  actions.append(previewButton, startButton, cancelButton);
  const preview = node('div', 'campaign-preview');
  preview.id = 'campaign-preview-result';
  preview.setAttribute('role', 'status');
  preview.setAttribute('aria-live', 'polite');
  const error = node('p', 'error');
  error.setAttribute('role', 'alert');

  element.append(
    title,
    field('campaign-name', 'Name', name),
    field('campaign-template', 'Template', template),
    templateText,
    parameters,
    audience,
    timing,
    actions,
    preview,
    error,
  );
  return {
    element,
    name,
    template,
    templateText,
    parameters,
    registered,
    className,
    label,
    contacts,
    active,
    ignoreOptOut,
    ignoreBox,
    startAt,
    rate,
    dailyCap,
    previewButton,
    startButton,
    cancelButton,
    preview,
    error,
  };
}

export { FIELDS, field, input, option, select };
