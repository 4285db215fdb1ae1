import type {
  IdentityChange,
  InboundContent,
  InboundMessage,
  MediaType,
  MessagePricing,
  SenderIdentity,
  StatusUpdate,
} from '../../domain/types';
import {
  MAX_BUTTON_ID_CHARS,
  MAX_BUTTON_TITLE_CHARS,
  MAX_CAPTION_CHARS,
  MAX_ID_CHARS,
  MAX_OTHER_TEXT_CHARS,
  MAX_PHONE_DIGITS,
  MAX_ROW_DESCRIPTION_CHARS,
  MAX_ROW_ID_CHARS,
  MAX_ROW_TITLE_CHARS,
  MAX_TEMPLATE_BUTTON_CHARS,
  MAX_TEXT_CHARS,
  ANY_BSUID_PATTERN,
  BSUID_PATTERN,
} from '../../domain/whatsapp-limits';
import { parseTemplateStatus, type TemplateStatusUpdate } from './parse-template-status';
import { clampChars, clampInt, clampNumber, cleanText, saneId, saneTime } from './sanitize';
import {
  DeliveryStatus,
  MessagesValue,
  WebhookBody,
  WebhookChange,
  WebhookContact,
  WebhookEcho,
  WebhookEntry,
  WebhookErrorItem,
  WebhookMessage,
  WebhookStatus,
} from './webhook-schema';

// Turns a verified webhook body into domain values. Meta batches freely (several entries, changes,
// messages, statuses and echoes per POST), so everything is visited in document order, and
// anything unreadable becomes a note in `ignored` rather than an exception: an error answer would
// only make Meta redeliver the same body for days. A change of a field the product does not handle
// (account updates, quality updates, history sync…) is acknowledged and ignored, and named in
// `ignoredChanges` so it is counted (`edubot_webhook_ignored_changes_total`). Every string handed on is cleaned and clamped
// (sanitize.ts), every time and number is in range; a message or status that still cannot be handled
// (no id, an id that cannot be stored, no sender) is set aside in `quarantined` with its reason.

/** A system-, app- or account-level error reported in `value.errors`. */
export interface WebhookError {
  code: number;
  title: string;
  details?: string;
}

/** Why a message or status was set aside. */
export type WebhookQuarantineReason =
  /** Not an object with the fields every item has (a message's id and type, a status's id and status). */
  | 'malformed'
  /** An id holding U+0000 or an unpaired surrogate, or longer than MAX_ID_CHARS. */
  | 'invalid_id'
  /** A message naming neither a usable phone (`from`) nor a usable BSUID (`from_user_id`). */
  | 'invalid_sender'
  /** A message echo naming neither a usable phone (`to`) nor a usable BSUID (`to_user_id`). */
  | 'invalid_recipient'
  /** A status value the product does not know. */
  | 'unknown_status'
  /** An item of a change whose `metadata.phone_number_id` is another business number than ours. */
  | 'foreign_number';

/** One `messages[]` or `statuses[]` item that was not handed on, as it arrived. */
export interface QuarantinedItem {
  source: 'webhook_message' | 'webhook_status';
  reason: WebhookQuarantineReason;
  raw: unknown;
}

/**
 * A message the business sent from the WhatsApp Business app on the same number (coexistence,
 * `smb_message_echoes`): stored as the business's own outbound message, never handed to the bot.
 */
export interface EchoMessage {
  waMessageId: string;
  /** Whom it went to: `to_user_id` (the BSUID), `to` (the phone), `to_parent_user_id`, the username. */
  recipient: SenderIdentity;
  /** When the business sent it, epoch milliseconds. */
  sentAt: number;
  /** What it says, read like an inbound message of the same type. */
  content: InboundContent;
}

/**
 * Webhook fields Meta documents, as the label of an ignored change; any other name counts as `other`,
 * and a change, entry or value that cannot be read at all as `unreadable` (labels stay a small set).
 */
export const KNOWN_WEBHOOK_FIELDS = [
  'account_alerts',
  'account_review_update',
  'account_settings_update',
  'account_update',
  'automatic_events',
  'business_capability_update',
  'business_status_update',
  'calls',
  'flows',
  'group_lifecycle_update',
  'group_participants_update',
  'group_settings_update',
  'group_status_update',
  'history',
  'message_echoes',
  'message_template_components_update',
  'message_template_quality_update',
  'message_template_status_update',
  'messages',
  'partner_solutions',
  'payment_configuration_update',
  'phone_number_name_update',
  'phone_number_quality_update',
  'security',
  'smb_app_state_sync',
  'smb_message_echoes',
  'template_category_update',
  'tracking_events',
  'user_id_update',
  'user_preferences',
] as const;
export type IgnoredChangeLabel = (typeof KNOWN_WEBHOOK_FIELDS)[number] | 'other' | 'unreadable';

