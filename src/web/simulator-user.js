// @ts-check
// Who the simulator writes as: a WhatsApp user with a visible number, or one known to the bot only by a
// business-scoped user id (a username user whose number WhatsApp hides). Kept in sessionStorage, so a
// reload goes on with the same user and a new tab starts afresh.

/**
 * @typedef {object} SimUser
 * @property {string} name The display name the bot sees.
 * @property {string | null} phone Digits, country code included; null when WhatsApp hides the number.
 * @property {string | null} userId The BSUID, once the user has one.
 * @property {string | null} username Without its `@`.
 * @property {string[]} past Addresses the user wrote from before a change of number.
 */

const USER_KEY = 'edubot.simulator.user';
const USERNAME = /^(?=[a-z0-9._]*[a-z])[a-z0-9._]{3,35}$/;

/** The saved user, or null when there is none (or it is damaged). */
export function loadUser() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(USER_KEY) || 'null');
    if (
      saved &&
      typeof saved.name === 'string' &&
      (typeof saved.phone === 'string' || typeof saved.userId === 'string')
    )
      return /** @type {SimUser} */ (Object.assign({ phone: null, userId: null, username: null, past: [] }, saved));
  } catch {
    // A damaged entry is as good as none.
  }
  return null;
}

/** @param {SimUser} user */
export function saveUser(user) {
  sessionStorage.setItem(USER_KEY, JSON.stringify(user));
}

export function forgetUser() {
  sessionStorage.removeItem(USER_KEY);
}

/**
 * A new business-scoped user id, as WhatsApp makes one for each user of a business: a country, a
 * period, 20 digits.
 */
export function newUserId() {
  const digits = Array.from(globalThis.crypto.getRandomValues(new Uint8Array(20)), (b) => String(b % 10)).join('');
  return 'US.' + (digits[0] === '0' ? '1' + digits.slice(1) : digits);
}

/** @param {string} text @returns {string | null} the digits of a phone number, or null if it is none */
export function phoneDigits(text) {
  const digits = text.replace(/\D/g, '');
  return digits.length >= 8 && digits.length <= 15 ? digits : null;
}

/**
 * The user the setup form describes, or why it describes none.
 * @param {{ usernameMode: boolean, phone: string, username: string, name: string }} form
 * @returns {{ user: SimUser } | { error: string }}
 */
export function userFromForm(form) {
  const name = form.name.trim();
  /** @type {SimUser} */
  let user;
  if (form.usernameMode) {
    const username = form.username.trim().replace(/^@/, '').toLowerCase();
    if (!USERNAME.test(username))
      return { error: 'A username has 3 to 35 of a–z, 0–9, . and _, with at least one letter.' };
    // WhatsApp hides a username user's number: the bot knows them by a business-scoped user id only.
    user = { phone: null, userId: newUserId(), username, name, past: [] };
  } else {
    const phone = phoneDigits(form.phone);
    if (phone === null) return { error: 'A phone number has 8 to 15 digits, country code included.' };
    user = { phone, userId: null, username: null, name, past: [] };
  }
  if (name === '') return { error: 'Enter the display name the bot will see.' };
  return { user };
}

/** "Ada · @ada.l · number hidden", or "Ada · +15550001111". @param {SimUser} user */
export function identityText(user) {
  return [user.name, user.username ? '@' + user.username : null, user.phone ? '+' + user.phone : 'number hidden']
    .filter(Boolean)
    .join(' · ');
}

/**
 * Who writes, as /sandbox/messages takes it.
 * @param {SimUser} user
 * @returns {{ name: string, from?: string, userId?: string, username?: string }}
 */
export function sender(user) {
  return Object.assign(
    { name: user.name },
    user.phone ? { from: user.phone } : {},
    user.userId ? { userId: user.userId } : {},
    user.username ? { username: user.username } : {},
  );
}

/** Every address the bot may have written this user at: phone or BSUID, now and before a change. @param {SimUser} user */
export function addresses(user) {
  return /** @type {string[]} */ ([user.phone, user.userId, ...(user.past || [])].filter(Boolean));
}

/**
 * The user after WhatsApp told the bot of their new number (null: hidden) and new BSUID.
 * @param {SimUser} user @param {string | null} phone @param {string} userId @returns {SimUser}
 */
export function changedUser(user, phone, userId) {
  const past = /** @type {string[]} */ ([...(user.past || []), user.phone, user.userId].filter(Boolean));
  return { ...user, past: [...new Set(past)], phone, userId };
}
