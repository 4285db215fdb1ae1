// @ts-check
// What the console's modules share: who is signed in, which conversation is open, and what this tab
// has noticed. One object, read and written by the modules that need it; what only one module uses
// stays in that module.

/** @typedef {import('./api-types').Me} Me */
/** @typedef {import('./api-types').ConversationSummary} ConversationSummary */
/** @typedef {NonNullable<import('./api-types').ConversationDetail['openChat']>} OpenChat */
/** @typedef {{ agentId: number; name: string } | null | undefined} Holder */
/**
 * @typedef {object} TabState
 * @property {Record<string, number>} unread
 * @property {Record<string, number>} holders
 * @property {string[] | null} waiting
 * @property {string} lastEventId
 */

export const TOKEN_KEY = 'edubot.console.token';
// What this tab has noticed, kept across a reload (see readTabState).
const TAB_KEY = 'edubot.console.tab';

export const state = {
  /** The agent's bearer token, or null while signed out. */
  token: sessionStorage.getItem(TOKEN_KEY),
  /** The open conversation's contact id, or null. */
  openId: /** @type {string | null} */ (null),
  /** The conversation list as last loaded (the list's rows, also used to name a notification). */
  conversations: /** @type {ConversationSummary[]} */ ([]),
  /** Who is signed in ({ agentId, name, role, available }), once /api/admin/me answered. */
  me: /** @type {Me | null} */ (null),
  /** The open conversation's chat, as last loaded: who holds it decides whether this agent may answer. */
  openChat: /** @type {OpenChat | null} */ (null),
  /** When the open conversation's student last wrote (ISO): WhatsApp's window; undefined until known. */
  lastInboundAt: /** @type {string | null | undefined} */ (undefined),
  /** A chat command is in flight: the composer's buttons wait for its answer. */
  busy: false,
  tab: readTabState(),
};

/**
 * Per tab, kept across a reload in sessionStorage: `unread` counts the users' messages per contact
 * since this agent last had that conversation open; `holders` the agent id holding each open chat
 * this tab has heard of; `waiting` the contacts last seen in the queue (null before the first load);
 * `lastEventId` the last event handled, where the stream resumes, so a reload misses nothing.
 */
/** @returns {TabState} */
function readTabState() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(TAB_KEY) || 'null');
    if (saved && typeof saved.unread === 'object' && typeof saved.holders === 'object') return saved;
  } catch {
    // An unreadable entry is forgotten.
  }
  return { unread: {}, holders: {}, waiting: null, lastEventId: '' };
}

export function saveTabState() {
  try {
    sessionStorage.setItem(TAB_KEY, JSON.stringify(state.tab));
  } catch {
    // A full storage loses the counts on the next reload, nothing more.
  }
}

export function forgetTabState() {
  sessionStorage.removeItem(TAB_KEY);
  state.tab = readTabState();
}

/**
 * Remembers who holds a contact's chat (nobody: forgotten), for the notifications meant for them.
 * @param {string} contactId
 * @param {Holder} holder
 */
export function noteHolder(contactId, holder) {
  if (holder && typeof holder.agentId === 'number') state.tab.holders[contactId] = holder.agentId;
  else delete state.tab.holders[contactId];
}
