// @ts-check
// One user's chat with the bot: the bot's side is read from the emulator's outbox by polling; the
// user's texts, taps and changes of number are posted to /sandbox/messages. Changing user aborts what
// the previous one still had in flight (AbortController), so no stale answer reaches the new thread.
import { aborted, fetchSends, postMessage } from './simulator-api.js';
import { createSheet } from './simulator-sheet.js';
import { createThread } from './simulator-thread.js';
import { addresses, changedUser, identityText, newUserId, saveUser, sender } from './simulator-user.js';

/** @typedef {import('./simulator-user.js').SimUser} SimUser */
/** @typedef {import('./simulator-thread.js').Reply} Reply */
/** @typedef {import('./api-types').SandboxSend} SandboxSend */
/** @typedef {import('./api-types').SandboxMessage} SandboxMessage */
/**
 * @typedef {object} ChatUi
 * @property {HTMLElement} thread
 * @property {HTMLElement} chatError
 * @property {HTMLElement} identity
 * @property {HTMLInputElement} text
 * @property {HTMLDetailsElement} account
 * @property {HTMLDialogElement} sheet
 * @property {HTMLElement} sheetTitle
 * @property {HTMLElement} sheetSections
 * @property {HTMLElement} sheetClose
 */

const POLL_MS = 700;
const POLL_HIDDEN_MS = 3000;

/** @param {ChatUi} ui */
export function createChat(ui) {
  /** @type {SimUser | null} */
  let user = null;
  // Aborted when the user changes: every fetch and answer of theirs is stale from then on.
  let session = new AbortController();
  // The poll in flight: a newer poll makes its answer stale.
  let polling = new AbortController();
  /** @type {Set<string>} */
  let seen = new Set();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pollTimer;

  const sheet = createSheet(ui, (reply, contextId) => void sendReply(reply, contextId));
  const thread = createThread(ui.thread, {
    onReply: (reply, contextId) => void sendReply(reply, contextId),
    onOpenList: (content, contextId) => sheet.open(content, contextId),
  });

  /** @param {string} text @param {string} source what failed: a later success of the same clears it */
  function showError(text, source) {
    ui.chatError.textContent = text;
    ui.chatError.dataset.source = source;
  }

  /**
   * What the bot sent this user; null after showing why it could not be read; undefined when `signal`
   * aborted (the answer is stale: nothing to show, nothing to schedule).
   * @param {AbortSignal} signal
   */
  async function readSends(signal) {
    let answer;
    try {
      answer = await fetchSends(addresses(/** @type {SimUser} */ (user)), signal);
    } catch (err) {
      if (aborted(err)) return undefined;
      throw err;
    }
    if ('error' in answer) {
      showError(answer.error, 'poll');
      return null;
    }
    if (ui.chatError.dataset.source === 'poll') ui.chatError.textContent = '';
    return answer.sends;
  }

  /** @param {SandboxSend} send */
  function showSend(send) {
    seen.add(send.waMessageId);
    thread.botSend(send);
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = undefined;
  }

  function schedulePoll() {
    stopPolling();
    pollTimer = setTimeout(() => void poll(), document.hidden ? POLL_HIDDEN_MS : POLL_MS);
  }

  async function poll() {
    polling.abort();
    polling = new AbortController();
    const { signal } = polling;
    const sends = await readSends(signal);
    if (sends === undefined || signal.aborted) return;
    if (sends) for (const send of sends) if (!seen.has(send.waMessageId)) showSend(send);
    schedulePoll();
  }

  /** Shows `shownText` as the user's message and posts `payload`; the bubble says how it went. */
  async function post(/** @type {SandboxMessage} */ payload, /** @type {string} */ shownText) {
    const { signal } = session;
    const bubble = thread.own(shownText);
    const result = await postMessage(payload);
    if ('thrown' in result) {
      bubble.failed('No answer from the server: ' + result.thrown);
      return;
    }
    if (signal.aborted) return;
    if (result.ok) {
      bubble.delivered();
      // Look for the reply soon rather than at the next tick.
      schedulePoll();
      return;
    }
    const error = result.error;
    bubble.failed('HTTP ' + result.status + (error ? ' ' + error.code + ': ' + error.message : ''));
  }

  /** @param {Reply} reply @param {string} contextId the wamid of the message that carried it */
  function sendReply(reply, contextId) {
    if (!user) return;
    return post({ ...sender(user), reply, context: contextId }, reply.title);
  }

  /** Ends the chat: no more polling, and what was in flight is dropped. */
  function stop() {
    session.abort();
    polling.abort();
    session = new AbortController();
    stopPolling();
    user = null;
  }

  return {
    /** The user chatting, or null on the setup screen. */
    user: () => user,

    /** Starts the chat as `next`: what the bot already sent them first, then the live thread. @param {SimUser} next */
    async start(next) {
      stop();
      user = next;
      const { signal } = session;
      seen = new Set();
      thread.clear();
      ui.chatError.textContent = '';
      ui.identity.textContent = identityText(user);
      // What the bot already sent this user (a reload, or a number used before) is shown first.
      const earlier = await readSends(signal);
      if (earlier === undefined || signal.aborted) return;
      if (earlier && earlier.length > 0) {
        thread.divider('Earlier messages from the bot to this user');
        earlier.forEach(showSend);
        thread.divider('Now');
      }
      ui.text.focus();
      schedulePoll();
    },

    stop,

    /** Polls at once (the page became visible again). */
    resume() {
      if (user && !document.hidden) schedulePoll();
    },

    /** @param {string} text */
    sendText(text) {
      if (!user) return;
      return post({ ...sender(user), text }, text);
    },

    /**
     * Tells the bot the user changed number (`phone`; null: only their user id, the number hidden); from
     * then on they write as the new one.
     * @param {string | null} phone
     */
    async changeAccount(phone) {
      if (!user) return;
      const { signal } = session;
      const newId = newUserId();
      /** @type {Extract<SandboxMessage, { system: unknown }>['system']} */
      const system =
        phone === null
          ? { type: 'user_changed_user_id', newUserId: newId }
          : { type: 'user_changed_number', newPhone: phone, newUserId: newId };
      const notice = thread.notice(
        phone === null
          ? 'You changed your number; WhatsApp does not share the new one'
          : 'You changed your number to +' + phone,
      );
      const result = await postMessage({ ...sender(user), system });
      if ('thrown' in result) {
        notice.failed(result.thrown);
        return;
      }
      if (signal.aborted) return;
      if (!result.ok) {
        notice.failed('HTTP ' + result.status);
        return;
      }
      notice.delivered();
      user = changedUser(user, phone, newId);
      saveUser(user);
      ui.identity.textContent = identityText(user);
      ui.account.open = false;
    },
  };
}
