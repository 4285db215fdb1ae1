// @ts-check
// The chat-support commands of the open conversation: start, send (text or a file), end, take and
// give back. A command is shown as done only after the API answered 200; a command that got no answer
// is retried with the same Idempotency-Key, so the workflow answers it once.
import { api, describeFailure, newKey } from './console-api.js';
import { formatTime } from './console-format.js';
import { state } from './console-state.js';
import { ui } from './console-ui.js';

/** @typedef {'start' | 'send' | 'end'} Action */

const SUCCESS = { start: 'Chat started', send: 'Message sent', end: 'Chat ended' };
const PENDING = { start: 'Starting the chat…', send: 'Sending…', end: 'Ending the chat…' };
const REFUSED = { start: 'Chat not started', send: 'Message not sent', end: 'Chat not ended' };

/**
 * Shows a command's result under the composer (or in `element`), worded and marked by `kind`.
 * @param {string} text
 * @param {'pending' | 'ok' | 'error'} kind
 * @param {HTMLElement} [element]
 */
export function showResult(text, kind, element) {
  const target = element || ui.result;
  target.textContent = text;
  target.className = 'result result-' + kind;
}

/**
 * `attachments` is console-attach.js's; `holder` console-holder.js's; `canned` the menu the composer's
 * keys go to first; `refresh` the list, queue and conversation reloads.
 * @param {{ attachments: { current(): { id: number; filename?: string | null } | null; sent(file: object): void };
 *   holder: import('./console-holder.js').Holder; canned: { isOpen(): boolean; key(event: KeyboardEvent): boolean };
 *   refresh: Record<'list' | 'queue' | 'conversation', import('./console-api.js').Refresher> }} parts
 */
export function createCommands({ attachments, holder, canned, refresh }) {
  // A command whose request got no answer: retrying the same text reuses its Idempotency-Key, so the
  // workflow answers it once even if the first attempt did reach it.
  /** @type {{ action: Action; contactId: string; text: string; key: string; fileId: number | null } | null} */
  let unanswered = null;

  /** @param {boolean} value */
  function setBusy(value) {
    state.busy = value;
    ui.startChat.disabled = value;
    ui.takeChat.disabled = value;
    ui.giveBack.disabled = value;
    holder.render();
  }

  /** @param {Action} action */
  async function command(action) {
    const contactId = state.openId;
    if (!contactId || state.busy) return;
    const text = ui.message.value;
    const file = action === 'send' ? attachments.current() : null;
    let body;
    if (file) {
      // With a file the text is its caption, and optional.
      body = { attachment: Object.assign({ id: file.id }, text.trim() === '' ? {} : { caption: text }) };
    } else {
      // Send always carries the text, so an empty one gets the API's own 400; start and end take it as optional.
      body = action === 'send' || text.trim() !== '' ? { message: text } : {};
    }
    const fileId = file ? file.id : null;
    const same =
      unanswered &&
      unanswered.action === action &&
      unanswered.contactId === contactId &&
      unanswered.text === text &&
      unanswered.fileId === fileId;
    const key = same && unanswered ? unanswered.key : newKey();
    setBusy(true);
    showResult(file ? 'Sending ' + (file.filename || 'the file') + '…' : PENDING[action], 'pending');
    /** @type {import('./console-api.js').Answer<import('./api-types').CommandAnswer>} */
    const res = await api(
      'POST',
      '/api/admin/conversations/' + encodeURIComponent(contactId) + '/chat-support/' + action,
      body,
      { headers: { 'Idempotency-Key': key } },
    );
    setBusy(false);
    if (!state.token) return;
    unanswered = res.status === 0 ? { action, contactId, text, key, fileId } : null;
    if (res.status === 200) {
      if (state.openId === contactId && ui.message.value === text) {
        ui.message.value = '';
        ui.cannedHint.hidden = true;
      }
      if (file) attachments.sent(file);
      showResult(
        '✓ ' + (file ? 'File sent' : SUCCESS[action]) + ' (' + formatTime(res.body && res.body.timestamp) + ')',
        'ok',
      );
      if (state.openId === contactId) refresh.conversation.schedule();
      refresh.list.schedule();
      return;
    }
    showResult('✗ ' + REFUSED[action] + ' — ' + describeFailure(res), 'error');
  }

  /** Take the open chat, or give it back; the answer is shown as the API words it. */
  /** @param {'assign' | 'unassign'} action */
  async function holderCommand(action) {
    const contactId = state.openId;
    if (!contactId || state.busy) return;
    setBusy(true);
    showResult(action === 'assign' ? 'Taking the chat…' : 'Giving the chat back…', 'pending');
    /** @type {import('./console-api.js').Answer<import('./api-types').CommandAnswer>} */
    const res = await api('POST', '/api/admin/conversations/' + encodeURIComponent(contactId) + '/' + action);
    setBusy(false);
    if (!state.token) return;
    if (res.status === 200) {
      showResult('✓ ' + res.body.message, 'ok');
      if (state.openId === contactId) refresh.conversation.schedule();
      refresh.queue.schedule();
      return;
    }
    showResult(
      '✗ ' + (action === 'assign' ? 'Chat not taken' : 'Chat not given back') + ' — ' + describeFailure(res),
      'error',
    );
  }

  ui.takeChat.addEventListener('click', () => void holderCommand('assign'));
  ui.giveBack.addEventListener('click', () => void holderCommand('unassign'));

  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    void command('send');
  });
  ui.startChat.addEventListener('click', () => void command('start'));
  ui.endChat.addEventListener('click', () => void command('end'));
  ui.message.addEventListener('keydown', (event) => {
    if (canned.isOpen() && canned.key(event)) return;
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void command('send');
    }
  });

  return {
    /** Another conversation: a retry there is another command. */
    forget() {
      unanswered = null;
    },
  };
}
