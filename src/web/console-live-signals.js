// @ts-check
// The two best-effort signals to WhatsApp that live updates send (console-live.js): read receipts,
// now or once the tab is looked at, and the typing indicator while the agent writes in an open chat.
import { api } from './console-api.js';
import { cannedFilter } from './console-canned.js';
import { state } from './console-state.js';
import { ui } from './console-ui.js';
import { TYPING_INTERVAL_MS } from './facts.js';

/**
 * Starts sending both signals; `holder` (console-holder.js) knows whether the open chat's window is
 * closed. Returns `markRead(contactId)`.
 * @param {{ holder: import('./console-holder.js').Holder }} parts
 */
export function createSignals({ holder }) {
  // A student's message arrived while the tab was hidden: it is marked read once the agent looks.
  let readOwed = false;
  // When this tab last told WhatsApp the agent is typing, per contact.
  /** @type {Record<string, number>} */
  const typingSentAt = {};

  /**
   * Tells WhatsApp the agent has seen the student's messages, now or once the tab is looked at.
   * @param {string} contactId
   */
  function markRead(contactId) {
    if (document.visibilityState !== 'visible') {
      readOwed = true;
      return;
    }
    readOwed = false;
    // A refusal (no such route, no chat, nothing to mark) changes nothing the agent can act on: silent.
    void api('POST', '/api/admin/conversations/' + encodeURIComponent(contactId) + '/read');
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && readOwed && state.openId && state.token) markRead(state.openId);
  });

  /** While the agent writes in an open chat with the window open: at most once per TYPING_INTERVAL_MS, as the server passes it on. */
  function noteTyping() {
    const contactId = state.openId;
    if (!contactId || !state.openChat || holder.windowClosed() || ui.message.disabled) return;
    if (ui.message.value.trim() === '' || cannedFilter() !== null) return;
    if (Date.now() - (typingSentAt[contactId] || 0) < TYPING_INTERVAL_MS) return;
    typingSentAt[contactId] = Date.now();
    void api('POST', '/api/admin/conversations/' + encodeURIComponent(contactId) + '/typing');
  }
  ui.message.addEventListener('input', () => noteTyping());

  return { markRead };
}