export interface ParsedWebhook {
  messages: InboundMessage[];
  /** Message echoes, in document order. */
  echoes: EchoMessage[];
  statuses: StatusUpdate[];
  errors: WebhookError[];
  /** Human-readable notes on what was skipped; safe to log (no phone numbers or message text). */
  ignored: string[];
  quarantined: QuarantinedItem[];
  /** `message_template_status_update` changes: a template approved, paused, disabled or rejected. */
  templateStatuses: TemplateStatusUpdate[];
  /** One label per change (or entry, or body) acknowledged and ignored; no personal data. */
  ignoredChanges: IgnoredChangeLabel[];
}

/**
 * Whose items the product acts on. A Meta app may serve several business numbers and accounts, and
 * signs all their webhooks with one secret: the signature alone does not make an item ours.
 */
export interface WebhookOwner {
  /** WHATSAPP_PHONE_NUMBER_ID: a change naming another `metadata.phone_number_id` is quarantined. */
  phoneNumberId: string;
  /** The WABA of the template catalogue; template status updates of any other entry are ignored. */
  businessAccountId: string | undefined;
}

/** Thrown when the body is not a webhook envelope at all (no `object` or no `entry` array); answer 400. */
export class WebhookBodyError extends Error {
  override readonly name = 'WebhookBodyError';
  constructor(
    message: string,
    readonly issues: string[],
  ) {
    super(message);
  }
}

const MEDIA_TYPES: readonly MediaType[] = ['image', 'document', 'audio', 'video', 'sticker'];

/**
 * Parses a `messages` webhook body; `receivedAt` (epoch ms) is stamped on every message. With `owner`,
 * what belongs to another number or account is set aside (the server always passes it).
 */
export function parseWebhook(body: unknown, receivedAt: number, owner?: WebhookOwner): ParsedWebhook {
  const envelope = WebhookBody.safeParse(body);
  if (!envelope.success) {
    const issues = envelope.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new WebhookBodyError('Webhook body must be an object with "object" and an "entry" array', issues);
  }
  const result: ParsedWebhook = {
    messages: [],
    echoes: [],
    statuses: [],
    errors: [],
    ignored: [],
    quarantined: [],
    templateStatuses: [],
    ignoredChanges: [],
  };
  const skip = (label: IgnoredChangeLabel, note: string) => {
    result.ignoredChanges.push(label);
    result.ignored.push(note);
  };
  const { object, entry } = envelope.data;
  if (object !== 'whatsapp_business_account') {
    skip('unreadable', `object ${quote(object)} is not whatsapp_business_account`);
    return result;
  }
  entry.forEach((rawEntry, e) => {
    const parsedEntry = WebhookEntry.safeParse(rawEntry);
    if (!parsedEntry.success) return skip('unreadable', `entry[${e}] has no changes array`);
    const entryId = parsedEntry.data.id;
    parsedEntry.data.changes.forEach((rawChange, c) => {
      const where = `entry[${e}].changes[${c}]`;
      const change = WebhookChange.safeParse(rawChange);
      if (!change.success) return skip('unreadable', `${where} has no field`);
      const field = change.data.field;
      if (field === 'message_template_status_update') {
        // Meta names the WABA as the entry's id; another account's template may share a name with ours.
        if (owner !== undefined && (owner.businessAccountId === undefined || entryId !== owner.businessAccountId))
          return skip(field, `${where}: template status update of another business account`);
        const update = parseTemplateStatus(change.data.value, where);
        return void (typeof update === 'string' ? skip(field, update) : result.templateStatuses.push(update));
      }
      // Echoes come on their own field; some senders put them in a `messages` value too.
      if (field !== 'messages' && field !== 'smb_message_echoes') {
        return skip(fieldLabel(field), `${where}: field ${quote(field)} is not handled`);
      }
      const value = MessagesValue.safeParse(change.data.value);
      if (!value.success) return skip('unreadable', `${where} has no value object`);
      // A value may carry more than the product handles (`calls` beside the messages, say): counted too.
      for (const key of Object.keys(change.data.value as object)) {
        if (!HANDLED_VALUE_KEYS.has(key)) skip(fieldLabel(key), `${where}: ${quote(key)} in the value is not handled`);
      }
      const number = value.data.metadata?.phone_number_id;
      // Meta always names the number; a value without one is read as ours (see README, webhook).
      if (owner !== undefined && number !== undefined && number !== owner.phoneNumberId) {
        return setAsideForeign(value.data, number, where, result);
      }
      parseValue(value.data, where, receivedAt, result);
    });
  });
  return result;
}

