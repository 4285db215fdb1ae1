// @ts-check
// The bot's side of the simulator's chat (simulator-chat.js): what the bot sent the user, read from
// the emulator's outbox by polling, each send shown once. A newer poll aborts the one in flight, so
// only the latest answer is shown; a failed read is said until a later one succeeds.
import { aborted, fetchSends } from './simulator-api.js';
import { addresses } from './simulator-user.js';

/** @typedef {import('./simulator-user.js').SimUser} SimUser */
/** @typedef {import('./api-types').SandboxSend} SandboxSend */

const POLL_MS = 700;
const POLL_HIDDEN_MS = 3000;

/**
 * Polls for the user `user()` (read at each poll); `thread` (simulator-thread.js) shows the sends,
 * `chatError` why they could not be read.
 * @param {{ chatError: HTMLElement; thread: ReturnType<typeof import('./simulator-thread.js').createThread>;
 *   user: () => SimUser | null }} parts
 */
export function createPoll({ chatError, thread, user }) {
  // The poll in flight: a newer poll makes its answer stale.
  let polling = new AbortController();
  /** @type {Set<string>} */
  let seen = new Set();
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let pollTimer;

  /** @param {string} text @param {string} source what failed: a later success of the same clears it */
  function showError(text, source) {
    chatError.textContent = text;
    chatError.dataset.source = source;
  }

  /**
   * What the bot sent this user; null after showing why it could not be read; undefined when `signal`
   * aborted (the answer is stale: nothing to show, nothing to schedule).
   * @param {AbortSignal} signal
   */
  async function readSends(signal) {
    let answer;
    try {
      answer = await fetchSends(addresses(/** @type {SimUser} */ (user())), signal);
    } catch (err) {
      if (aborted(err)) return undefined;
      throw err;
    }
    if ('error' in answer) {
      showError(answer.error, 'poll');
      return null;
    }
    if (chatError.dataset.source === 'poll') chatError.textContent = '';
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

  return {
    readSends,
    showSend,
    /** Polls after the usual pause (slower while the page is hidden), in place of any poll scheduled. */
    schedule: schedulePoll,
    /** No more polling; the poll in flight is dropped. */
    stop() {
      polling.abort();
      stopPolling();
    },
    /** A new user: none of the bot's sends has been shown yet. */
    forgetSeen() {
      seen = new Set();
    },
  };
}
