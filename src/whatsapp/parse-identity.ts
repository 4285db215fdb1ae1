import type { IdentityChange, SenderIdentity } from '../../domain/types';
import { ANY_BSUID_PATTERN, BSUID_PATTERN, MAX_PHONE_DIGITS } from '../../domain/whatsapp-limits';
import type { WebhookContact, WebhookEcho, WebhookMessage } from './webhook-schema';
import { other } from './webhook-text';

// Who a webhook item is about: a message's sender, an echo's recipient, a status's recipient, and the
// new identifiers a message may bring (a changed number or BSUID, a number shared on request). Phones
// are reduced to their digits; BSUIDs are opaque and kept exactly as they came, or not at all.

/** Usernames are 3–35 characters of `a-z 0-9 . _`; Meta's examples show them with and without `@`. */
const USERNAME = /^@?[A-Za-z0-9._]{3,35}$/;

/** A phone number's digits, or undefined when there are none or more than E.164 allows. */
export function phoneOf(raw: string | undefined): string | undefined {
  const digits = (raw ?? '').replace(/\D/g, '');
  return digits === '' || digits.length > MAX_PHONE_DIGITS ? undefined : digits;
}

/** A BSUID compared as the opaque, case-sensitive string it is; undefined when it is not one. */
export function bsuidOf(raw: string | undefined): string | undefined {
  return raw !== undefined && BSUID_PATTERN.test(raw) ? raw : undefined;
}

export function parentBsuidOf(raw: string | undefined): string | undefined {
  return raw !== undefined && ANY_BSUID_PATTERN.test(raw) ? raw : undefined;
}

/**
 * Who sent a message: its own `from` and `from_user_id` (a system message names the old identifiers:
 * `from` and `previous_user_id`), completed from the matching `contacts[]` entry. Undefined when the
 * message itself names neither a usable phone nor a usable BSUID: the contacts array alone proves nothing.
 */
export function senderOf(m: WebhookMessage, contacts: WebhookContact[]): SenderIdentity | undefined {
  const changed = m.type === 'system' && identityChangeOf(m) !== undefined;
  const phone = phoneOf(m.from);
  const ownBsuid = bsuidOf(changed ? m.system?.previous_user_id : m.from_user_id);
  if (phone === undefined && ownBsuid === undefined) return undefined;
  const contact = changed ? undefined : findContact(contacts, { phone, bsuid: ownBsuid });
  // Meta's order is from_user_id, then contacts[].user_id, then from: a message naming only its phone
  // takes the BSUID of the contacts entry with that very wa_id (never of an entry matched otherwise).
  const bsuid =
    ownBsuid ?? (phone !== undefined && phoneOf(contact?.wa_id) === phone ? bsuidOf(contact?.user_id) : undefined);
  const parentBsuid = parentBsuidOf(
    changed ? m.system?.previous_parent_user_id : (m.from_parent_user_id ?? contact?.parent_user_id),
  );
  return identity(phone, bsuid, parentBsuid, contact);
}

/**
 * Whom an echo went to: `to_user_id` (Meta's stable key) and `to` (omitted for a username user), with
 * the parent BSUID and the username of the matching `contacts[]` entry. Undefined without either id.
 */
export function recipientOf(m: WebhookEcho, contacts: WebhookContact[]): SenderIdentity | undefined {
  const phone = phoneOf(m.to);
  const toUserId = bsuidOf(m.to_user_id);
  if (phone === undefined && toUserId === undefined) return undefined;
  const contact = contacts.find(
    (c) => (toUserId !== undefined && c.user_id === toUserId) || (phone !== undefined && phoneOf(c.wa_id) === phone),
  );
  const bsuid =
    toUserId ?? (phone !== undefined && phoneOf(contact?.wa_id) === phone ? bsuidOf(contact?.user_id) : undefined);
  const parentBsuid = parentBsuidOf(m.to_parent_user_id ?? contact?.parent_user_id);
  return identity(phone, bsuid, parentBsuid, contact);
}

/** The identifiers found, with the contacts entry's username when it is one. */
function identity(
  phone: string | undefined,
  bsuid: string | undefined,
  parentBsuid: string | undefined,
  contact: WebhookContact | undefined,
): SenderIdentity {
  const rawUsername = contact?.profile?.username;
  const username = rawUsername !== undefined && USERNAME.test(rawUsername) ? rawUsername : undefined;
  return {
    ...(phone === undefined ? {} : { phone }),
    ...(bsuid === undefined ? {} : { bsuid }),
    ...(parentBsuid === undefined ? {} : { parentBsuid }),
    ...(username === undefined ? {} : { username }),
  };
}

/** The contacts entry of the sender; else the only one, since WhatsApp's wa_id and `from` may differ. */
export function findContact(contacts: WebhookContact[], sender: SenderIdentity): WebhookContact | undefined {
  return (
    contacts.find(
      (c) =>
        (sender.bsuid !== undefined && c.user_id === sender.bsuid) ||
        (sender.phone !== undefined && phoneOf(c.wa_id) === sender.phone),
    ) ?? (contacts.length === 1 ? contacts[0] : undefined)
  );
}

export function profileNameOf(contact: WebhookContact | undefined): string | undefined {
  const name = contact?.profile?.name;
  const clean = name === undefined ? '' : other(name);
  return clean === '' ? undefined : clean;
}

/**
 * The new identifiers a message brings: a `system` message telling of a new number or BSUID, or the
 * student's own number shared through a contact-info request (`contacts` with origin `contact_request`;
 * a card shared by hand may be anyone's and changes nothing).
 */
export function identityChangeOf(m: WebhookMessage): IdentityChange | undefined {
  if (m.type === 'system') {
    const type = m.system?.type;
    if (type !== 'user_changed_number' && type !== 'user_changed_user_id') return undefined;
    const phone = type === 'user_changed_number' ? phoneOf(m.system?.wa_id) : undefined;
    const bsuid = bsuidOf(m.system?.user_id);
    const parentBsuid = parentBsuidOf(m.system?.parent_user_id);
    if (phone === undefined && bsuid === undefined) return undefined;
    return {
      type,
      ...(phone === undefined ? {} : { phone }),
      ...(bsuid === undefined ? {} : { bsuid }),
      ...(parentBsuid === undefined ? {} : { parentBsuid }),
    };
  }
  if (m.type === 'contacts') {
    const shared = (m.contacts ?? []).find(
      (card): card is { origin: string; phones: unknown[] } =>
        typeof card === 'object' && card !== null && (card as { origin?: unknown }).origin === 'contact_request',
    );
    const first = Array.isArray(shared?.phones)
      ? (shared.phones[0] as { wa_id?: unknown; phone?: unknown })
      : undefined;
    const raw =
      typeof first?.wa_id === 'string' ? first.wa_id : typeof first?.phone === 'string' ? first.phone : undefined;
    const phone = phoneOf(raw);
    return phone === undefined ? undefined : { type: 'contact_request', phone };
  }
  return undefined;
}
