// @ts-check
// One conversation: opening it (at a search hit's message, if any), its header (who the student is,
// the state, the labels, the SLA clocks, billing, the chat and who holds it), its history, and going
// back to the list.
import { api, describeFailure, latest, refresher } from './console-api.js';
import { displayName, formatTime, idOf, phoneText, usernameOf } from './console-format.js';
import { renderBilling } from './console-reports-render.js';
import { noteHolder, state } from './console-state.js';
import { ui } from './console-ui.js';

/** @typedef {import('./api-types').ConversationDetail} ConversationDetail */
/** @typedef {import('./api-types').ConversationSummary} ConversationSummary */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */
/**
 * What a conversation needs of the helpers.
 * @typedef {{ renderHead(conversation: object): void }} HeadLabels
 * @typedef {{ renderChat(conversation: object): void }} ChatHours
 * @typedef {{ reset(): void }} Media
 * @typedef {{ open(): void }} Templates
 * @typedef {{ clear(): void }} Attachments
 */

// The width below which the list and the conversation take turns (console.css says the same).
const NARROW = window.matchMedia('(max-width: 720px)');

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
 * The other parts are the console's: `labels`, `hours`, `media`, `templates`, `attachments` (the
 * helpers), `holder` (console-holder.js), `timeline` (console-timeline.js); `marked()` redraws the lists that mark the open conversation;
 * `leave()` runs when the
 * agent leaves a conversation (menus close, a command's retry key is forgotten) and `seen(contactId)`
 * when one is opened (its unread count goes, the student is told it was read).
 * @param {{ labels: HeadLabels; hours: ChatHours; media: Media; templates: Templates; attachments: Attachments;
 *   holder: import('./console-holder.js').Holder; timeline: ReturnType<typeof import('./console-timeline.js').createTimeline>;
 *   marked: () => void; leave: () => void; seen: (contactId: string) => void }} parts
 */
export function createConversation({
  labels,
  hours,
  media,
  templates,
  attachments,
  holder,
  timeline,
  marked,
  leave,
  seen,
}) {
  const loads = latest();

  /**
   * Opens a conversation's history; with a message id, at that message, marked.
   * @param {string} contactId
   * @param {string | number} [messageId]
   */
  function open(contactId, messageId) {
    timeline.find(messageId);
    if (state.openId !== contactId) {
      // The object URLs of the conversation left are of no more use.
      media.reset();
      templates.open();
      attachments.clear();
      ui.messages.replaceChildren();
      ui.chat.textContent = '';
      ui.window.textContent = '';
      state.lastInboundAt = undefined;
      ui.conversationError.textContent = '';
      ui.result.textContent = '';
      ui.result.className = 'result';
      ui.noteResult.textContent = '';
      ui.noteResult.className = 'result';
      ui.cannedHint.hidden = true;
      leave();
    }
    state.openId = contactId;
    ui.noSelection.hidden = true;
    ui.body.hidden = false;
    marked();
    seen(contactId);
    const summary = state.conversations.find((c) => idOf(c) === contactId);
    if (summary) renderHead(summary);
    // On a narrow screen the conversation takes the list's place: the focus goes with it.
    ui.appView.classList.add('conversation-open');
    if (NARROW.matches) ui.back.focus();
    void load();
  }

  /** Back to the list (on a narrow screen, the only way there), the focus on the conversation left. */
  function close() {
    const contactId = CSS.escape(String(state.openId));
    forget();
    leave();
    marked();
    /** @type {HTMLButtonElement | null} */
    const item =
      ui.queueList.querySelector('li[data-contact-id="' + contactId + '"] button') ||
      ui.list.querySelector('button[data-contact-id="' + contactId + '"]');
    if (item) item.focus();
  }

  /** No conversation open any more (gone back to the list, or signed out). */
  function forget() {
    state.openId = null;
    state.openChat = null;
    state.lastInboundAt = undefined;
    loads.cancel();
    media.reset();
    attachments.clear();
    ui.body.hidden = true;
    ui.noSelection.hidden = false;
    ui.appView.classList.remove('conversation-open');
  }

  async function load() {
    const contactId = state.openId;
    if (!contactId) return;
    const signal = loads.next();
    const path = '/api/admin/conversations/' + encodeURIComponent(contactId);
    /** @type {[Answer<import('./api-types').ConversationAnswer>, Answer<import('./api-types').MessagesAnswer>, Answer<import('./api-types').NotesAnswer>]} */
    const answers = await Promise.all([
      api('GET', path, undefined, { signal }),
      api('GET', path + '/messages', undefined, { signal }),
      api('GET', path + '/notes', undefined, { signal }),
    ]);
    if (signal.aborted || contactId !== state.openId || !state.token) return;
    const failed = answers.find((res) => res.status !== 200);
    if (failed) {
      ui.conversationError.textContent = 'Could not load the conversation: ' + describeFailure(failed);
      return;
    }
    const [detail, history, notes] = answers;
    ui.conversationError.textContent = '';
    renderHead(detail.body.conversation);
    timeline.render(
      history.body.messages,
      detail.body.conversation,
      history.body.setAside || [],
      notes.body.notes,
      history.body.slaEvents || [],
    );
  }

  /**
   * The header from what is known: a list row at first (no profile, no chat), the full answer after.
   * @param {ConversationSummary & Partial<ConversationDetail>} conversation
   */
  function renderHead(conversation) {
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

  ui.back.addEventListener('click', () => close());

  return { open, forget, refresh: refresher(load) };
}
