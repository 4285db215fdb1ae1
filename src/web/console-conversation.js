// @ts-check
// One conversation: opening it (at a search hit's message, if any), its header (who the student is,
// the state, the labels, the SLA clocks, billing, the chat and who holds it), its history, and going
// back to the list.
import { api, describeFailure, latest, refresher } from './console-api.js';
import { renderHead } from './console-conversation-head.js';
import { idOf } from './console-format.js';
import { state } from './console-state.js';
import { ui } from './console-ui.js';

/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */
/** @typedef {import('./console-conversation-head.js').HeadParts} HeadParts */
/**
 * What a conversation needs of the helpers (and of its header's, HeadParts).
 * @typedef {{ reset(): void }} Media
 * @typedef {{ open(): void }} Templates
 * @typedef {{ clear(): void }} Attachments
 */

// The width below which the list and the conversation take turns (console.css says the same).
const NARROW = window.matchMedia('(max-width: 720px)');

/** Another conversation is opened: what was shown of the one left goes (its history, chat, window, results). */
function clearShown() {
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
}

/**
 * The other parts are the console's: `labels`, `hours`, `media`, `templates`, `attachments` (the
 * helpers), `holder` (console-holder.js), `timeline` (console-timeline.js); `marked()` redraws the lists that mark the open conversation;
 * `leave()` runs when the
 * agent leaves a conversation (menus close, a command's retry key is forgotten) and `seen(contactId)`
 * when one is opened (its unread count goes, the student is told it was read).
 * @param {{ labels: HeadParts['labels']; hours: HeadParts['hours']; media: Media; templates: Templates; attachments: Attachments;
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
      clearShown();
      leave();
    }
    state.openId = contactId;
    ui.noSelection.hidden = true;
    ui.body.hidden = false;
    marked();
    seen(contactId);
    const summary = state.conversations.find((c) => idOf(c) === contactId);
    if (summary) renderHead(summary, { labels, hours, holder });
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
    renderHead(detail.body.conversation, { labels, hours, holder });
    timeline.render(
      history.body.messages,
      detail.body.conversation,
      history.body.setAside || [],
      notes.body.notes,
      history.body.slaEvents || [],
    );
  }

  ui.back.addEventListener('click', () => close());

  return { open, forget, refresh: refresher(load) };
}