/** What a `messages` or `smb_message_echoes` value holds that the parser reads. */
const HANDLED_VALUE_KEYS = new Set([
  'messaging_product',
  'metadata',
  'contacts',
  'messages',
  'statuses',
  'errors',
  'message_echoes',
]);

/**
 * Every message, status and echo of another number's value is quarantined with that number beside it,
 * so an operator sees which number's webhooks reach this app; its errors are that number's, not ours.
 */
function setAsideForeign(value: MessagesValue, number: string, where: string, out: ParsedWebhook): void {
  const items: [QuarantinedItem['source'], unknown[] | undefined][] = [
    ['webhook_message', value.messages],
    ['webhook_status', value.statuses],
    ['webhook_message', value.message_echoes],
  ];
  for (const [source, list] of items) {
    for (const item of list ?? [])
      out.quarantined.push({ source, reason: 'foreign_number', raw: { phone_number_id: number, item } });
  }
  out.ignored.push(`${where}: phone_number_id ${quote(number)} is not this product's number`);
}

function fieldLabel(field: string): IgnoredChangeLabel {
  return (KNOWN_WEBHOOK_FIELDS as readonly string[]).includes(field) ? (field as IgnoredChangeLabel) : 'other';
}

function parseValue(value: MessagesValue, where: string, receivedAt: number, out: ParsedWebhook): void {
  const contacts = (value.contacts ?? []).flatMap((c) => {
    const parsed = WebhookContact.safeParse(c);
    return parsed.success ? [parsed.data] : [];
  });
  const setAside = (source: QuarantinedItem['source'], reason: WebhookQuarantineReason, raw: unknown, note: string) => {
    out.quarantined.push({ source, reason, raw });
    out.ignored.push(note);
  };

  (value.messages ?? []).forEach((raw, i) => {
    const parsed = WebhookMessage.safeParse(raw);
    if (!parsed.success)
      return setAside('webhook_message', 'malformed', raw, `${where}.messages[${i}] has no id or type`);
    const m = parsed.data;
    const id = saneId(m.id, MAX_ID_CHARS);
    if (id === undefined)
      return setAside('webhook_message', 'invalid_id', raw, `${where}.messages[${i}] has an unusable id`);
    const sender = senderOf(m, contacts);
    if (sender === undefined) {
      return setAside('webhook_message', 'invalid_sender', raw, `message ${clip(id)} has no usable sender`);
    }
    const profileName = profileNameOf(findContact(contacts, sender));
    const identityChange = identityChangeOf(m);
    const contextId = m.context?.id === undefined ? undefined : saneId(m.context.id, MAX_ID_CHARS);
    const content = toContent(m);
    if (content === undefined) {
      return setAside(
        'webhook_message',
        'malformed',
        raw,
        `${clip(m.type)} ${clip(id)} names no usable message or new text`,
      );
    }
    out.messages.push({
      waMessageId: id,
      sender,
      ...(identityChange === undefined ? {} : { identityChange }),
      ...(profileName === undefined ? {} : { profileName }),
      sentAt: saneTime(m.timestamp, receivedAt),
      receivedAt,
      ...(contextId === undefined ? {} : { contextId }),
      content,
    });
  });

  (value.statuses ?? []).forEach((raw, i) => {
    const parsed = WebhookStatus.safeParse(raw);
    if (!parsed.success) {
      return setAside('webhook_status', 'malformed', raw, `${where}.statuses[${i}] has no id or status`);
    }
    const s = parsed.data;
    const id = saneId(s.id, MAX_ID_CHARS);
    if (id === undefined)
      return setAside('webhook_status', 'invalid_id', raw, `${where}.statuses[${i}] has an unusable id`);
    const status = DeliveryStatus.safeParse(s.status);
    if (!status.success) {
      return setAside(
        'webhook_status',
        'unknown_status',
        raw,
        `status ${quote(s.status)} of ${clip(id)} is not handled`,
      );
    }
    const error = s.errors?.[0];
    const recipientId = phoneOf(s.recipient_id);
    const recipientUserId = bsuidOf(s.recipient_user_id);
    const recipientParentUserId = parentBsuidOf(
      s.recipient_parent_user_id ?? s.parent_recipient_user_id ?? s.parent_user_id,
    );
    const pricing = s.pricing && pricingOf(s.pricing);
    // Meta allows 512 characters; anything unusable is dropped, the status itself still counts.
    const callbackData = s.biz_opaque_callback_data === undefined ? undefined : saneId(s.biz_opaque_callback_data, 512);
    out.statuses.push({
      waMessageId: id,
      status: status.data,
      timestamp: saneTime(s.timestamp, receivedAt),
      ...(recipientId === undefined ? {} : { recipientId }),
      ...(recipientUserId === undefined ? {} : { recipientUserId }),
      ...(recipientParentUserId === undefined ? {} : { recipientParentUserId }),
      ...(pricing === undefined ? {} : { pricing }),
      // error_code is an integer column; Meta's codes are six digits at most.
      ...(error === undefined ? {} : { errorCode: clampInt(error.code), errorTitle: errorTitle(error) }),
      ...(callbackData === undefined ? {} : { callbackData }),
    });
  });

  (value.message_echoes ?? []).forEach((raw, i) => {
    const parsed = WebhookEcho.safeParse(raw);
    if (!parsed.success)
      return setAside('webhook_message', 'malformed', raw, `${where}.message_echoes[${i}] has no id or type`);
    const m = parsed.data;
    const id = saneId(m.id, MAX_ID_CHARS);
    if (id === undefined)
      return setAside('webhook_message', 'invalid_id', raw, `${where}.message_echoes[${i}] has an unusable id`);
    const recipient = recipientOf(m, contacts);
    if (recipient === undefined)
      return setAside('webhook_message', 'invalid_recipient', raw, `echo ${clip(id)} has no usable recipient`);
    const content = toContent(m);
    if (content === undefined) {
      return setAside('webhook_message', 'malformed', raw, `echo ${clip(m.type)} ${clip(id)} names no usable message`);
    }
    out.echoes.push({ waMessageId: id, recipient, sentAt: saneTime(m.timestamp, receivedAt), content });
  });

  (value.errors ?? []).forEach((raw, i) => {
    const parsed = WebhookErrorItem.safeParse(raw);
    if (!parsed.success) return void out.ignored.push(`${where}.errors[${i}] has no code`);
    const details = parsed.data.error_data?.details;
    out.errors.push({
      code: clampInt(parsed.data.code),
      title: errorTitle(parsed.data),
      ...(details === undefined ? {} : { details: other(details) }),
    });
  });
}

