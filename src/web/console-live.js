// @ts-check
// Live updates: the event stream (resumed where this tab left off), what each event changes here
// (unread counts, notifications, who holds a chat, the open conversation's window), the reloads it
// schedules; and the two best-effort signals to WhatsApp, read receipts and the typing indicator
// (console-live-signals.js).
import { displayName, idOf } from './console-format.js';
import { createSignals } from './console-live-signals.js';
import { followEvents } from './sse.js';
import { noteHolder, saveTabState, state } from './console-state.js';
import { describeSla } from './console-timeline.js';
import { ui } from './console-ui.js';

/**
 * An event of the stream, as the console reads it: what happened (`kind`), to which conversation, when,
 * and the event's own fields in `payload` (their shape depends on the kind).
 * @typedef {{ kind?: string; at?: string; contactId?: string; phone?: string | null; payload?: Record<string, any> }} LiveEvent
 */
/** @typedef {import('./sse.js').SseEvent} SseEvent */
/**
 * The parts an event touches.
 * @typedef {{ noteEvent(data: LiveEvent): void }} Follower
 * @typedef {{ render(): void; refresh: import('./console-api.js').Refresher }} View
 */

// An event replayed after a long absence is no news: it counts as unread but notifies nobody.
const NOTIFY_MAX_AGE_MS = 10 * 60 * 1000;

/**
 * A message the student wrote: not WhatsApp's notice that they changed their number, not an echo.
 * @param {LiveEvent} data
 */
function fromStudent(data) {
  const payload = data.payload || {};
  return (
    data.kind === 'message' && payload.sender === 'user' && payload.direction === 'inbound' && payload.type !== 'system'
  );
}

/**
 * @param {string} text
 * @param {boolean} ok
 */
function setLive(text, ok) {
  ui.live.textContent = text;
  ui.live.classList.toggle('live-ok', ok);
}

/**
 * What an event changes in this tab: an unread count (the lists show it), a notification, who holds
 * a chat.
 * @param {LiveEvent} data
 * @param {{ list: View; queue: View; notify: (title: string, body: string, contactId: string) => void }} parts
 */
function noteEvent(data, { list, queue, notify }) {
  const contactId = idOf(data);
  const payload = data.payload || {};
  const me = state.me;
  const fresh = !(Date.now() - Date.parse(String(data.at)) > NOTIFY_MAX_AGE_MS);
  if (fromStudent(data)) {
    if (contactId !== state.openId) {
      state.tab.unread[contactId] = (state.tab.unread[contactId] || 0) + 1;
      list.render();
      queue.render();
    }
    if (fresh && me && state.tab.holders[contactId] === me.agentId) {
      const summary = state.conversations.find((c) => idOf(c) === contactId);
      notify(
        'Message from ' + (summary ? displayName(summary) : 'a student'),
        payload.body ? String(payload.body) : '(' + (payload.type || 'message') + ')',
        contactId,
      );
    }
  } else if (data.kind === 'holder') {
    noteHolder(contactId, payload.holder);
  } else if (data.kind === 'sla' && payload.escalated && me && me.role === 'admin') {
    // An escalation is the admins' to see (SPEC §7.6); the queue shows it to everyone.
    if (fresh) notify('A chat was escalated', describeSla(/** @type {any} */ (payload)), contactId);
  } else if (data.kind === 'state' && payload.state !== 'CHAT_SUPPORT_ACTIVE') {
    // The chat is over: nobody holds it any more.
    noteHolder(contactId, null);
  }
}

/**
 * `labels` and `hours` are the helpers (they follow their own events); `list`, `queue` and
 * `conversation` the views an event reloads; `holder` the composer's rules; `notify(title, body,
 * contactId)` a desktop notification; `signOut(message)` what a refused token does.
 * @param {{ labels: Follower; hours: Follower; list: View; queue: View;
 *   conversation: { refresh: import('./console-api.js').Refresher }; holder: import('./console-holder.js').Holder;
 *   notify: (title: string, body: string, contactId: string) => void; signOut: (message: string) => void }} parts
 */
export function createLive({ labels, hours, list, queue, conversation, holder, notify, signOut }) {
  /** @type {{ stop(): void } | null} */
  let stream = null;
  const { markRead } = createSignals({ holder });

  function reloadAll() {
    list.refresh.schedule();
    queue.refresh.schedule();
    if (state.openId) conversation.refresh.schedule();
  }

  /** @param {SseEvent} event */
  function onEvent(event) {
    // This token opened more streams than the server keeps (other tabs): reconnecting would only
    // push out another tab's, which would do the same. This tab stays quiet until it is reloaded.
    if (event.event === 'superseded') {
      stop();
      setLive('Paused: live in your other tabs (reload to resume here)', false);
      return;
    }
    // The server skipped events since this tab last listened (too many, or too old): counts and
    // lists built from them cannot be trusted, so everything shown is read again.
    if (event.event === 'reload') {
      state.tab.lastEventId = event.id;
      saveTabState();
      reloadAll();
      return;
    }
    /** @type {LiveEvent | null} */
    let data;
    try {
      data = JSON.parse(event.data);
    } catch {
      return;
    }
    if (data) labels.noteEvent(data);
    if (data) hours.noteEvent(data);
    if (data && typeof idOf(data) === 'string') {
      noteEvent(data, { list, queue, notify });
      if (idOf(data) === state.openId) noteOpenEvent(data);
    }
    state.tab.lastEventId = event.id;
    saveTabState();
    list.refresh.schedule();
    queue.refresh.schedule();
    if (data && idOf(data) && idOf(data) === state.openId) conversation.refresh.schedule();
  }

  /**
   * @param {string} status
   * @param {{ delayMs?: number }} detail
   */
  function onStatus(status, detail) {
    if (status === 'open') {
      setLive('Live', true);
      // Catch up with whatever changed before the stream was (re)connected.
      reloadAll();
    } else if (status === 'connecting') {
      setLive('Connecting…', false);
    } else if (status === 'reconnecting') {
      setLive(
        detail && detail.delayMs ? 'Reconnecting in ' + Math.round(detail.delayMs / 1000) + ' s…' : 'Reconnecting…',
        false,
      );
    } else if (status === 'unauthorized') {
      signOut('The server refused the token for live updates. Sign in again.');
    }
  }

  function start() {
    stop();
    stream = followEvents({
      url: '/api/admin/events',
      token: state.token,
      lastEventId: state.tab.lastEventId,
      onEvent,
      onStatus,
    });
  }

  function stop() {
    if (stream) stream.stop();
    stream = null;
  }

  /**
   * A student's message in the open conversation moves its window at once and is marked read.
   * @param {LiveEvent} data
   */
  function noteOpenEvent(data) {
    const payload = data.payload || {};
    if (!fromStudent(data)) return;
    const at = Date.parse(payload.at);
    if (!Number.isNaN(at) && !(Date.parse(String(state.lastInboundAt)) >= at)) {
      state.lastInboundAt = new Date(at).toISOString();
      holder.renderWindow();
    }
    markRead(idOf(data));
  }

  /**
   * The agent opened a conversation: its unread count goes, and the student is told it was read.
   * @param {string} contactId
   */
  function seen(contactId) {
    if (state.tab.unread[contactId]) {
      delete state.tab.unread[contactId];
      saveTabState();
      list.render();
      queue.render();
    }
    markRead(contactId);
  }

  return { start, stop, seen };
}
