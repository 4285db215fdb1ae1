// @ts-check
// How labels and priority look wherever a conversation is shown: a coloured chip per label (its text
// dark or light, whichever reads better) and a priority badge. Names go in as text, colours through
// the CSSOM, once checked.
import { node } from './console-dom.js';
import { priorityName } from './console-names.js';

/** @typedef {Pick<import('./api-types').Label, 'id' | 'name' | 'color'>} Chip */
/** What a list row, a queue entry or a conversation carries of labels. @typedef {{ contactId?: string; priority?: string | null; labels?: Chip[] }} Labelled */

const COLOR = /^#[0-9a-f]{6}$/;

/**
 * Dark or light text, whichever reads better on `color` (WCAG relative luminance).
 * @param {string} color
 */
function textOn(color) {
  const channel = (/** @type {string} */ hex) => {
    const c = parseInt(hex, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
  };
  const l =
    0.2126 * channel(color.slice(1, 3)) + 0.7152 * channel(color.slice(3, 5)) + 0.0722 * channel(color.slice(5, 7));
  return l > 0.4 ? '#111827' : '#ffffff';
}

/**
 * One label as a chip in its colour.
 * @param {Chip} label
 */
function chip(label) {
  const element = node('span', 'label-chip', label.name);
  if (COLOR.test(label.color)) {
    element.style.backgroundColor = label.color;
    element.style.color = textOn(label.color);
  }
  element.title = 'Label: ' + label.name;
  return element;
}

/** @param {string} priority */
function priorityBadge(priority) {
  const badge = node('span', 'priority-badge', priorityName(priority));
  badge.dataset.priority = priority;
  badge.title = 'Priority: ' + priorityName(priority);
  return badge;
}

/**
 * The chips and (unless normal) the priority of a list or queue item.
 * @param {Labelled} item
 */
function decorations(item) {
  const element = node('span', 'item-labels');
  if (item.priority && item.priority !== 'normal') element.append(priorityBadge(item.priority));
  if (Array.isArray(item.labels)) element.append(...item.labels.map(chip));
  return element;
}

export { chip, priorityBadge, decorations };