/** Usernames are 3–35 characters of `a-z 0-9 . _`; Meta's examples show them with and without `@`. */
const USERNAME = /^@?[A-Za-z0-9._]{3,35}$/;

/** A phone number's digits, or undefined when there are none or more than E.164 allows. */
function phoneOf(raw: string | undefined): string | undefined {
  const digits = (raw ?? '').replace(/\D/g, '');
  return digits === '' || digits.length > MAX_PHONE_DIGITS ? undefined : digits;
}

/** A BSUID compared as the opaque, case-sensitive string it is; undefined when it is not one. */
function bsuidOf(raw: string | undefined): string | undefined {
  return raw !== undefined && BSUID_PATTERN.test(raw) ? raw : undefined;
}

function parentBsuidOf(raw: string | undefined): string | undefined {
  return raw !== undefined && ANY_BSUID_PATTERN.test(raw) ? raw : undefined;
}

/**
 * Who sent a message: its own `from` and `from_user_id` (a system message names the old identifiers:
 * `from` and `previous_user_id`), completed from the matching `contacts[]` entry. Undefined when the
 * message itself names neither a usable phone nor a usable BSUID: the contacts array alone proves nothing.
 */
function senderOf(m: WebhookMessage, contacts: WebhookContact[]): SenderIdentity | undefined {
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
  const rawUsername = contact?.profile?.username;
  const username = rawUsername !== undefined && USERNAME.test(rawUsername) ? rawUsername : undefined;
  return {
    ...(phone === undefined ? {} : { phone }),
    ...(bsuid === undefined ? {} : { bsuid }),
    ...(parentBsuid === undefined ? {} : { parentBsuid }),
    ...(username === undefined ? {} : { username }),
  };
}

