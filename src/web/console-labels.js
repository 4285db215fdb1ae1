// @ts-check
// Labels and priority in the console (SPEC §7.6): coloured chips and a priority badge on the list's
// items and in the conversation's header, an editor where an agent ticks labels and picks a priority
// (each change is saved at once, and shown only once the API answered 200), the list's filters by
// label and priority, and, for admins, a form that creates a label. Other consoles follow through the
// event stream: 'labels' and 'priority' events reload what they show, 'labels_changed' the label list.
// Names and colours go into the page as text and through the CSSOM, never as markup.
import { latest } from './console-api.js';
import { node } from './console-dom.js';
import { chip, decorations, priorityBadge, PRIORITY_NAMES } from './console-label-chips.js';
import { PRIORITIES } from './facts.js';

/** @typedef {import('./api-types').Label} Label */
/** @typedef {import('./console-label-chips.js').Chip} Chip */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */
/** @typedef {import('./console-label-chips.js').Labelled} Labelled */

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * `api(method, path, body)` and `describeFailure(res)` are the console's; `contactId()` the open
 * conversation; `onFilterChange()` reloads the list; `onChanged(contactId)` reloads what shows a
 * conversation after this agent changed it.
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure;
 *   contactId: () => string | null; onFilterChange: () => void; onChanged: (contactId: string) => void }} parts
 */
