// @ts-check
// A conversation's history: its messages, with the items set aside, the SLA warnings and breaches
// and the agents' notes each where it happened; scrolled to a search hit once, kept at the end when
// the agent was there, never moved under a reader by a live reload.
import { node } from './console-dom.js';
import { timeElement } from './console-format.js';
import { fold } from './console-history.js';
import { renderMessage, senderLabel } from './console-message.js';
import { ui } from './console-ui.js';

/** @typedef {import('./api-types').Message} Message */
/** @typedef {import('./api-types').SetAside} SetAside */
/** @typedef {import('./api-types').SlaEvent} SlaEvent */
/** @typedef {import('./api-types').Note} Note */
/** @typedef {import('./console-message.js').Conversation} Conversation */

/** @type {Record<string, string>} */
const SET_ASIDE_KINDS = {
  message: 'A message from the user',
  agent_command: 'An agent command',
  payment: 'A payment confirmation',
  timer: 'A timer',
  other: 'An event',
};

/**
 * An item the conversation could not handle and set aside, where it happened in the history.
 * @param {SetAside} entry
 */
function renderSetAside(entry) {
  const item = node('li', 'message message-set-aside');
  item.dataset.setAsideId = String(entry.id);
  const meta = node('p', 'message-meta');
  meta.append(node('span', 'sender', 'Set aside'), timeElement(entry.at), node('span', 'type', entry.reason));
  item.append(
    meta,
    node(
      'p',
      'message-body',
      (SET_ASIDE_KINDS[entry.kind] || SET_ASIDE_KINDS.other) +
        ' could not be handled and was set aside; an admin finds it in the quarantine.',
    ),
  );
  return item;
}

/** @type {Record<string, string>} */
const SLA_EVENTS = {
  first_response_warning: 'First response due soon',
  first_response_breach: 'First response overdue',
  resolution_warning: 'Resolution due soon',
  resolution_breach: 'Resolution overdue',
};

/**
 * What an SLA warning or breach says (the history's row, an admin's notification).
 * @param {Pick<SlaEvent, 'kind' | 'dueAt' | 'priority' | 'escalated'>} event
 */
export function describeSla(event) {
  const what = SLA_EVENTS[event.kind] || 'SLA event';
  const due = new Date(event.dueAt);
  const when = Number.isNaN(due.getTime()) ? '' : ' (due ' + due.toLocaleString() + ')';
  return (
    what + when + ', ' + event.priority + ' priority' + (event.escalated ? ': escalated to the top of the queue' : '')
  );
}

/**
 * An SLA warning or breach of a chat, where it happened in the history: for the team, never sent.
 * @param {SlaEvent} event
 */
function renderSlaEvent(event) {
  const breach = /_breach$/.test(event.kind);
  const item = node('li', 'message message-sla' + (breach ? ' message-sla-breach' : ''));
  item.dataset.slaEventId = String(event.id);
  const meta = node('p', 'message-meta');
  meta.append(
    node('span', 'sender', 'SLA'),
    timeElement(event.at),
    node('span', 'type', breach ? 'breach' : 'warning'),
  );
  item.append(meta, node('p', 'message-body', describeSla(event)));
  return item;
}

/**
 * A note an agent left on the conversation: for the team only, so it looks like no message.
 * @param {Note} note
 */
function renderNote(note) {
  const item = node('li', 'message message-note');
  item.dataset.noteId = String(note.id);
  const meta = node('p', 'message-meta');
  meta.append(
    node('span', 'sender', 'Note by ' + note.agentName),
    timeElement(note.createdAt),
    node('span', 'type', 'internal, not sent'),
  );
  item.append(meta, node('p', 'message-body', note.text));
  return item;
}

// A change's kind is one of these three (console-history.js folds no other).
const ORPHANS = {
  reaction: (/** @type {import('./console-history.js').Change} */ change) =>
    change.emoji
      ? 'Reacted ' + change.emoji + ' to a message that is not in this history'
      : 'Removed a reaction from a message that is not in this history',
  edit: () => 'Edited a message that is not in this history',
  revoke: () => 'Deleted a message that is not in this history',
};

/**
 * A reaction, edit or deletion aimed at a message the history does not hold: one small line.
 * @param {import('./console-history.js').Orphan} folded
 * @param {Conversation} conversation
 */