/**
 * Whom an echo went to: `to_user_id` (Meta's stable key) and `to` (omitted for a username user), with
 * the parent BSUID and the username of the matching `contacts[]` entry. Undefined without either id.
 */
function recipientOf(m: WebhookEcho, contacts: WebhookContact[]): SenderIdentity | undefined {
  const phone = phoneOf(m.to);
  const toUserId = bsuidOf(m.to_user_id);
  if (phone === undefined && toUserId === undefined) return undefined;
  const contact = contacts.find(
    (c) => (toUserId !== undefined && c.user_id === toUserId) || (phone !== undefined && phoneOf(c.wa_id) === phone),
  );
  const bsuid =
    toUserId ?? (phone !== undefined && phoneOf(contact?.wa_id) === phone ? bsuidOf(contact?.user_id) : undefined);
  const parentBsuid = parentBsuidOf(m.to_parent_user_id ?? contact?.parent_user_id);
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
function findContact(contacts: WebhookContact[], sender: SenderIdentity): WebhookContact | undefined {
  return (
    contacts.find(
      (c) =>
        (sender.bsuid !== undefined && c.user_id === sender.bsuid) ||
        (sender.phone !== undefined && phoneOf(c.wa_id) === sender.phone),
    ) ?? (contacts.length === 1 ? contacts[0] : undefined)
  );
}

function profileNameOf(contact: WebhookContact | undefined): string | undefined {
  const name = contact?.profile?.name;
  const clean = name === undefined ? '' : other(name);
  return clean === '' ? undefined : clean;
}

/**
 * The new identifiers a message brings: a `system` message telling of a new number or BSUID, or the
 * student's own number shared through a contact-info request (`contacts` with origin `contact_request`;
 * a card shared by hand may be anyone's and changes nothing).
 */
function identityChangeOf(m: WebhookMessage): IdentityChange | undefined {
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

/** A status's `pricing`, its strings cleaned. */
function pricingOf(pricing: NonNullable<WebhookStatus['pricing']>): MessagePricing | undefined {
  const result: MessagePricing = {
    ...(pricing.pricing_model === undefined ? {} : { pricingModel: clip(pricing.pricing_model) }),
    ...(pricing.category === undefined ? {} : { category: clip(pricing.category) }),
    ...(pricing.type === undefined ? {} : { type: clip(pricing.type) }),
    ...(pricing.billable === undefined ? {} : { billable: pricing.billable }),
  };
  return Object.keys(result).length === 0 ? undefined : result;
}

/** What the message says; undefined for an edit or deletion that cannot be applied to a message (quarantined). */
function toContent(m: WebhookMessage): InboundContent | undefined {
  // The raw type only selects a branch; a type that is stored is cleaned first.
  const type = m.type;
  const malformed: InboundContent = {
    kind: 'other',
    type: typeName(type),
    summary: `${clip(type)}: malformed payload`,
  };
  switch (type) {
    case 'text':
      return m.text ? { kind: 'text', text: cleanText(m.text.body, MAX_TEXT_CHARS) } : malformed;
    case 'interactive': {
      const i = m.interactive;
      if (!i) return malformed;
      if (i.type === 'button_reply') {
        if (!i.button_reply) return malformed;
        const { id, title } = i.button_reply;
        return {
          kind: 'button',
          id: cleanText(id, MAX_BUTTON_ID_CHARS),
          title: cleanText(title, MAX_BUTTON_TITLE_CHARS),
        };
      }
      if (i.type === 'list_reply') {
        if (!i.list_reply) return malformed;
        const { id, title, description } = i.list_reply;
        return {
          kind: 'list',
          id: cleanText(id, MAX_ROW_ID_CHARS),
          title: cleanText(title, MAX_ROW_TITLE_CHARS),
          ...(description === undefined ? {} : { description: cleanText(description, MAX_ROW_DESCRIPTION_CHARS) }),
        };
      }
      // e.g. nfm_reply (a WhatsApp Flow answer): nothing the conversation can act on.
      return { kind: 'other', type, summary: `interactive: ${clip(i.type)}` };
    }
    case 'button': {
      const b = m.button;
      if (!b) return malformed;
      const text = cleanText(b.text, MAX_TEMPLATE_BUTTON_CHARS);
      // Without a payload set at send time, Meta repeats the label.
      return { kind: 'template_button', payload: b.payload === undefined ? text : other(b.payload), text };
    }
    case 'location': {
      const l = m.location;
      if (!l) return malformed;
      return {
        kind: 'location',
        latitude: clampNumber(l.latitude, -90, 90),
        longitude: clampNumber(l.longitude, -180, 180),
        ...(l.name === undefined ? {} : { name: other(l.name) }),
        ...(l.address === undefined ? {} : { address: other(l.address) }),
      };
    }
    case 'reaction': {
      const r = m.reaction;
      if (!r) return malformed;
      // Removal omits the emoji; an empty string means the same.
      const emoji = r.emoji === undefined ? '' : other(r.emoji);
      return { kind: 'reaction', messageId: cleanText(r.message_id, MAX_ID_CHARS), ...(emoji ? { emoji } : {}) };
    }
    case 'contacts': {
      const n = m.contacts?.length ?? 0;
      return { kind: 'other', type, summary: `contacts: ${n} ${n === 1 ? 'contact' : 'contacts'}` };
    }
    case 'order': {
      const n = m.order?.product_items?.length ?? 0;
      return { kind: 'other', type, summary: `order: ${n} ${n === 1 ? 'item' : 'items'}` };
    }
    case 'system':
      // The body names phone numbers, so only the event type goes into the summary.
      return { kind: 'other', type, summary: `system: ${clip(m.system?.type?.replace(/_/g, ' ') || 'notification')}` };
    case 'edit':
      return editContent(m.edit);
    case 'revoke': {
      // Like every id handed on, the target is never cleaned: a changed id names another message.
      const target = m.revoke && saneId(m.revoke.original_message_id, MAX_ID_CHARS);
      return target === undefined ? undefined : { kind: 'revoke', messageId: target };
    }
    case 'unsupported': {
      const what = m.unsupported?.type ?? m.errors?.[0]?.title ?? 'unknown';
      return { kind: 'other', type, summary: `unsupported: ${clip(what)}` };
    }
  }
  if (isMediaType(type)) {
    const media = m[type];
    // The media id is fetched from the Graph API later: one that cannot be an id makes the message unreadable.
    const mediaId = media && saneId(media.id, MAX_ID_CHARS);
    if (!media || mediaId === undefined) return malformed;
    return {
      kind: 'media',
      mediaType: type,
      mediaId,
      ...(media.mime_type === undefined ? {} : { mimeType: other(media.mime_type) }),
      ...(media.caption === undefined ? {} : { caption: cleanText(media.caption, MAX_CAPTION_CHARS) }),
      ...(media.filename === undefined ? {} : { filename: other(media.filename) }),
      ...(media.sha256 === undefined ? {} : { sha256: other(media.sha256) }),
    };
  }
  return { kind: 'other', type: typeName(type), summary: `${clip(type)}: unknown message type` };
}

/**
 * The edited message's id and its new text: a text's body, or a media message's caption (empty when
 * the caption was removed). WhatsApp lets users edit nothing else.
 */
function editContent(edit: WebhookMessage['edit']): InboundContent | undefined {
  const target = edit && saneId(edit.original_message_id, MAX_ID_CHARS);
  const message = edit?.message;
  if (target === undefined || message === undefined) return undefined;
  let text: string | undefined;
  if (message.type === 'text') {
    text = message.text && cleanText(message.text.body, MAX_TEXT_CHARS);
  } else if (message.type === 'image' || message.type === 'video' || message.type === 'document') {
    const media = message[message.type];
    text = media && cleanText(media.caption ?? '', MAX_CAPTION_CHARS);
  }
  return text === undefined ? undefined : { kind: 'edit', messageId: target, text };
}

function isMediaType(type: string): type is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(type);
}

function errorTitle(error: WebhookErrorItem): string {
  return other(error.title ?? error.message ?? `error ${clampInt(error.code)}`);
}

/** A text field Meta documents no limit for. */
function other(text: string): string {
  return cleanText(text, MAX_OTHER_TEXT_CHARS);
}

/** A message type as it is stored: WhatsApp's are short words. */
function typeName(type: string): string {
  return cleanText(type, MAX_ID_CHARS);
}

// Type names and fields come from the sender; keep notes and summaries short.
function clip(text: string): string {
  const clean = cleanText(text, 65);
  const clipped = clampChars(clean, 64);
  return clipped === clean ? clean : `${clipped}…`;
}

function quote(text: string): string {
  return JSON.stringify(clip(text));
}
