// @ts-check
// One user's chat with the bot: the bot's side is read from the emulator's outbox by polling
// (simulator-chat-poll.js); the user's texts, taps and changes of number are posted to
// /sandbox/messages. Changing user aborts what the previous one still had in flight
// (AbortController), so no stale answer reaches the new thread.
import { postMessage } from './simulator-api.js';
import { createPoll } from './simulator-chat-poll.js';
import { createSheet } from './simulator-sheet.js';
import { createThread } from './simulator-thread.js';
import { changedUser, identityText, newUserId, saveUser, sender } from './simulator-user.js';

/** @typedef {import('./simulator-user.js').SimUser} SimUser */
/** @typedef {import('./simulator-thread.js').Reply} Reply */
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

/**
 * WhatsApp's notice that the user changed number (to `phone`, or to one it does not share: null) and
 * now has user id `newId`, and what the thread says of it.
 * @param {string | null} phone
 * @param {string} newId
 * @returns {{ system: Extract<SandboxMessage, { system: unknown }>['system']; text: string }}
 */
function numberChange(phone, newId) {
  return phone === null
    ? {
        system: { type: 'user_changed_user_id', newUserId: newId },
        text: 'You changed your number; WhatsApp does not share the new one',
      }
    : {
        system: { type: 'user_changed_number', newPhone: phone, newUserId: newId },
        text: 'You changed your number to +' + phone,
      };
}

/** @param {ChatUi} ui */
export function createChat(ui) {
  /** @type {SimUser | null} */
  let user = null;
  // Aborted when the user changes: every fetch and answer of theirs is stale from then on.
  let session = new AbortController();

  const sheet = createSheet(ui, (reply, contextId) => void sendReply(reply, contextId));
  const thread = createThread(ui.thread, {
    onReply: (reply, contextId) => void sendReply(reply, contextId),
    onOpenList: (content, contextId) => sheet.open(content, contextId),
  });
  const poll = createPoll({ chatError: ui.chatError, thread, user: () => user });

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
      poll.schedule();
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
    poll.stop();
    session = new AbortController();
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
      poll.forgetSeen();
      thread.clear();
      ui.chatError.textContent = '';
      ui.identity.textContent = identityText(user);
      // What the bot already sent this user (a reload, or a number used before) is shown first.
      const earlier = await poll.readSends(signal);
      if (earlier === undefined || signal.aborted) return;
      if (earlier && earlier.length > 0) {
        thread.divider('Earlier messages from the bot to this user');
        earlier.forEach(poll.showSend);
        thread.divider('Now');
      }
      ui.text.focus();
      poll.schedule();
    },

    stop,

    /** Polls at once (the page became visible again). */
    resume() {
      if (user && !document.hidden) poll.schedule();
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
      const { system, text } = numberChange(phone, newId);
      const notice = thread.notice(text);
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
