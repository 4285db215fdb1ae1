// @ts-check
// How the console names and dates things: times, a conversation's key, the student's name, username
// and phone, the state badge and the unread count. Everything goes into the page as text.
import { node } from './console-dom.js';
import { state } from './console-state.js';

/**
 * What names a student in any answer (a conversation, a queue entry, a search hit, an event).
 * @typedef {{ contactId?: string | null; phone?: string | null; username?: string | null; profileName?: string | null }} Named
 */

/** @param {string | null | undefined} iso */
export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
}

/** @param {string | null | undefined} iso */
export function timeElement(iso) {
  const element = node('time', 'time', formatTime(iso));
  if (iso) element.dateTime = iso;
  return element;
}

/**
 * A conversation's key: its contact's opaque id (`ct_…`). The API answers `contactId` on every
 * conversation, queue entry, search hit and event; `phone` is the fallback of an older server.
 * @param {Named} item
 * @returns {string}
 */
export function idOf(item) {
  // An event about no conversation has neither: undefined, which the event stream's reader checks for.
  return /** @type {string} */ (item.contactId || item.phone);
}

/**
 * The student's WhatsApp username as `@name`, or null: display only, it changes.
 * @param {Named} item
 */
export function usernameOf(item) {
  const name = typeof item.username === 'string' ? item.username.trim().replace(/^@/, '') : '';
  return name === '' ? null : '@' + name;
}

/**
 * The phone as `+digits`; "number hidden" when the API says there is none (a username user known
 * only by a BSUID); '' when the answer does not say (an older server).
 * @param {Named} item
 */
export function phoneText(item) {
  if (typeof item.phone === 'string' && item.phone !== '') return '+' + item.phone;
  return item.phone === null ? 'number hidden' : '';
}

/**
 * The username and the phone (or "number hidden") of a list item, on one line.
 * @param {Named} item
 */
export function identityElement(item) {
  const element = node('span', 'item-phone');
  const username = usernameOf(item);
  if (username) element.append(node('span', 'item-username', username));
  const phone = phoneText(item);
  if (phone) element.append(node('span', item.phone === null ? 'phone-hidden' : 'phone', phone));
  return element;
}

/** @param {Named} summary */
export function displayName(summary) {
  return summary.profileName || usernameOf(summary) || phoneText(summary) || 'Student';
}

/** @param {string} stateName */
export function stateBadge(stateName) {
  const badge = node('span', 'badge', stateName);
  badge.dataset.state = stateName;
  return badge;
}

/**
 * The count of a contact's messages this tab has not shown the agent, or null when there are none.
 * @param {string} contactId
 */
export function unreadBadge(contactId) {
  const count = state.tab.unread[contactId] || 0;
  if (count === 0) return null;
  // Not a .badge: that class is the state's, and the count is no state.
  const badge = node('span', 'unread', count > 99 ? '99+' : String(count));
  badge.title = count === 1 ? '1 unread message' : count + ' unread messages';
  return badge;
}
