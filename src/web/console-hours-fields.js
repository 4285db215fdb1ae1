// @ts-check
// The pieces of the admins' hours and SLA editors (console-hours-editor.js): the weekdays and
// priorities they list, labelled inputs and buttons, result lines, and the SLA targets' form.
import { node } from './console-dom.js';
import { PRIORITIES, PRIORITY_NAMES, WEEKDAYS, WEEKDAY_NAMES } from './console-names.js';
import { showResult } from './console-result.js';

/** The weekdays, Monday first, as [key, name]. @type {[string, string][]} */
const DAYS = WEEKDAYS.map((day) => [day, WEEKDAY_NAMES[day]]);
/** The priorities, highest first (the SLA table's rows), as [key, name]. @type {[string, string][]} */
const PRIORITIES_DOWN = PRIORITIES.slice()
  .reverse()
  .map((priority) => [priority, PRIORITY_NAMES[priority]]);
const NEW_INTERVAL = ['09:00', '17:00'];

/**
 * @param {string} text
 * @param {HTMLElement} input
 */
function labelled(text, input) {
  const label = node('label', 'hours-field');
  label.append(node('span', 'hours-field-name', text), input);
  return label;
}

/**
 * @param {string} type
 * @param {string} className
 * @param {string} [value]
 */
function input(type, className, value) {
  const element = node('input', className);
  element.type = type;
  if (value !== undefined) element.value = value;
  element.autocomplete = 'off';
  element.spellcheck = false;
  return element;
}

/**
 * @param {string} text
 * @param {string} [className]
 */
function button(text, className) {
  const element = node('button', className || 'secondary', text);
  element.type = 'button';
  return element;
}

/** The SLA targets' form: a target per priority and clock, the warning share, escalation. */
export function buildSlaForm() {
  const slaForm = node('form', 'sla-form');
  slaForm.id = 'sla-form';
  slaForm.noValidate = true;
  const table = node('table', 'sla-table');
  const headRow = node('tr');
  headRow.append(node('th', '', 'Priority'), node('th', '', 'First reply'), node('th', '', 'Resolution'));
  const thead = node('thead');
  thead.append(headRow);
  const tbody = node('tbody');
  /** @type {Record<string, HTMLInputElement>} */
  const targetInputs = {};
  for (const [priority, name] of PRIORITIES_DOWN) {
    const row = node('tr');
    const cells = [node('th', '', name)];
    for (const [kind, kindName] of [
      ['firstResponse', 'first reply'],
      ['resolution', 'resolution'],
    ]) {
      const field = input('text', 'sla-target');
      field.maxLength = 16;
      field.placeholder = 'none';
      field.setAttribute('aria-label', name + ' ' + kindName + ' target');
      targetInputs[kind + ':' + priority] = field;
      const cell = node('td');
      cell.append(field);
      cells.push(cell);
    }
    row.append(...cells);
    tbody.append(row);
  }
  table.append(thead, tbody);
  const warn = input('number', 'sla-warn');
  warn.min = '1';
  warn.max = '99';
  warn.step = '1';
  const escalate = input('checkbox', 'sla-escalate');
  const escalateLabel = node('label', 'hours-check');
  escalateLabel.append(escalate, node('span', '', 'Escalate a breached chat: top of the queue, admins told'));
  const saveSla = node('button', '', 'Save SLA targets');
  saveSla.type = 'submit';
  const slaResult = node('p', 'result');
  slaResult.id = 'sla-result';
  slaResult.setAttribute('role', 'status');
  slaForm.append(
    node('h3', '', 'SLA targets'),
    node('p', 'muted', 'Business time, such as 30m, 4h or 2d; empty: no target. Counted only while open.'),
    table,
    labelled('Warn at (% of a target)', warn),
    escalateLabel,
    saveSla,
    slaResult,
  );
  return { slaForm, targetInputs, warn, escalate, saveSla, slaResult };
}

export { DAYS, NEW_INTERVAL, labelled, input, button, showResult };
