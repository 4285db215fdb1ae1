// @ts-check
// What the template picker (console-templates.js) draws: the templates' options, one field per
// parameter, and a preview of the text the student will read with the values typed so far (the ones
// still empty stay visible as {{…}}). Everything goes into the page as text.
import { node } from './console-dom.js';

/** @typedef {import('./api-types').Template} Template */
/** @typedef {Template['parameters'][number]} Parameter */

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

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
 * The picker's options: a first one that asks for a choice (or says there is none), then a template each.
 * @param {Template[]} templates
 */
function pickerOptions(templates) {
  const none = node('option', '', templates.length === 0 ? 'No approved templates' : 'Choose a template…');
  none.value = '';
  return [
    none,
    ...templates.map((t, index) => {
      const option = node('option', '', t.name + ' (' + t.language + (t.category ? ', ' + t.category : '') + ')');
      option.value = String(index);
      return option;
    }),
  ];
}

/**
 * A labelled field per parameter (or a line saying there are none). `onInput()` runs on each change;
 * `onSend()` on Ctrl+Enter.
 * @param {Parameter[]} parameters
 * @param {() => void} onInput
 * @param {() => void} onSend
 */
function parameterFields(parameters, onInput, onSend) {
  if (parameters.length === 0) return [node('p', 'muted', 'This template has no parameters.')];
  return parameters.map((parameter, index) => {
    const field = node('div', 'template-field');
    const input = document.createElement('input');
    input.type = 'text';
    input.id = 'template-parameter-' + index;
    input.dataset.key = String(parameter.key);
    input.autocomplete = 'off';
    if (parameter.example) input.placeholder = 'e.g. ' + parameter.example;
    input.addEventListener('input', onInput);
    // As in the composer, only Ctrl+Enter sends: a plain Enter in a field must not reach the student.
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      if (event.ctrlKey || event.metaKey) onSend();
    });
    const label = node('label', '', labelOf(parameter));
    label.htmlFor = input.id;
    field.append(label, input);
    return field;
  });
}

/**
 * The parameters' fields drawn in `fields`.
 * @param {HTMLElement} fields
 * @returns {NodeListOf<HTMLInputElement>}
 */
function parameterInputs(fields) {
  return fields.querySelectorAll('input[data-key]');
}

/**
 * The values typed so far in `fields`, by parameter key.
 * @param {HTMLElement} fields
 * @returns {Record<string, string>}
 */
function valuesOf(fields) {
  /** @type {Record<string, string>} */
  const filled = {};
  for (const input of parameterInputs(fields)) filled[String(input.dataset.key)] = input.value;
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

/**
 * The preview of `template` with the `filled` values: header, body, footer and buttons.
 * @param {Template} template
 * @param {Record<string, string>} filled
 */
function previewParts(template, filled) {
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
  return parts;
}

export { pickerOptions, parameterFields, parameterInputs, valuesOf, previewParts };
