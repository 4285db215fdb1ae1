// @ts-check
// The conversation list: filtered by state, labels and priority, newest activity first, a page at a
// time, reloaded live without losing what "Load more" showed or where the keyboard was.
import { html, nothing } from '../lib/lit-html/lit-html.js';
import { repeat } from '../lib/lit-html/directives/repeat.js';
import { api, describeFailure, latest, refresher } from './console-api.js';
import { node } from './console-dom.js';
import { displayName, identityElement, idOf, stateBadge, timeElement, unreadBadge } from './console-format.js';
import { drawRows } from './console-keys.js';
import { state } from './console-state.js';
import { ui } from './console-ui.js';
import { STATE_NAMES } from './facts.js';

/** @typedef {import('./api-types').ConversationSummary} ConversationSummary */
/** @typedef {import('./api-types').ConversationsAnswer} ConversationsAnswer */
/**
 * What the list needs of console-labels.js.
 * @typedef {{ filterParams(params: URLSearchParams): void; decorations(item: object): Node }} ListLabels
 */

export const PAGE_SIZE = 50;
const MAX_PAGE = 100;

/**
 * `labels` is console-labels.js's (the rows' chips, the filters); `open(contactId)` opens a conversation.
 * @param {{ labels: ListLabels; open: (contactId: string) => void }} parts
 */
export function createList({ labels, open }) {
  /** @type {string | null} */
  let nextCursor = null;
  const loads = latest();

  /**
   * @param {string | null} cursor
   * @param {number} limit
   */
  function query(cursor, limit) {
    const params = new URLSearchParams({ limit: String(limit) });
    if (ui.filter.value) params.set('state', ui.filter.value);
    labels.filterParams(params);
    if (cursor) params.set('cursor', cursor);
    return '/api/admin/conversations?' + params.toString();
  }

  async function load() {
    // A live reload keeps what "Load more" already showed.
    const limit = Math.min(MAX_PAGE, Math.max(PAGE_SIZE, state.conversations.length));
    const signal = loads.next();
    /** @type {import('./console-api.js').Answer<ConversationsAnswer>} */
    const res = await api('GET', query(null, limit), undefined, { signal });
    if (signal.aborted || !state.token) return;
    if (res.status !== 200) {
      ui.listError.textContent = 'Could not load conversations: ' + describeFailure(res);
      return;
    }
    ui.listError.textContent = '';
    state.conversations = res.body.conversations;
    nextCursor = res.body.nextCursor || null;
    render();
  }

  async function loadMore() {
    if (!nextCursor) return;
    const signal = loads.next();
    /** @type {import('./console-api.js').Answer<ConversationsAnswer>} */
    const res = await api('GET', query(nextCursor, PAGE_SIZE), undefined, { signal });
    if (signal.aborted || !state.token) return;
    if (res.status !== 200) {
      ui.listError.textContent = 'Could not load more: ' + describeFailure(res);
      return;
    }
    const known = new Set(state.conversations.map((c) => idOf(c)));
    state.conversations = state.conversations.concat(res.body.conversations.filter((c) => !known.has(idOf(c))));
    nextCursor = res.body.nextCursor || null;
    render();
  }

  /**
   * A conversation's row: its button is kept across reloads, what it shows is drawn anew.
   * @param {ConversationSummary} c
   */
  function row(c) {
    const id = idOf(c);
    const top = node('span', 'item-top');
    top.append(node('span', 'item-name', displayName(c)));
    const unread = unreadBadge(id);
    if (unread) top.append(unread);
    top.append(stateBadge(c.state));
    const bottom = node('span', 'item-bottom');
    bottom.append(identityElement(c), timeElement(c.lastActivityAt));
    const current = id === state.openId ? 'true' : nothing;
    // prettier-ignore
    return html`<li><button type="button" class="conversation-item" data-contact-id=${id} aria-current=${current} @click=${() => open(id)}>${[top, bottom, labels.decorations(c)]}</button></li>`;
  }

  function render() {
    drawRows(
      ui.list,
      repeat(state.conversations, (c) => idOf(c), row),
    );
    ui.listEmpty.hidden = state.conversations.length > 0;
    ui.loadMore.hidden = !nextCursor;
  }

  /** Signed out: nothing of the list is kept, and a load in flight is dropped. */
  function reset() {
    loads.cancel();
    state.conversations = [];
    nextCursor = null;
    render();
  }

  ui.filter.append(
    ...STATE_NAMES.map((name) => {
      const option = node('option', '', name);
      option.value = name;
      return option;
    }),
  );
  ui.filter.addEventListener('change', () => {
    state.conversations = [];
    void load();
  });
  ui.refresh.addEventListener('click', () => void load());
  ui.loadMore.addEventListener('click', () => void loadMore());

  return { load, render, reset, refresh: refresher(load) };
}