function renderOrphan(folded, conversation) {
  const message = folded.orphan;
  const item = node('li', 'message-change muted');
  item.dataset.messageId = String(message.id);
  item.append(
    node('span', 'sender', senderLabel(message, conversation)),
    document.createTextNode(' '),
    node('span', '', ORPHANS[/** @type {keyof typeof ORPHANS} */ (folded.change.kind)](folded.change)),
    document.createTextNode(' '),
    timeElement(message.timestamp),
  );
  return item;
}

/**
 * Set-aside items and notes, oldest first (a stable sort keeps each list's own order at one instant).
 * @param {SetAside[]} setAside
 * @param {Note[]} notes
 * @param {SlaEvent[]} slaEvents
 */
function betweenMessages(setAside, notes, slaEvents) {
  return [
    ...setAside.map((entry) => ({ at: Date.parse(entry.at), render: () => renderSetAside(entry) })),
    ...slaEvents.map((event) => ({ at: Date.parse(event.at), render: () => renderSlaEvent(event) })),
    ...notes.map((note) => ({ at: Date.parse(note.createdAt), render: () => renderNote(note) })),
  ].sort((a, b) => a.at - b.at);
}

/**
 * `media` is console-media.js's: it draws each message's file.
 * @param {{ media: import('./console-message.js').Media }} parts
 */
export function createTimeline({ media }) {
  // The message a search hit opened the history at, and whether the next render scrolls to it.
  /** @type {string | null} */
  let foundMessageId = null;
  let scrollToFound = false;
  // The agent just added a note: the next render scrolls to the end, where it is.
  let scrollToEnd = false;
  // The history was scrolled to its end at the last render: a photo that gets its size keeps it there.
  let pinnedToEnd = false;

  function atEnd() {
    return ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 40;
  }

  // A photo getting its size moves what is below it: the end stays in view only if the agent was there.
  ui.messages.addEventListener('scroll', () => {
    pinnedToEnd = atEnd();
  });

  /**
   * @param {Message[]} messages
   * @param {Conversation} conversation
   * @param {SetAside[]} setAside
   * @param {Note[]} notes
   * @param {SlaEvent[]} slaEvents
   */
  function renderMessages(messages, conversation, setAside, notes, slaEvents) {
    const list = ui.messages;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    // Messages keep their order; each set-aside item and note goes before the first message stored after it.
    const pending = betweenMessages(setAside, notes, slaEvents);
    const elements = [];
    for (const folded of fold(messages)) {
      const message = folded.orphan || folded.message;
      for (let next = pending[0]; next && next.at < Date.parse(message.createdAt); next = pending[0]) {
        pending.shift();
        elements.push(next.render());
      }
      elements.push(folded.orphan ? renderOrphan(folded, conversation) : renderMessage(folded, conversation, media));
    }
    elements.push(...pending.map((item) => item.render()));
    list.replaceChildren(...elements);
    /** @type {HTMLElement | null} */
    const found =
      foundMessageId === null ? null : list.querySelector('li[data-message-id="' + CSS.escape(foundMessageId) + '"]');
    if (found) {
      found.classList.add('message-found');
      found.setAttribute('aria-current', 'true');
    }
    // A search hit scrolls to its message once; live reloads after that keep the agent's place.
    if (found && scrollToFound) {
      scrollToFound = false;
      found.tabIndex = -1;
      found.scrollIntoView({ block: 'center' });
      found.focus({ preventScroll: true });
    } else if ((atBottom || scrollToEnd) && !scrollToFound) {
      list.scrollTop = list.scrollHeight;
    }
    pinnedToEnd = atEnd();
    scrollToEnd = false;
  }

  return {
    render: renderMessages,
    /** The next render marks this message (null: none) and scrolls to it once. */
    /** @param {string | number | null} [messageId] */
    find(messageId) {
      foundMessageId = messageId === undefined || messageId === null ? null : String(messageId);
      scrollToFound = foundMessageId !== null;
    },
    /** The next render scrolls to the end (a note the agent just added is there). */
    scrollToEndNext() {
      scrollToEnd = true;
    },
    /** A photo got its size: the end stays in view if the agent was there. */
    keepEnd() {
      if (pinnedToEnd) ui.messages.scrollTop = ui.messages.scrollHeight;
    },
  };
}
