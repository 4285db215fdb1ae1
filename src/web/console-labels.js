// @ts-check
// Labels and priority in the console (SPEC §7.6): coloured chips and a priority badge on the list's
// items and in the conversation's header, an editor where an agent ticks labels and picks a priority
// (each change is saved at once, and shown only once the API answered 200), the list's filters by
// label and priority (console-labels-filters.js), and, for admins, a form that creates a label and a
// list that deletes one (console-labels-admin.js). Other consoles follow through the
// event stream: 'labels' and 'priority' events reload what they show, 'labels_changed' the label list.
// Names and colours go into the page as text and through the CSSOM, never as markup.
import { latest } from './console-api.js';
import { decorations, priorityBadge } from './console-label-chips.js';
import { createLabelAdmin } from './console-labels-admin.js';
import { createLabelFilters } from './console-labels-filters.js';
import { choiceItems, headChips, priorityOptions } from './console-labels-render.js';
import { showResult } from './console-result.js';

/** @typedef {import('./api-types').Label} Label */
/** @typedef {import('./console-label-chips.js').Chip} Chip */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */
/** @typedef {import('./console-label-chips.js').Labelled} Labelled */

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** The conversation header's badge and chips, and the editor's priority, ticks and result line. */
function editorElements() {
  return {
    headPriority: $('conversation-priority'),
    headLabels: $('conversation-labels'),
    prioritySelect: /** @type {HTMLSelectElement} */ ($('priority-select')),
    choices: $('label-choices'),
    result: $('labels-result'),
  };
}

/**
 * `api(method, path, body)` and `describeFailure(res)` are the console's; `contactId()` the open
 * conversation; `onFilterChange()` reloads the list; `onChanged(contactId)` reloads what shows a
 * conversation after this agent changed it.
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure;
 *   contactId: () => string | null; onFilterChange: () => void; onChanged: (contactId: string) => void }} parts
 */
function create({ api, describeFailure, contactId, onFilterChange, onChanged }) {
  const ui = editorElements();
  /** @type {Label[]} */
  let catalogue = [];
  /** @type {{ contactId?: string; labels: Chip[]; priority?: string | null } | null} */
  let shown = null;
  let busy = false;
  const loads = latest();
  const admin = createLabelAdmin({
    api,
    describeFailure,
    catalogue: () => catalogue,
    reload: () => void loadCatalogue(),
  });

  const filters = createLabelFilters({ onFilterChange });
  ui.prioritySelect.append(...priorityOptions());

  async function loadCatalogue() {
    const signal = loads.next();
    /** @type {Answer<import('./api-types').LabelsAnswer>} */
    const res = await api('GET', '/api/admin/labels', undefined, { signal });
    if (signal.aborted || res.status !== 200 || !res.body || !Array.isArray(res.body.labels)) return;
    catalogue = res.body.labels;
    filters.render(catalogue);
    renderEditor();
    admin.render();
  }

  /**
   * The header's badge and chips, and the editor's ticks, for the conversation last loaded.
   * @param {Labelled} conversation
   */
  function renderHead(conversation) {
    if (!conversation || !Array.isArray(conversation.labels)) return;
    shown = { contactId: conversation.contactId, labels: conversation.labels, priority: conversation.priority };
    ui.headPriority.replaceChildren(priorityBadge(conversation.priority || 'normal'));
    ui.headLabels.replaceChildren(...headChips(conversation.labels));
    renderEditor();
  }

  function renderEditor() {
    if (!shown) return;
    ui.prioritySelect.value = shown.priority || 'normal';
    const on = new Set(shown.labels.map((label) => label.id));
    ui.choices.replaceChildren(...choiceItems(catalogue, on, busy, () => void save('labels')));
    ui.prioritySelect.disabled = busy;
  }

  /**
   * Saves the ticked labels or the chosen priority of the open conversation.
   * @param {'labels' | 'priority'} what
   */
  async function save(what) {
    const target = contactId();
    if (!target || busy) return;
    if (what === 'priority') {
      await change(target, what, { priority: ui.prioritySelect.value }, 'Priority saved');
      return;
    }
    const names = Array.from(
      /** @type {NodeListOf<HTMLInputElement>} */ (ui.choices.querySelectorAll('input:checked')),
      (box) => box.value,
    );
    await change(target, what, { labels: names }, 'Labels saved');
  }

  /**
   * @param {string} target
   * @param {'labels' | 'priority'} what
   * @param {object} body
   * @param {string} done
   */
  async function change(target, what, body, done) {
    busy = true;
    renderEditor();
    showResult(ui.result, 'Saving…', 'pending');
    /** @type {Answer<{ labels: Chip[]; priority: string }>} */
    const res = await api('PUT', '/api/admin/conversations/' + encodeURIComponent(target) + '/' + what, body);
    busy = false;
    // Another conversation was opened meanwhile: its editor was drawn while this one was busy.
    if (target !== contactId()) {
      renderEditor();
      return;
    }
    if (res.status === 200) {
      showResult(ui.result, '✓ ' + done, 'ok');
      const before = shown || { labels: [] };
      const after =
        what === 'labels'
          ? Object.assign({}, before, { labels: res.body.labels })
          : Object.assign({}, before, { priority: res.body.priority });
      shown = after;
      renderHead(Object.assign({ contactId: target }, after));
    } else {
      showResult(ui.result, 'Not saved — ' + describeFailure(res), 'error');
      renderEditor();
    }
    onChanged(target);
  }

  ui.prioritySelect.addEventListener('change', () => void save('priority'));

  return {
    /** After sign-in: the labels, and whether this person may create them. */
    start() {
      void loadCatalogue();
      void admin.loadRole();
    },
    forget() {
      catalogue = [];
      shown = null;
      admin.forget();
      filters.forget();
      ui.result.textContent = '';
    },
    /**
     * A label was created, renamed or deleted, here or in another console.
     * @param {{ kind?: string }} data
     */
    noteEvent(data) {
      if (data.kind !== 'labels_changed') return;
      void loadCatalogue();
      // A label renamed, recoloured or deleted changes the open conversation's chips too.
      const open = contactId();
      if (open) onChanged(open);
    },
    renderHead,
    /** The chips and (unless normal) the priority of a list or queue item. */
    decorations,
    /** Adds the list's filters to its query. */
    filterParams: filters.filterParams,
  };
}

export { create };
