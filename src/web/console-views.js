// The header's view buttons: one <main> shown at a time (conversations, reports, campaigns…).
import { $ } from './console-ui.js';

/** `openers`: what a view does each time it is shown, by its <main>'s id. */
export function createViews(openers) {
  const views = $('views');
  const tabs = Array.from(views.querySelectorAll('[data-view]'));

  function show(id) {
    views.hidden = false;
    for (const tab of tabs) {
      const on = tab.dataset.view === id;
      tab.setAttribute('aria-pressed', String(on));
      $(tab.dataset.view).hidden = !on;
    }
    if (openers[id]) openers[id]();
  }

  function hide() {
    views.hidden = true;
    for (const tab of tabs) $(tab.dataset.view).hidden = true;
  }

  for (const tab of tabs) tab.addEventListener('click', () => show(tab.dataset.view));

  return { show, hide };
}
