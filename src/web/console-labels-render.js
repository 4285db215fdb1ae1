// @ts-check
// What console-labels.js draws, from its state: the priorities' options, the label filter's options,
// the conversation header's chips and the editor's ticks. Names go into the page as text.
import { node } from './console-dom.js';
import { chip } from './console-label-chips.js';
import { PRIORITIES, PRIORITY_NAMES } from './console-names.js';

/** @typedef {import('./api-types').Label} Label */
/** @typedef {import('./console-label-chips.js').Chip} Chip */

/** An option per priority, lowest first, named. */
function priorityOptions() {
  return PRIORITIES.map((p) => {
    const option = node('option', '', PRIORITY_NAMES[p]);
    option.value = p;
    return option;
  });
}

/**
 * The label filter's options: all labels, then one per label by name.
 * @param {Label[]} catalogue
 */
function labelFilterOptions(catalogue) {
  const all = node('option', '', 'All labels');
  all.value = '';
  return [
    all,
    ...catalogue.map((label) => {
      const option = node('option', '', label.name);
      option.value = label.name;
      return option;
    }),
  ];
}

/**
 * The conversation header's chips, one list item each.
 * @param {Chip[]} labels
 */
function headChips(labels) {
  return labels.map((label) => {
    const item = node('li');
    item.append(chip(label));
    return item;
  });
}

/**
 * The editor's checkboxes, one per label of the catalogue, ticked for the conversation's `on` labels;
 * a line that says there are none yet when the catalogue is empty. `onChange()` runs on each tick.
 * @param {Label[]} catalogue
 * @param {Set<number>} on
 * @param {boolean} busy
 * @param {() => void} onChange
 */
function choiceItems(catalogue, on, busy, onChange) {
  if (catalogue.length === 0) return [node('li', 'muted', 'No labels yet: an admin creates them.')];
  return catalogue.map((label) => {
    const id = 'label-choice-' + label.id;
    const item = node('li', 'label-choice');
    const box = node('input');
    box.type = 'checkbox';
    box.id = id;
    box.value = label.name;
    box.checked = on.has(label.id);
    box.disabled = busy;
    box.addEventListener('change', onChange);
    const text = node('label');
    text.htmlFor = id;
    text.append(chip(label));
    item.append(box, text);
    return item;
  });
}

export { priorityOptions, labelFilterOptions, headChips, choiceItems };
