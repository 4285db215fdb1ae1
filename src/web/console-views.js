// @ts-check
// The header's view buttons: one <main> shown at a time (conversations, reports, campaigns…).
import { $ } from './console-ui.js';

/**
 * `openers`: what a view does each time it is shown, by its <main>'s id.
 * @param {Record<string, () => void>} openers
 */
export function createViews(openers) {
  const views = $('views');
  /** @type {HTMLElement[]} */
  const tabs = Array.from(views.querySelectorAll('[data-view]'));

  /** @param {string} id */
  function show(id) {
    views.hidden = false;
    for (const tab of tabs) {
      const on = tab.dataset.view === id;
      tab.setAttribute('aria-pressed', String(on));
      $(String(tab.dataset.view)).hidden = !on;
    }
    openers[id]?.();
  }

  function hide() {
    views.hidden = true;
    for (const tab of tabs) $(String(tab.dataset.view)).hidden = true;
  }

  for (const tab of tabs) tab.addEventListener('click', () => show(String(tab.dataset.view)));

  return { show, hide };
}
