import { parseTemplateStatus } from './parse-template-status';
import type { SetAside } from './parse-items';
import { parseEchoes, parseMessages } from './parse-messages';
import { parseStatuses } from './parse-statuses';
import {
  KNOWN_WEBHOOK_FIELDS,
  type IgnoredChangeLabel,
  type ParsedWebhook,
  type QuarantinedItem,
  type WebhookOwner,
} from './parsed-webhook';
import { clampInt } from './sanitize';
import {
  MessagesValue,
  WebhookBody,
  WebhookChange,
  WebhookContact,
  WebhookEntry,
  WebhookErrorItem,
} from './webhook-schema';
import { errorTitle, other, quote } from './webhook-text';

// Turns a verified webhook body into domain values. Meta batches freely (several entries, changes,
// messages, statuses and echoes per POST), so everything is visited in document order, and
// anything unreadable becomes a note in `ignored` rather than an exception: an error answer would
// only make Meta redeliver the same body for days. A change of a field the product does not handle
// (account updates, quality updates, history sync…) is acknowledged and ignored, and named in
// `ignoredChanges` so it is counted (`edubot_webhook_ignored_changes_total`). Every string handed on
// is cleaned and clamped (sanitize.ts), every time and number is in range; a message or status that
// still cannot be handled (no id, an id that cannot be stored, no sender) is set aside in `quarantined`
// with its reason.
//
// This module reads the envelope and decides whose each change is; parse-messages.ts, parse-statuses.ts
// and parse-template-status.ts read the items, parse-content.ts and parse-identity.ts what they hold.

// The parser's output types live in parsed-webhook.ts; callers import them from here, the entry point.
export {
  KNOWN_WEBHOOK_FIELDS,
  type EchoMessage,
  type IgnoredChangeLabel,
  type ParsedWebhook,
  type QuarantinedItem,
  type WebhookError,
  type WebhookOwner,
  type WebhookQuarantineReason,
} from './parsed-webhook';

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
      // Meta always names the number; a value without one is read as ours (docs/students.md, "Who a student is").
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

/** A value's items: its messages, then its statuses, echoes and errors, each kind in document order. */
function parseValue(value: MessagesValue, where: string, receivedAt: number, out: ParsedWebhook): void {
  const contacts = (value.contacts ?? []).flatMap((c) => {
    const parsed = WebhookContact.safeParse(c);
    return parsed.success ? [parsed.data] : [];
  });
  const setAside: SetAside = (source, reason, raw, note) => {
    out.quarantined.push({ source, reason, raw });
    out.ignored.push(note);
  };
  const scope = { where, receivedAt, contacts, out, setAside };
  parseMessages(value.messages ?? [], scope);
  parseStatuses(value.statuses ?? [], scope);
  parseEchoes(value.message_echoes ?? [], scope);
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
