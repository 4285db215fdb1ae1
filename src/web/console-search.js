// @ts-check
// Search, in the sidebar: conversations and messages matching the agent's words, a page at a time; a
// message hit opens its conversation at that message.
import { api, describeFailure, latest } from './console-api.js';
import { node } from './console-dom.js';
import { displayName, identityElement, idOf, timeElement } from './console-format.js';
import { PAGE_SIZE } from './console-list.js';
import { state } from './console-state.js';
import { ui } from './console-ui.js';

/** @typedef {import('./api-types').SearchHit} SearchHit */
/** @typedef {(contactId: string, messageId?: string | number) => void} Open */

/**
 * The snippet as text, the words found in <mark>: built from offsets, never from markup.
 * @param {string} snippet
 * @param {number[][] | null | undefined} highlights
 */
function snippetElement(snippet, highlights) {
  const element = node('span', 'hit-snippet');
  let at = 0;
  for (const [start, end] of highlights || []) {
    if (start === undefined || end === undefined || start < at || end > snippet.length) continue;
    element.append(document.createTextNode(snippet.slice(at, start)), node('mark', '', snippet.slice(start, end)));
    at = end;
  }
  element.append(document.createTextNode(snippet.slice(at)));
  return element;
}

/** @param {SearchHit} hit */
function hitName(hit) {
  return hit.fullName || displayName(hit);
}

/**
 * A hit as a list item; `open(contactId, messageId)` is what a click does.
 * @param {SearchHit} hit
 * @param {Open} open
 */
function renderHit(hit, open) {
  const item = node('li');
  const button = node('button', 'conversation-item search-hit');
  button.type = 'button';
  button.dataset.hitContactId = idOf(hit);
  const top = node('span', 'item-top');
  top.append(
    node('span', 'item-name', hitName(hit)),
    node('span', 'badge hit-kind', hit.kind === 'message' ? 'message' : 'conversation'),
  );
  const bottom = node('span', 'item-bottom');
  if (hit.kind === 'message') {
    button.dataset.messageId = String(hit.messageId);
    bottom.append(identityElement(hit), timeElement(hit.timestamp));
    button.append(top, snippetElement(hit.snippet, hit.highlights), bottom);
    button.addEventListener('click', () => open(idOf(hit), hit.messageId));
  } else {
    const matched = node('span', 'hit-matched', 'matches ' + hit.matched.join(', '));
    const details = node('span', 'item-bottom');
    details.append(identityElement(hit), timeElement(hit.lastActivityAt));
    if (hit.email) bottom.append(node('span', 'hit-email', hit.email));
    bottom.append(matched);
    button.append(top, details, bottom);
    button.addEventListener('click', () => open(idOf(hit)));
  }
  item.append(button);
  return item;
}

/**
 * `open(contactId, messageId)` opens a conversation, at a message when given one.
 * @param {{ open: Open }} parts
 */
export function createSearch({ open }) {
  // The search shown in the sidebar, if any.
  /** @type {string | null} */
  let text = null;
  /** @type {SearchHit[]} */
  let hits = [];
  /** @type {string | null} */
  let cursor = null;
  const loads = latest();

  /** @param {string | null} at */
  function query(at) {
    const params = new URLSearchParams({ q: String(text), limit: String(PAGE_SIZE) });
    if (at) params.set('cursor', at);
    return '/api/admin/search?' + params.toString();
  }

  /** @param {boolean} more */
  async function run(more) {
    if (text === null || (more && !cursor)) return;
    const signal = loads.next();
    ui.searchError.textContent = '';
    if (!more) {
      ui.searchHeading.textContent = 'Searching for “' + text + '”…';
      ui.searchList.replaceChildren();
      ui.searchEmpty.hidden = true;
      ui.searchMore.hidden = true;
    }
    /** @type {import('./console-api.js').Answer<import('./api-types').SearchAnswer>} */
    const res = await api('GET', query(more ? cursor : null), undefined, { signal });
    if (signal.aborted || text === null || !state.token) return;
    if (res.status !== 200) {
      ui.searchHeading.textContent = 'Results for “' + text + '”';
      ui.searchError.textContent = 'Could not search: ' + describeFailure(res);
      return;
    }
    hits = more ? hits.concat(res.body.hits) : res.body.hits;
    cursor = res.body.nextCursor || null;
    render();
  }

  function close() {
    text = null;
    hits = [];
    cursor = null;
    loads.cancel();
    ui.searchList.replaceChildren();
    ui.searchView.hidden = true;
    ui.listView.hidden = false;
  }

  function render() {
    ui.searchHeading.textContent = 'Results for “' + text + '”';
    ui.searchList.replaceChildren(...hits.map((hit) => renderHit(hit, open)));
    ui.searchEmpty.hidden = hits.length > 0;
    ui.searchMore.hidden = !cursor;
  }

  ui.searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const wanted = ui.search.value.trim();
    if (wanted === '') {
      close();
      return;
    }
    text = wanted;
    hits = [];
    cursor = null;
    ui.listView.hidden = true;
    ui.searchView.hidden = false;
    void run(false);
  });
  ui.searchClear.addEventListener('click', () => {
    ui.search.value = '';
    close();
  });
  ui.searchMore.addEventListener('click', () => void run(true));

  return { close };
}
