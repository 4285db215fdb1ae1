// @ts-check
// The Waiting view: chats waiting for an agent, oldest first, each wait ticking; a chat that starts
// waiting notifies the agents it may concern.
import { html, nothing } from '../lib/lit-html/lit-html.js';
import { repeat } from '../lib/lit-html/directives/repeat.js';
import { api, describeFailure, latest, refresher } from './console-api.js';
import { node } from './console-dom.js';
import { displayName, identityElement, idOf, unreadBadge } from './console-format.js';
import { drawRows } from './console-keys.js';
import { noteHolder, saveTabState, state } from './console-state.js';
import { ui } from './console-ui.js';

/** @typedef {import('./api-types').QueueItem & { since: number }} Waiting */
/** @typedef {import('./api-types').QueueAnswer} QueueAnswer */
/**
 * What the queue needs of console-labels.js and console-hours.js.
 * @typedef {{ decorations(item: object): Node }} QueueLabels
 * @typedef {{ queueClock(chat: object): Node }} QueueHours
 */

/** @param {number} seconds */
function formatWait(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return s + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + String(s % 60).padStart(2, '0') + ' s';
  return Math.floor(s / 3600) + ' h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' min';
}

/**
 * `labels` and `hours` are console-labels.js's and console-hours.js's (chips, SLA clocks);
 * `notify(title, body, contactId)` shows a desktop notification; `open(contactId)` opens a conversation.
 * @param {{ labels: QueueLabels; hours: QueueHours; notify: (title: string, body: string, contactId: string) => void;
 *   open: (contactId: string) => void }} parts
 */
export function createQueue({ labels, hours, notify, open }) {
  // The chats waiting, each with `since` (when it began waiting, on this clock), and the wait after
  // which one is marked.
  /** @type {Waiting[]} */
  let waiting = [];
  let warnAfterSeconds = 300;
  const loads = latest();

  async function load() {
    const signal = loads.next();
    /** @type {import('./console-api.js').Answer<QueueAnswer>} */
    const res = await api('GET', '/api/admin/queue', undefined, { signal });
    if (signal.aborted || !state.token) return;
    if (res.status !== 200) {
      ui.queueError.textContent = 'Could not load the queue: ' + describeFailure(res);
      return;
    }
    ui.queueError.textContent = '';
    warnAfterSeconds = res.body.warnAfterSeconds;
    // Each wait counts from when the chat began waiting, measured on this clock from the server's answer.
    const loadedAt = Date.now();
    waiting = res.body.queue.map((chat) => Object.assign({}, chat, { since: loadedAt - chat.waitSeconds * 1000 }));
    noteWaiting();
    render();
  }

  /** Notifies of each chat that started waiting since the last load, unless someone else holds it. */
  function noteWaiting() {
    const before = state.tab.waiting;
    const me = state.me;
    for (const chat of waiting) {
      noteHolder(idOf(chat), chat.holder);
      // The first load ever in this tab shows what was already waiting: that is no news.
      if (before === null || before.includes(idOf(chat))) continue;
      if (chat.holder && !(me && chat.holder.agentId === me.agentId)) continue;
      notify(
        'Waiting: ' + (chat.name || displayName(chat)),
        chat.holder ? 'A chat given to you is waiting for an answer.' : 'A chat is waiting for an agent.',
        idOf(chat),
      );
    }
    state.tab.waiting = waiting.map((chat) => idOf(chat));
    saveTabState();
  }

  /**
   * A waiting chat's row: its button is kept across reloads, what it shows is drawn anew. The contact id
   * is on the item only: a button[data-contact-id] is the conversation list's.
   * @param {Waiting} chat
   */
  function row(chat) {
    const id = idOf(chat);
    const top = node('span', 'item-top');
    top.append(node('span', 'item-name', chat.name || displayName(chat)));
    const unread = unreadBadge(id);
    if (unread) top.append(unread);
    top.append(node('span', 'item-holder badge', chat.holder ? chat.holder.name : 'nobody'));
    const bottom = node('span', 'item-bottom');
    bottom.append(identityElement(chat), node('span', 'item-wait'));
    const current = id === state.openId ? 'true' : nothing;
    const parts = [top, bottom, labels.decorations(chat), hours.queueClock(chat)];
    // prettier-ignore
    return html`<li class="queue-item" data-contact-id=${id}><button type="button" class="conversation-item" aria-current=${current} @click=${() => open(id)}>${parts}</button></li>`;
  }

  function render() {
    drawRows(
      ui.queueList,
      repeat(waiting, (chat) => idOf(chat), row),
    );
    ui.queueCount.textContent = String(waiting.length);
    ui.queueEmpty.hidden = waiting.length > 0;
    tick();
  }

  /** The waits, once a second: a chat past CHAT_WAIT_WARN is marked. */
  function tick() {
    const now = Date.now();
    for (const item of /** @type {HTMLCollectionOf<HTMLElement>} */ (ui.queueList.children)) {
      const chat = waiting.find((c) => idOf(c) === item.dataset.contactId);
      const wait = item.querySelector('.item-wait');
      if (!chat || !wait) continue;
      const seconds = (now - chat.since) / 1000;
      wait.textContent = 'waiting ' + formatWait(seconds);
      item.classList.toggle('waiting-long', seconds >= warnAfterSeconds);
    }
  }
  setInterval(tick, 1000);

  /** Signed out: nothing of the queue is kept, and a load in flight is dropped. */
  function reset() {
    loads.cancel();
    waiting = [];
    render();
  }

  return { load, render, reset, refresh: refresher(load) };
}
