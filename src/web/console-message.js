// @ts-check
// One message of a history, as the agent reads it: who sent it, when, its status, its media, its
// text or its latest edit, the student's reaction, the options it offered, why it failed; WhatsApp's
// notices as a line across. Everything goes into the page as text.
import { node } from './console-dom.js';
import { timeElement } from './console-format.js';

/** @typedef {import('./api-types').Message} Message */
/** @typedef {import('./console-history.js').Shown} Shown */
/** @typedef {{ profileName?: string | null } | null | undefined} Conversation */
/** A message's stored payload: JSON whose shape depends on the message's type, read defensively. @typedef {Record<string, any>} Payload */
/** What a message needs of console-media.js. @typedef {{ element(media: object, type: string): Node }} Media */

/**
 * @param {Pick<Message, 'sender' | 'senderName'>} message
 * @param {Conversation} conversation
 */
export function senderLabel(message, conversation) {
  if (message.sender === 'user') return (conversation && conversation.profileName) || 'User';
  if (message.sender === 'agent') return message.senderName ? 'Agent ' + message.senderName : 'Agent';
  if (message.sender === 'business_app') return message.senderName || 'Business';
  return 'Bot';
}

/**
 * What a `system` message tells, in words for the agent: WhatsApp's own text names the old and new
 * numbers, so it is never shown; only the kind of change is read (from the stored payload or body).
 * @param {Message} message
 */
function systemNotice(message) {
  /** @type {Payload} */
  const payload = message.payload && typeof message.payload === 'object' ? message.payload : {};
  const said = [payload.systemType, payload.type, payload.summary, message.body]
    .filter((part) => typeof part === 'string')
    .join(' ')
    .toLowerCase()
    .replace(/_/g, ' ');
  if (said.includes('changed user id')) return 'The student’s WhatsApp account changed (their number is not shared)';
  if (said.includes('changed number')) return 'The student changed their number';
  return 'WhatsApp notice about the student’s account';
}

/**
 * A `system` message: a centered notice across the history, never a bubble, never its numbers.
 * @param {Message} message
 */
function renderSystem(message) {
  const item = node('li', 'message-system');
  item.dataset.messageId = String(message.id);
  item.append(node('span', '', systemNotice(message)), document.createTextNode(' '), timeElement(message.timestamp));
  return item;
}

/**
 * Titles of the buttons or list rows an outbound interactive message offered.
 * @param {unknown} stored
 * @returns {unknown[]}
 */
function choicesOf(stored) {
  if (!stored || typeof stored !== 'object') return [];
  const payload = /** @type {Payload} */ (stored);
  if (payload.kind === 'buttons' && Array.isArray(payload.buttons))
    return payload.buttons.map((/** @type {Payload} */ b) => b && b.title);
  if (payload.kind === 'list' && Array.isArray(payload.sections)) {
    return payload.sections.flatMap((/** @type {Payload} */ s) =>
      s && Array.isArray(s.rows) ? s.rows.map((/** @type {Payload} */ r) => r && r.title) : [],
    );
  }
  return [];
}

/**
 * The text under a message: its body, or its latest edit marked as such, or that it was deleted.
 * @param {Shown} folded
 */
function bodyOf(folded) {
  const message = folded.message;
  if (folded.revoked) return node('p', 'message-body message-deleted', 'This message was deleted');
  if (folded.edit) {
    const body = node('p', 'message-body', folded.edit.text);
    const mark = node('span', 'edited', 'edited');
    mark.title = 'Before the edit: ' + (folded.edit.original || '(no text)');
    body.append(document.createTextNode(' '), mark);
    return body;
  }
  const text = message.body === null || message.body === '' ? null : message.body;
  // A file's name is on its link already; only a caption is worth a line of its own.
  if (message.media) return text === null || text === message.media.filename ? null : node('p', 'message-body', text);
  return node('p', 'message-body', text === null ? '(' + message.type + ')' : text);
}

/**
 * A message as its bubble; `media` (console-media.js) draws its photo, video, audio or file.
 * @param {Shown} folded
 * @param {Conversation} conversation
 * @param {Media} media
 */
export function renderMessage(folded, conversation, media) {
  const message = folded.message;
  if (message.type === 'system') return renderSystem(message);
  const item = node('li', 'message message-' + message.sender);
  item.dataset.messageId = String(message.id);
  if (message.waMessageId) item.dataset.waMessageId = message.waMessageId;
  if (folded.revoked) item.classList.add('message-revoked');
  const meta = node('p', 'message-meta');
  meta.append(node('span', 'sender', senderLabel(message, conversation)), timeElement(message.timestamp));
  if (message.direction === 'outbound' || message.status !== 'received') {
    const status = node('span', 'status status-' + message.status, message.status);
    meta.append(status);
  }
  if (message.type && message.type !== 'text') meta.append(node('span', 'type', message.type));
  item.append(meta);
  // A message echo: someone at the business wrote from the WhatsApp Business app on the phone.
  if (message.sender === 'business_app')
    item.append(node('p', 'message-origin', 'sent from the WhatsApp Business app'));
  if (message.media && message.media.url && !folded.revoked) item.append(media.element(message.media, message.type));
  const body = bodyOf(folded);
  if (body) item.append(body);
  // A deleted message keeps no reaction, as on the student's contactId.
  if (folded.reaction && !folded.revoked) {
    const reaction = node('span', 'reaction', folded.reaction);
    reaction.title = 'Reaction from ' + ((conversation && conversation.profileName) || 'the student');
    item.append(reaction);
  }
  if (folded.revoked) return item;
  const choices = choicesOf(message.payload).filter((t) => typeof t === 'string');
  if (choices.length > 0) {
    const list = node('ul', 'choices');
    list.setAttribute('aria-label', 'Options offered');
    list.append(...choices.map((title) => node('li', '', title)));
    item.append(list);
  }
  if (message.status === 'failed') {
    item.classList.add('message-failed');
    const code =
      message.errorCode === null || message.errorCode === undefined ? 'no code' : 'code ' + message.errorCode;
    item.append(
      node(
        'p',
        'message-error',
        'Not delivered: WhatsApp error ' + code + (message.errorTitle ? ' — ' + message.errorTitle : ''),
      ),
    );
  }
  return item;
}
