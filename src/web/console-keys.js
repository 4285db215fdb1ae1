// @ts-check
// The conversation list and the Waiting view as lists of buttons: moving through them with the
// keyboard, and drawing them keyed by conversation, so a live reload keeps each row's button (and the
// focus and focus ring on it) instead of rebuilding the list.
import { render } from '../lib/lit-html/lit-html.js';

/**
 * The list's rows' buttons, in order.
 * @param {HTMLElement} list
 * @returns {HTMLButtonElement[]}
 */
function buttonsOf(list) {
  return Array.from(list.querySelectorAll('button.conversation-item'));
}

/**
 * Up and Down move between a list's items, Home and End jump to its ends; Enter opens (the button's own).
 * @param {HTMLElement} list
 */
export function listKeys(list) {
  list.addEventListener('keydown', (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const buttons = buttonsOf(list);
    const at = buttons.indexOf(/** @type {HTMLButtonElement} */ (event.target));
    if (at === -1 || buttons.length === 0) return;
    /** @type {number | undefined} */
    const to = /** @type {Record<string, number>} */ ({
      ArrowDown: Math.min(at + 1, buttons.length - 1),
      ArrowUp: Math.max(at - 1, 0),
      Home: 0,
      End: buttons.length - 1,
    })[event.key];
    if (to === undefined) return;
    event.preventDefault();
    buttons[to]?.focus();
  });
}

/**
 * Draws `rows` (a lit-html template, its rows keyed by conversation) into `list`. A row that stays
 * keeps its elements, so the focus stays on it by itself; only when the focused row itself left does
 * the focus go to the row now in its place, without scrolling what the agent is reading.
 * @param {HTMLElement} list
 * @param {unknown} rows
 */
export function drawRows(list, rows) {
  const buttons = buttonsOf(list);
  const focusedAt = buttons.indexOf(/** @type {HTMLButtonElement} */ (document.activeElement));
  render(rows, list);
  if (focusedAt === -1 || list.contains(document.activeElement)) return;
  const now = buttonsOf(list);
  const target = now[Math.min(focusedAt, now.length - 1)];
  if (target) target.focus({ preventScroll: true });
}
