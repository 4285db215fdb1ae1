// @ts-check
// How the console reads a history: a student's reaction, edit or deletion is a row of its own in the
// store, aimed at an earlier message by its WhatsApp id. Folded here onto that message, so the history
// shows the message as the student now sees it, not the events that changed it.

/** @typedef {import('./api-types').Message} Message */
/**
 * A change a row carries, as its payload says: a reaction (`emoji`, none when removed), an edit (`text`)
 * or a deletion, aimed at the message of WhatsApp id `messageId`.
 * @typedef {{ kind: string; messageId: string; emoji?: string; text?: string }} Change
 */
/**
 * @typedef {{ message: Message; reaction: string | null; edit: { text: string; original: string | null } | null;
 *   revoked: boolean; orphan?: undefined }} Shown
 * @typedef {{ orphan: Message; change: Change; message?: undefined }} Orphan
 * @typedef {Shown | Orphan} Folded
 */

const CHANGES = ['reaction', 'edit', 'revoke'];

/**
 * The row's change and its target's wamid, or null for a row that is a message.
 * @param {Message} message
 * @returns {Change | null}
 */
function changeOf(message) {
  const payload = /** @type {Partial<Change> | null} */ (message.payload);
  if (!CHANGES.includes(message.type) || !payload || typeof payload !== 'object') return null;
  if (payload.kind !== message.type || typeof payload.messageId !== 'string') return null;
  return /** @type {Change} */ (payload);
}

/**
 * The history, oldest first, as items to show: `{ message, reaction, edit, revoked }` for each
 * message (`reaction` its latest emoji or null once removed, `edit` its latest `{ text, original }`),
 * and `{ orphan: row, change }` for a change whose target is not in the history. Changes apply in
 * order, so a reaction without an emoji removes the one before it.
 * @param {Message[]} messages
 * @returns {Folded[]}
 */
function fold(messages) {
  /** @type {Map<string, Shown>} */
  const byWamid = new Map();
  /** @type {Folded[]} */
  const items = [];
  for (const message of messages) {
    const change = changeOf(message);
    const target = change && byWamid.get(change.messageId);
    if (change && !target) {
      items.push({ orphan: message, change });
      continue;
    }
    if (change && target) {
      if (change.kind === 'reaction') target.reaction = change.emoji || null;
      else if (change.kind === 'edit') {
        // A second edit still shows what the student first wrote.
        const original = target.edit ? target.edit.original : target.message.body;
        target.edit = { text: String(change.text), original };
      } else target.revoked = true;
      continue;
    }
    /** @type {Shown} */
    const item = { message, reaction: null, edit: null, revoked: false };
    if (message.waMessageId) byWamid.set(message.waMessageId, item);
    items.push(item);
  }
  return items;
}

export { fold };
