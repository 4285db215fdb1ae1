// @ts-check
// Canned responses under the composer: typing "/" and a filter opens a menu of the team's saved
// answers, filled for the open conversation's student; arrows move, Enter picks, Escape closes. The
// text picked goes into the composer for the agent to edit and send.
import { api, describeFailure, latest } from './console-api.js';
import { node } from './console-dom.js';
import { state } from './console-state.js';
import { ui } from './console-ui.js';

/** @typedef {import('./api-types').CannedResponse} CannedResponse */
/** A response filled for the open conversation's student (asked with `?phone=`): it has its `text`. @typedef {CannedResponse & { text: string; missing?: string[] }} Filled */

/** @type {Record<string, string>} */
const FIELD_LABELS = { first_name: 'first name', full_name: 'full name', class: 'class' };

/** The filter typed after "/" at the start of the composer, or null when the text is no such thing. */
export function cannedFilter() {
  const match = /^\/([^\n]*)$/.exec(ui.message.value);
  return match ? String(match[1]).trim().toLowerCase() : null;
}

/**
 * One response of the menu, `selected` when it is the one marked; a click picks it.
 * @param {Filled} response
 * @param {boolean} selected
 * @param {() => void} pick
 */
function cannedOption(response, selected, pick) {
  const option = node('li', 'canned-option');
  option.id = 'canned-option-' + response.id;
  option.setAttribute('role', 'option');
  option.setAttribute('aria-selected', String(selected));
  option.append(node('span', 'canned-title', response.title), node('span', 'canned-preview', response.text));
  // Keeps the focus in the composer, so the click does not close the menu first.
  option.addEventListener('mousedown', (event) => event.preventDefault());
  option.addEventListener('click', pick);
  return option;
}

/**
 * The menu, open, as its state says: loading (`items` null), why no response is shown (none yet, or
 * none matching `filter`), or those `shown` with `active` marked and scrolled to (the composer points
 * at it).
 * @param {Filled[] | null} items
 * @param {Filled[]} shown
 * @param {number} active
 * @param {string} filter
 * @param {(response: Filled) => void} pick
 */
function drawMenu(items, shown, active, filter, pick) {
  ui.cannedMenu.hidden = false;
  ui.message.setAttribute('aria-expanded', 'true');
  ui.message.removeAttribute('aria-activedescendant');
  if (items === null) {
    ui.cannedMenu.replaceChildren(node('li', 'canned-empty muted', 'Loading canned responses…'));
    return;
  }
  if (shown.length === 0) {
    const why = items.length === 0 ? 'No canned responses yet.' : 'No canned response matches “' + filter + '”.';
    ui.cannedMenu.replaceChildren(node('li', 'canned-empty muted', why));
    return;
  }
  ui.cannedMenu.replaceChildren(...shown.map((c, index) => cannedOption(c, index === active, () => pick(c))));
  const marked = ui.cannedMenu.children[active];
  if (!marked) return;
  ui.message.setAttribute('aria-activedescendant', marked.id);
  marked.scrollIntoView({ block: 'nearest' });
}

/**
 * What the agent must replace before sending, for the profile fields the student lacks; '' for none.
 * @param {string[]} fields
 */
function missingHint(fields) {
  const missing = fields.map((field) => FIELD_LABELS[field] || field);
  if (missing.length === 0) return '';
  return (
    'This student’s profile has no ' +
    missing.join(', ') +
    ': replace ' +
    missing.map((label) => '[' + label + ']').join(', ') +
    ' before sending.'
  );
}

export function createCanned() {
  // The menu: open while the text is "/" and a filter; the responses once loaded, those shown, the one marked.
  let open = false;
  /** @type {Filled[] | null} */
  let items = null;
  /** @type {Filled[]} */
  let shown = [];
  let active = 0;
  const loads = latest();

  /** Opens the menu and loads the responses filled for the open conversation's student. */
  async function openCanned() {
    const contactId = state.openId;
    if (!contactId) return;
    const signal = loads.next();
    open = true;
    items = null;
    renderCanned();
    // `?phone=` takes any reference to a student (contact id, phone, BSUID or username); without it the
    // server answers the bodies unfilled, with no `text`.
    /** @type {import('./console-api.js').Answer<import('./api-types').CannedResponsesAnswer>} */
    const res = await api('GET', '/api/admin/canned-responses?phone=' + encodeURIComponent(contactId), undefined, {
      signal,
    });
    if (signal.aborted || contactId !== state.openId || !open || !state.token) return;
    if (res.status !== 200) {
      ui.cannedMenu.replaceChildren(
        node('li', 'canned-empty error', 'Could not load canned responses: ' + describeFailure(res)),
      );
      return;
    }
    items = /** @type {Filled[]} */ (res.body.cannedResponses);
    active = 0;
    renderCanned();
  }

  function closeCanned() {
    open = false;
    items = null;
    shown = [];
    loads.cancel();
    ui.cannedMenu.hidden = true;
    ui.cannedMenu.replaceChildren();
    ui.message.setAttribute('aria-expanded', 'false');
    ui.message.removeAttribute('aria-activedescendant');
  }

  function renderCanned() {
    const filter = cannedFilter();
    if (filter === null) {
      closeCanned();
      return;
    }
    if (items !== null) {
      shown = items.filter((c) => c.title.toLowerCase().includes(filter));
      active = Math.min(Math.max(active, 0), Math.max(shown.length - 1, 0));
    }
    drawMenu(items, shown, active, filter, pickCanned);
  }

  /** Arrows move through the menu, Enter picks, Escape closes; true when the key was the menu's. */
  /** @param {KeyboardEvent} event */
  function cannedKey(event) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (shown.length > 0) {
        const step = event.key === 'ArrowDown' ? 1 : -1;
        active = (active + step + shown.length) % shown.length;
        renderCanned();
      }
      return true;
    }
    if (event.key === 'Enter') {
      // With the menu open Enter never sends: "/greeting" is a search, not a message for the student.
      event.preventDefault();
      const picked = shown[active];
      if (picked) pickCanned(picked);
      return true;
    }
    if (event.key === 'Escape') {
      event.preventDefault();
      closeCanned();
      return true;
    }
    return false;
  }

  /** Puts the filled text in the composer for the agent to edit and send, and says what the profile lacked. */
  /** @param {Filled} response */
  function pickCanned(response) {
    closeCanned();
    ui.message.value = response.text;
    ui.message.focus();
    ui.message.setSelectionRange(response.text.length, response.text.length);
    const hint = missingHint(response.missing || []);
    ui.cannedHint.hidden = hint === '';
    ui.cannedHint.textContent = hint;
  }

  ui.message.addEventListener('input', () => {
    if (cannedFilter() === null) closeCanned();
    else if (!open) void openCanned();
    else renderCanned();
  });
  ui.message.addEventListener('blur', () => closeCanned());

  return { close: closeCanned, isOpen: () => open, key: cannedKey };
}