function create({ api, describeFailure, contactId, onFilterChange, onChanged }) {
  const ui = {
    labelFilter: /** @type {HTMLSelectElement} */ ($('label-filter')),
    priorityFilter: /** @type {HTMLSelectElement} */ ($('priority-filter')),
    headPriority: $('conversation-priority'),
    headLabels: $('conversation-labels'),
    editor: $('labels-editor'),
    prioritySelect: /** @type {HTMLSelectElement} */ ($('priority-select')),
    choices: $('label-choices'),
    result: $('labels-result'),
    admin: $('label-admin'),
    adminForm: $('label-admin-form'),
    name: /** @type {HTMLInputElement} */ ($('label-name')),
    color: /** @type {HTMLInputElement} */ ($('label-color')),
    create: /** @type {HTMLButtonElement} */ ($('label-create')),
    adminResult: $('label-admin-result'),
    manage: $('label-manage'),
  };
  /** @type {Label[]} */
  let catalogue = [];
  /** @type {{ contactId?: string; labels: Chip[]; priority?: string | null } | null} */
  let shown = null;
  let busy = false;
  const loads = latest();
  // The label whose Delete was clicked once: a second click deletes it.
  /** @type {number | null} */
  let confirming = null;

  /**
   * @param {HTMLElement} element
   * @param {string} text
   * @param {'pending' | 'ok' | 'error'} kind
   */
  function showResult(element, text, kind) {
    element.textContent = text;
    element.className = 'result result-' + kind;
  }

  ui.priorityFilter.append(
    ...PRIORITIES.map((p) => {
      const option = node('option', '', PRIORITY_NAMES[p]);
      option.value = p;
      return option;
    }),
  );
  ui.prioritySelect.append(
    ...PRIORITIES.map((p) => {
      const option = node('option', '', PRIORITY_NAMES[p]);
      option.value = p;
      return option;
    }),
  );

  async function loadCatalogue() {
    const signal = loads.next();
    /** @type {Answer<import('./api-types').LabelsAnswer>} */
    const res = await api('GET', '/api/admin/labels', undefined, { signal });
    if (signal.aborted || res.status !== 200 || !res.body || !Array.isArray(res.body.labels)) return;
    catalogue = res.body.labels;
    renderFilter();
    renderEditor();
    renderManage();
  }

  /** The admins' list of labels, each with a Delete that asks for a second click. */
  function renderManage() {
    ui.manage.replaceChildren(
      ...catalogue.map((label) => {
        const item = node('li', 'label-manage-item');
        const remove = node('button', 'secondary', confirming === label.id ? 'Confirm delete' : 'Delete');
        remove.type = 'button';
        remove.setAttribute('aria-label', (confirming === label.id ? 'Confirm delete ' : 'Delete ') + label.name);
        remove.addEventListener('click', () => void removeLabel(label));
        item.append(chip(label), remove);
        return item;
      }),
    );
  }

  /** @param {Label} label */
  async function removeLabel(label) {
    if (confirming !== label.id) {
      confirming = label.id;
      renderManage();
      showResult(
        ui.adminResult,
        'Delete “' + label.name + '”? It comes off every conversation. Click Confirm delete to go on.',
        'pending',
      );
      ui.manage
        .querySelector(/** @type {'button'} */ ('button[aria-label="Confirm delete ' + CSS.escape(label.name) + '"]'))
        ?.focus();
      return;
    }
    confirming = null;
    /** @type {Answer<{ conversations?: number }>} */
    const res = await api('DELETE', '/api/admin/labels/' + encodeURIComponent(String(label.id)));
    if (res.status === 200) {
      const count = res.body.conversations;
      showResult(
        ui.adminResult,
        '✓ Label “' + label.name + '” deleted' + (count ? ', taken off ' + count + ' conversation(s)' : ''),
        'ok',
      );
    } else {
      showResult(ui.adminResult, 'Not deleted — ' + describeFailure(res), 'error');
    }
    void loadCatalogue();
  }

  async function loadRole() {
    /** @type {Answer<import('./api-types').MeAnswer>} */
    const res = await api('GET', '/api/admin/me');
    ui.admin.hidden = !(res.status === 200 && res.body && res.body.agent && res.body.agent.role === 'admin');
  }

  function renderFilter() {
    const chosen = ui.labelFilter.value;
    const all = node('option', '', 'All labels');
    all.value = '';
    ui.labelFilter.replaceChildren(
      all,
      ...catalogue.map((label) => {
        const option = node('option', '', label.name);
        option.value = label.name;
        return option;
      }),
    );
    const still = catalogue.some((label) => label.name === chosen);
    ui.labelFilter.value = still ? chosen : '';
    // The label filtered by was deleted or renamed: the list shows everything again.
    if (chosen !== '' && !still) onFilterChange();
  }

  /**
   * The header's badge and chips, and the editor's ticks, for the conversation last loaded.
   * @param {Labelled} conversation
   */
  function renderHead(conversation) {
    if (!conversation || !Array.isArray(conversation.labels)) return;
    shown = { contactId: conversation.contactId, labels: conversation.labels, priority: conversation.priority };
    ui.headPriority.replaceChildren(priorityBadge(conversation.priority || 'normal'));
    ui.headLabels.replaceChildren(
      ...conversation.labels.map((label) => {
        const item = node('li');
        item.append(chip(label));
        return item;
      }),
    );
    renderEditor();
  }

  function renderEditor() {
    if (!shown) return;
    ui.prioritySelect.value = shown.priority || 'normal';
    const on = new Set(shown.labels.map((label) => label.id));
    ui.choices.replaceChildren(
      ...catalogue.map((label) => {
        const id = 'label-choice-' + label.id;
        const item = node('li', 'label-choice');
        const box = node('input');
        box.type = 'checkbox';
        box.id = id;
        box.value = label.name;
        box.checked = on.has(label.id);
        box.disabled = busy;
        box.addEventListener('change', () => void saveLabels());
        const text = node('label');
        text.htmlFor = id;
        text.append(chip(label));
        item.append(box, text);
        return item;
      }),
    );
    if (catalogue.length === 0) ui.choices.append(node('li', 'muted', 'No labels yet: an admin creates them.'));
    ui.prioritySelect.disabled = busy;
  }

  async function saveLabels() {
    const target = contactId();
    if (!target || busy) return;
    const names = Array.from(
      /** @type {NodeListOf<HTMLInputElement>} */ (ui.choices.querySelectorAll('input:checked')),
      (box) => box.value,
    );
    await change(target, 'labels', { labels: names }, 'Labels saved');
  }

  async function savePriority() {
    const target = contactId();
    if (!target || busy) return;
    await change(target, 'priority', { priority: ui.prioritySelect.value }, 'Priority saved');
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

  ui.prioritySelect.addEventListener('change', () => void savePriority());
  ui.labelFilter.addEventListener('change', () => onFilterChange());
  ui.priorityFilter.addEventListener('change', () => onFilterChange());

  ui.adminForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const name = ui.name.value.trim();
    if (name === '') {
      showResult(ui.adminResult, 'Give the label a name.', 'error');
      return;
    }
    ui.create.disabled = true;
    /** @type {Answer<{ label: Label }>} */
    const res = await api('POST', '/api/admin/labels', { name, color: ui.color.value });
    ui.create.disabled = false;
    if (res.status === 201) {
      showResult(ui.adminResult, '✓ Label “' + res.body.label.name + '” created', 'ok');
      ui.name.value = '';
      void loadCatalogue();
    } else {
      showResult(ui.adminResult, 'Not created — ' + describeFailure(res), 'error');
    }
  });

  return {
    /** After sign-in: the labels, and whether this person may create them. */
    start() {
      void loadCatalogue();
      void loadRole();
    },
    forget() {
      catalogue = [];
      shown = null;
      confirming = null;
      ui.manage.replaceChildren();
      ui.admin.hidden = true;
      ui.labelFilter.value = '';
      ui.priorityFilter.value = '';
      ui.result.textContent = '';
      ui.adminResult.textContent = '';
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
    /**
     * Adds the list's filters to its query.
     * @param {URLSearchParams} params
     */
    filterParams(params) {
      if (ui.labelFilter.value) params.set('label', ui.labelFilter.value);
      if (ui.priorityFilter.value) params.set('priority', ui.priorityFilter.value);
    },
  };
}

export { create };
