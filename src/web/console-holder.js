// @ts-check
// Who may answer in the open conversation: the chat's holder (another agent's chat is read-only but
// to an admin) and WhatsApp's 24-hour window (closed, only a template reaches the student). The
// composer follows both, the window's line ticking.
import { state } from './console-state.js';
import { windowOf, windowText } from './console-templates.js';
import { ui } from './console-ui.js';

/** @typedef {ReturnType<typeof createHolder>} Holder */

/**
 * `attachments` and `templates` are console-attach.js's and console-templates.js's.
 * @param {{ attachments: { uploading(): boolean }; templates: { offer(closed: boolean): void } }} parts
 */
export function createHolder({ attachments, templates }) {
  /** True once the open conversation's window is known to be closed. */
  function windowClosed() {
    if (!state.openId || state.lastInboundAt === undefined) return false;
    return !windowOf(state.lastInboundAt, Date.now()).open;
  }

  /** Who holds the open chat; the composer is greyed out for anyone who may not answer in it. */
  function render() {
    const chat = state.openChat;
    const me = state.me;
    const busy = state.busy;
    ui.holderBox.hidden = !chat;
    const holder = chat ? chat.holder : null;
    const mine = Boolean(holder && me && holder.agentId === me.agentId);
    const admin = Boolean(me && me.role === 'admin');
    const blocked = Boolean(holder) && !mine && !admin;
    if (chat) {
      ui.holder.textContent = holder
        ? mine
          ? 'You hold this chat.'
          : 'Held by ' + holder.name + (blocked ? ': only ' + holder.name + ' or an admin can answer.' : '.')
        : 'Nobody holds this chat: answering it takes it.';
    }
    // Still offered to an agent who may not answer: trying shows who holds it, as the API says.
    ui.takeChat.hidden = mine;
    ui.giveBack.hidden = !holder || blocked;
    ui.composer.classList.toggle('held-by-other', blocked);
    // Outside WhatsApp's window free text and files cannot reach the student: only a template can.
    const closed = windowClosed();
    ui.composer.classList.toggle('window-closed', closed);
    ui.composerBlocked.hidden = !closed;
    ui.composerBlocked.textContent = closed
      ? 'WhatsApp’s 24-hour window is closed: free text and files cannot reach the student until they write ' +
        'again. Send an approved template instead (Templates, above).'
      : '';
    ui.message.disabled = blocked || closed;
    ui.send.disabled = blocked || closed || busy || attachments.uploading();
    ui.startChat.disabled = closed || busy;
    ui.attach.disabled = blocked || closed || busy || attachments.uploading();
    ui.endChat.disabled = blocked || busy;
  }

  /** The window line, ticking; the composer follows it the moment the window closes or opens again. */
  function renderWindow() {
    if (!state.openId || state.lastInboundAt === undefined) {
      ui.window.textContent = '';
      return;
    }
    const now = Date.now();
    const open = windowOf(state.lastInboundAt, now);
    ui.window.textContent = windowText(open, now);
    ui.window.classList.toggle('window-open', open.open);
    const closed = !open.open;
    if (closed !== ui.composer.classList.contains('window-closed')) render();
    templates.offer(closed);
  }
  setInterval(renderWindow, 1000);

  return { render, renderWindow, windowClosed };
}
