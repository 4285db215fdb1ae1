// @ts-check
// The admins' part of labels (console-labels.js): the form that creates a label and the list of
// labels, each with a Delete that asks for a second click before it takes the label off every
// conversation. Shown only to an admin. Names go into the page as text.
import { node } from './console-dom.js';
import { chip } from './console-label-chips.js';
import { showResult } from './console-result.js';

/** @typedef {import('./api-types').Label} Label */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */

/**
 * @param {string} id
 * @returns {HTMLElement}
 */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/**
 * `catalogue()` is the labels last loaded; `reload()` loads them again (and draws this list).
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure;
 *   catalogue: () => Label[]; reload: () => void }} parts
 */
function createLabelAdmin({ api, describeFailure, catalogue, reload }) {
  const ui = {
    admin: $('label-admin'),
    adminForm: $('label-admin-form'),
    name: /** @type {HTMLInputElement} */ ($('label-name')),
    color: /** @type {HTMLInputElement} */ ($('label-color')),
    create: /** @type {HTMLButtonElement} */ ($('label-create')),
    adminResult: $('label-admin-result'),
    manage: $('label-manage'),
  };
  // The label whose Delete was clicked once: a second click deletes it.
  /** @type {number | null} */
  let confirming = null;

  /** The admins' list of labels, each with a Delete that asks for a second click. */
  function render() {
    ui.manage.replaceChildren(
      ...catalogue().map((label) => {
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
      render();
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
    reload();
  }

  async function loadRole() {
    /** @type {Answer<import('./api-types').MeAnswer>} */
    const res = await api('GET', '/api/admin/me');
    ui.admin.hidden = !(res.status === 200 && res.body && res.body.agent && res.body.agent.role === 'admin');
  }

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
      reload();
    } else {
      showResult(ui.adminResult, 'Not created — ' + describeFailure(res), 'error');
    }
  });

  return {
    render,
    loadRole,
    /** Signed out: nothing of the admin's list stays. */
    forget() {
      confirming = null;
      ui.manage.replaceChildren();
      ui.admin.hidden = true;
      ui.adminResult.textContent = '';
    },
  };
}

export { createLabelAdmin };
