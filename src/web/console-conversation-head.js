// @ts-check
// One conversation's header (console-conversation.js draws it): who the student is (name, username,
// phone or "number hidden", profile), the link to its workflow in the Temporal Web UI, the state, the
// labels and business hours (the helpers'), the campaign opt-out, billing, the chat and who holds it.
import { displayName, formatTime, idOf, phoneText, usernameOf } from './console-format.js';
import { renderBilling } from './console-reports-render.js';
import { noteHolder, state } from './console-state.js';
import { ui } from './console-ui.js';

/** @typedef {import('./api-types').ConversationDetail} ConversationDetail */
/** @typedef {import('./api-types').ConversationSummary} ConversationSummary */
/**
 * What the header needs of the helpers: the labels' and the hours' parts of it, and the composer's
 * rules (console-holder.js), which follow the window and the chat's holder.
 * @typedef {{ labels: { renderHead(conversation: object): void }; hours: { renderChat(conversation: object): void };
 *   holder: import('./console-holder.js').Holder }} HeadParts
 */

/**
 * The conversation's workflow (`conversation-<contact id>`) in the Temporal Web UI, whose address and
 * namespace the page carries as data attributes of <body>; null without a contact id or an http(s)
 * address.
 * @param {string | undefined} contactId
 */
function temporalLink(contactId) {
  const base = (document.body.dataset.temporalUi || '').replace(/\/+$/, '');
  const namespace = document.body.dataset.temporalNamespace || 'default';
  if (typeof contactId !== 'string' || contactId === '' || !/^https?:\/\/[^\s]+$/.test(base)) return null;
  return (
    base +
    '/namespaces/' +
    encodeURIComponent(namespace) +
    '/workflows/' +
    encodeURIComponent('conversation-' + contactId)
  );
}

/**
 * The header's username, phone (or "number hidden") and the link to the conversation's workflow.
 * @param {ConversationSummary} conversation
 */
function renderIdentity(conversation) {
  ui.username.textContent = usernameOf(conversation) || '';
  ui.username.hidden = ui.username.textContent === '';
  ui.phone.textContent = phoneText(conversation);
  ui.phone.classList.toggle('phone-hidden', conversation.phone === null);
  const link = temporalLink(conversation.contactId);
  ui.temporal.hidden = link === null;
  if (link === null) ui.temporal.removeAttribute('href');
  else ui.temporal.href = link;
}

/**
 * The header from what is known: a list row at first (no profile, no chat), the full answer after.
 * @param {ConversationSummary & Partial<ConversationDetail>} conversation
 * @param {HeadParts} parts
 */
export function renderHead(conversation, { labels, hours, holder }) {
  const profile = conversation.profile;
  ui.title.textContent = (profile && profile.fullName) || displayName(conversation);
  renderIdentity(conversation);
  ui.state.textContent = conversation.state;
  ui.state.dataset.state = conversation.state;
  ui.registered.textContent = conversation.registered ? 'registered' : 'not registered';
  ui.profile.textContent = profile ? [profile.email, profile.className].filter(Boolean).join(' · ') : '';
  labels.renderHead(conversation);
  hours.renderChat(conversation);
  const optOut = conversation.campaignOptOut;
  ui.optOut.textContent = optOut ? 'Opted out of campaigns since ' + formatTime(optOut.since) : '';
  ui.optOut.hidden = !optOut;
  renderBilling(ui.billing, conversation.billing);
  if (conversation.lastInboundAt !== undefined) {
    state.lastInboundAt = conversation.lastInboundAt;
    holder.renderWindow();
  }
  if (conversation.openChat === undefined) return;
  const chat = conversation.openChat;
  ui.chat.textContent = chat
    ? 'Chat open since ' + formatTime(chat.startedAt) + ', started by ' + chat.startedBy
    : 'No chat open. Start chat opens one while the user’s 24-hour window is open.';
  ui.chat.classList.toggle('chat-open', Boolean(chat));
  state.openChat = chat;
  noteHolder(idOf(conversation), chat && chat.holder);
  holder.render();
}
