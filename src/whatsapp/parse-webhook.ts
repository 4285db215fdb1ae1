import type { InboundContent, InboundMessage, MediaType, StatusUpdate } from '../../domain/types';
import {
  DeliveryStatus,
  MessagesValue,
  WebhookBody,
  WebhookChange,
  WebhookContact,
  WebhookEntry,
  WebhookErrorItem,
  WebhookMessage,
  WebhookStatus,
} from './webhook-schema';

// Turns a verified webhook body into domain values. Meta batches freely (several entries, changes,
// messages and statuses per POST), so everything is visited in document order, and
// anything unreadable becomes a note in `ignored` rather than an exception: an error answer would
// only make Meta redeliver the same body for days.

/** A system-, app- or account-level error reported in `value.errors`. */
export interface WebhookError {
  code: number;
  title: string;
  details?: string;
}

export interface ParsedWebhook {
  messages: InboundMessage[];
  statuses: StatusUpdate[];
  errors: WebhookError[];
  /** Human-readable notes on what was skipped; safe to log (no phone numbers or message text). */
  ignored: string[];
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

/** Parses a `messages` webhook body; `receivedAt` (epoch ms) is stamped on every message. */
export function parseWebhook(body: unknown, receivedAt: number): ParsedWebhook {
  const envelope = WebhookBody.safeParse(body);
  if (!envelope.success) {
    const issues = envelope.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`);
    throw new WebhookBodyError('Webhook body must be an object with "object" and an "entry" array', issues);
  }
  const result: ParsedWebhook = { messages: [], statuses: [], errors: [], ignored: [] };
  const { object, entry } = envelope.data;
  if (object !== 'whatsapp_business_account') {
    result.ignored.push(`object ${quote(object)} is not whatsapp_business_account`);
    return result;
  }
  entry.forEach((rawEntry, e) => {
    const parsedEntry = WebhookEntry.safeParse(rawEntry);
    if (!parsedEntry.success) return void result.ignored.push(`entry[${e}] has no changes array`);
    parsedEntry.data.changes.forEach((rawChange, c) => {
      const where = `entry[${e}].changes[${c}]`;
      const change = WebhookChange.safeParse(rawChange);
      if (!change.success) return void result.ignored.push(`${where} has no field`);
      if (change.data.field !== 'messages') {
        return void result.ignored.push(`${where}: field ${quote(change.data.field)} is not handled`);
      }
      const value = MessagesValue.safeParse(change.data.value);
      if (!value.success) return void result.ignored.push(`${where} has no value object`);
      parseValue(value.data, where, receivedAt, result);
    });
  });
  return result;
}

function parseValue(value: MessagesValue, where: string, receivedAt: number, out: ParsedWebhook): void {
  const contacts = (value.contacts ?? []).flatMap((c) => {
    const parsed = WebhookContact.safeParse(c);
    return parsed.success ? [parsed.data] : [];
  });

  (value.messages ?? []).forEach((raw, i) => {
    const parsed = WebhookMessage.safeParse(raw);
    if (!parsed.success) return void out.ignored.push(`${where}.messages[${i}] has no id or type`);
    const m = parsed.data;
    const from = (m.from ?? '').replace(/\D/g, '');
    if (from === '') return void out.ignored.push(`message ${m.id} has no usable sender`);
    const profileName = findProfileName(contacts, from);
    out.messages.push({
      waMessageId: m.id,
      from,
      ...(profileName === undefined ? {} : { profileName }),
      sentAt: toMillis(m.timestamp, receivedAt),
      receivedAt,
      ...(m.context?.id === undefined ? {} : { contextId: m.context.id }),
      content: toContent(m),
    });
  });

  (value.statuses ?? []).forEach((raw, i) => {
    const parsed = WebhookStatus.safeParse(raw);
    if (!parsed.success) return void out.ignored.push(`${where}.statuses[${i}] has no id or status`);
    const s = parsed.data;
    const status = DeliveryStatus.safeParse(s.status);
    if (!status.success) return void out.ignored.push(`status ${quote(s.status)} of ${s.id} is not handled`);
    const error = s.errors?.[0];
    out.statuses.push({
      waMessageId: s.id,
      status: status.data,
      timestamp: toMillis(s.timestamp, receivedAt),
      recipientId: s.recipient_id ?? '',
      ...(error === undefined ? {} : { errorCode: error.code, errorTitle: errorTitle(error) }),
    });
  });

  (value.errors ?? []).forEach((raw, i) => {
    const parsed = WebhookErrorItem.safeParse(raw);
    if (!parsed.success) return void out.ignored.push(`${where}.errors[${i}] has no code`);
    const details = parsed.data.error_data?.details;
    out.errors.push({
      code: parsed.data.code,
      title: errorTitle(parsed.data),
      ...(details === undefined ? {} : { details }),
    });
  });
}

/** The contact whose wa_id is the sender; else the only one, since WhatsApp's wa_id and `from` may differ. */
function findProfileName(contacts: WebhookContact[], from: string): string | undefined {
  const match =
    contacts.find((c) => c.wa_id?.replace(/\D/g, '') === from) ?? (contacts.length === 1 ? contacts[0] : undefined);
  const name = match?.profile?.name;
  return name === undefined || name === '' ? undefined : name;
}

function toContent(m: WebhookMessage): InboundContent {
  const type = m.type;
  const malformed: InboundContent = { kind: 'other', type, summary: `${clip(type)}: malformed payload` };
  switch (type) {
    case 'text':
      return m.text ? { kind: 'text', text: m.text.body } : malformed;
    case 'interactive': {
      const i = m.interactive;
      if (!i) return malformed;
      if (i.type === 'button_reply') return i.button_reply ? { kind: 'button', ...i.button_reply } : malformed;
      if (i.type === 'list_reply') {
        if (!i.list_reply) return malformed;
        const { id, title, description } = i.list_reply;
        return { kind: 'list', id, title, ...(description === undefined ? {} : { description }) };
      }
      // e.g. nfm_reply (a WhatsApp Flow answer): nothing the conversation can act on.
      return { kind: 'other', type, summary: `interactive: ${clip(i.type)}` };
    }
    case 'button':
      // Without a payload set at send time, Meta repeats the label.
      return m.button
        ? { kind: 'template_button', payload: m.button.payload ?? m.button.text, text: m.button.text }
        : malformed;
    case 'location': {
      const l = m.location;
      if (!l) return malformed;
      return {
        kind: 'location',
        latitude: l.latitude,
        longitude: l.longitude,
        ...(l.name === undefined ? {} : { name: l.name }),
        ...(l.address === undefined ? {} : { address: l.address }),
      };
    }
    case 'reaction': {
      const r = m.reaction;
      if (!r) return malformed;
      // Removal omits the emoji; an empty string means the same.
      return { kind: 'reaction', messageId: r.message_id, ...(r.emoji ? { emoji: r.emoji } : {}) };
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
    case 'unsupported': {
      const what = m.unsupported?.type ?? m.errors?.[0]?.title ?? 'unknown';
      return { kind: 'other', type, summary: `unsupported: ${clip(what)}` };
    }
  }
  if (isMediaType(type)) {
    const media = m[type];
    if (!media) return malformed;
    return {
      kind: 'media',
      mediaType: type,
      mediaId: media.id,
      ...(media.mime_type === undefined ? {} : { mimeType: media.mime_type }),
      ...(media.caption === undefined ? {} : { caption: media.caption }),
      ...(media.filename === undefined ? {} : { filename: media.filename }),
      ...(media.sha256 === undefined ? {} : { sha256: media.sha256 }),
    };
  }
  return { kind: 'other', type, summary: `${clip(type)}: unknown message type` };
}

function isMediaType(type: string): type is MediaType {
  return (MEDIA_TYPES as readonly string[]).includes(type);
}

function errorTitle(error: WebhookErrorItem): string {
  return error.title ?? error.message ?? `error ${error.code}`;
}

/** WhatsApp timestamps are Unix seconds as strings; a missing or odd one falls back to receipt time. */
function toMillis(timestamp: string | number | undefined, fallback: number): number {
  const seconds = timestamp === undefined || timestamp === '' ? NaN : Number(timestamp);
  return Number.isFinite(seconds) ? seconds * 1000 : fallback;
}

// Type names and fields come from the sender; keep notes and summaries short.
function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}

function quote(text: string): string {
  return JSON.stringify(clip(text));
}
