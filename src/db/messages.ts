import { appendEventCte, eventParams, NOTIFY_APPENDED, type EventInput } from './events';
import type { Db, Statement } from './pool';
import type { InboundContent, InboundMessage, OutboundContent } from '../../domain/types';

// Messages in both directions. The delivery statuses WhatsApp reports for ours live in statuses.ts;
// the calls the send's activities make are still found here.
export { markAccepted, markFailed, recordStatus } from './statuses';

export type Sender = 'user' | 'bot' | 'agent' | 'business_app';
export type DeliveryStatus = 'received' | 'pending' | 'accepted' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';

interface DbMessage {
  id: string;
  contact_id: string;
  direction: 'inbound' | 'outbound';
  sender: Sender;
  sender_name: string | null;
  wa_message_id: string | null;
  idempotency_key: string;
  type: string;
  body: string | null;
  payload: unknown;
  media_id: string | null;
  context_wa_message_id: string | null;
  status: DeliveryStatus;
  error_code: number | null;
  error_title: string | null;
  wa_timestamp: Date | null;
  accepted_at: Date | null;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
  attempts: number;
  created_at: Date;
}

const MESSAGE_COLUMNS = `id, contact_id, direction, sender, sender_name, wa_message_id, idempotency_key, type, body,
  payload, media_id, context_wa_message_id, status, error_code, error_title, wa_timestamp, accepted_at, sent_at,
  delivered_at, read_at, failed_at, attempts, created_at`;

export interface StoredMessage {
  id: number;
  contactId: string;
  direction: 'inbound' | 'outbound';
  sender: Sender;
  senderName: string | null;
  waMessageId: string | null;
  type: string;
  body: string | null;
  payload: unknown;
  mediaId: string | null;
  contextWaMessageId: string | null;
  status: DeliveryStatus;
  errorCode: number | null;
  errorTitle: string | null;
  waTimestamp: Date | null;
  acceptedAt: Date | null;
  sentAt: Date | null;
  deliveredAt: Date | null;
  readAt: Date | null;
  failedAt: Date | null;
  attempts: number;
  createdAt: Date;
}

function toMessage(row: DbMessage): StoredMessage {
  return {
    id: Number(row.id),
    contactId: row.contact_id,
    direction: row.direction,
    sender: row.sender,
    senderName: row.sender_name,
    waMessageId: row.wa_message_id,
    type: row.type,
    body: row.body,
    payload: row.payload,
    mediaId: row.media_id,
    contextWaMessageId: row.context_wa_message_id,
    status: row.status,
    errorCode: row.error_code,
    errorTitle: row.error_title,
    waTimestamp: row.wa_timestamp,
    acceptedAt: row.accepted_at,
    sentAt: row.sent_at,
    deliveredAt: row.delivered_at,
    readAt: row.read_at,
    failedAt: row.failed_at,
    attempts: row.attempts,
    createdAt: row.created_at,
  };
}

/** The stored type name and the human-readable body of an inbound message. */
export function describeInbound(content: InboundContent): {
  type: string;
  body: string | null;
  mediaId: string | null;
} {
  switch (content.kind) {
    case 'text':
      return { type: 'text', body: content.text, mediaId: null };
    case 'button':
    case 'list':
      return { type: content.kind, body: content.title, mediaId: null };
    case 'template_button':
      return { type: 'template_button', body: content.text, mediaId: null };
    case 'media':
      return { type: content.mediaType, body: content.caption ?? content.filename ?? null, mediaId: content.mediaId };
    case 'location':
      return {
        type: 'location',
        body: content.name ?? content.address ?? `${content.latitude},${content.longitude}`,
        mediaId: null,
      };
    case 'reaction':
      return { type: 'reaction', body: content.emoji ?? null, mediaId: null };
    case 'edit':
      return { type: 'edit', body: content.text, mediaId: null };
    case 'revoke':
      return { type: 'revoke', body: null, mediaId: null };
    case 'other':
      return { type: content.type, body: content.summary, mediaId: null };
  }
}

/** The human-readable body of an outbound message, as the user will read it. */
export function describeOutbound(content: OutboundContent): string {
  switch (content.kind) {
    case 'text':
      return content.text;
    case 'template':
      return content.rendered;
    case 'media':
      return content.caption ?? content.filename ?? '';
    default:
      return content.body;
  }
}

const STORE_INBOUND: Statement = {
  name: 'store_inbound',
  text: `with stored as (
     insert into messages (contact_id, direction, sender, wa_message_id, idempotency_key, type, body, payload, media_id,
                           context_wa_message_id, status, wa_timestamp, created_at)
     values ($1, 'inbound', 'user', $2, $3, $4, $5, $6, $7, $8, 'received', to_timestamp($9 / 1000.0), to_timestamp($10 / 1000.0))
     on conflict (wa_message_id) do update set wa_message_id = excluded.wa_message_id
     returning idempotency_key, xmax = 0 as inserted
   ), touched as (
     insert into conversations (contact_id, profile_name, last_inbound_at, last_activity_at)
     values ($1, $11, to_timestamp($9 / 1000.0), now())
     on conflict (contact_id) do update set
       profile_name = coalesce(excluded.profile_name, conversations.profile_name),
       last_inbound_at = greatest(conversations.last_inbound_at, excluded.last_inbound_at),
       last_activity_at = now()
   ), inserted as (
     select 1 from stored where inserted
   ), ${appendEventCte('inserted', 12)}
   select idempotency_key, ${NOTIFY_APPENDED} from stored`,
};

/**
 * Stores one inbound message once per wamid, creates or touches its conversation and appends its event,
 * in one statement (one commit). `ingestKey` marks who stored a row: a retried activity attempt finds
 * its own key and goes on, while a redelivery (a row stored under another key) is reported as a
 * duplicate so it has no effect. Only a row actually inserted appends an event.
 */
export async function storeInbound(
  db: Db,
  contactId: string,
  message: InboundMessage,
  ingestKey: string,
): Promise<{ duplicate: boolean }> {
  const { type, body, mediaId } = describeInbound(message.content);
  const event: EventInput = {
    kind: 'message',
    contactId,
    payload: {
      direction: 'inbound',
      sender: 'user',
      waMessageId: message.waMessageId,
      type,
      body,
      at: new Date(message.sentAt).toISOString(),
    },
  };
  const { rows } = await db.query<{ idempotency_key: string }>(STORE_INBOUND, [
    contactId,
    message.waMessageId,
    ingestKey,
    type,
    body,
    JSON.stringify(message.content),
    mediaId,
    message.contextId ?? null,
    message.sentAt,
    message.receivedAt,
    message.profileName ?? null,
    ...eventParams(event),
  ]);
  return { duplicate: rows[0]!.idempotency_key !== ingestKey };
}

const STORE_ECHO: Statement = {
  name: 'store_echo',
  text: `with stored as (
     insert into messages (contact_id, direction, sender, wa_message_id, idempotency_key, type, body, payload, media_id,
                           status, wa_timestamp, accepted_at, sent_at, created_at)
     values ($1, 'outbound', 'business_app', $2, 'echo:' || $2, $3, $4, $5, $6, 'sent', to_timestamp($7 / 1000.0),
             to_timestamp($7 / 1000.0), to_timestamp($7 / 1000.0), to_timestamp($8 / 1000.0))
     on conflict do nothing
     returning id
   ), touched as (
     insert into conversations (contact_id, last_activity_at)
     select $1, now() from stored
     on conflict (contact_id) do update set last_activity_at = now()
   ), ${appendEventCte('stored', 9)}
   select count(*)::int as inserted, ${NOTIFY_APPENDED} from stored`,
};

/**
 * Stores a message the business sent from the WhatsApp Business app (a coexistence echo) as its own
 * outbound message in the contact's history: sender `business_app`, status `sent`, once per wamid, with
 * its event for the console, in one statement. It never touches `last_inbound_at`: only the user's own
 * messages open the 24-hour window. A redelivered echo changes and appends nothing.
 */
export async function storeEcho(
  db: Db,
  contactId: string,
  echo: { waMessageId: string; sentAt: number; content: InboundContent },
  receivedAt: number,
): Promise<{ duplicate: boolean }> {
  const { type, body, mediaId } = describeInbound(echo.content);
  const event: EventInput = {
    kind: 'message',
    contactId,
    payload: {
      direction: 'outbound',
      sender: 'business_app',
      senderName: null,
      waMessageId: echo.waMessageId,
      type,
      body,
      status: 'sent',
      at: new Date(echo.sentAt).toISOString(),
    },
  };
  const { rows } = await db.query<{ inserted: number }>(STORE_ECHO, [
    contactId,
    echo.waMessageId,
    type,
    body,
    JSON.stringify(echo.content),
    mediaId,
    echo.sentAt,
    receivedAt,
    ...eventParams(event),
  ]);
  return { duplicate: rows[0]!.inserted === 0 };
}

export interface OutboundRow {
  id: number;
  waMessageId: string | null;
  status: DeliveryStatus;
  errorCode: number | null;
  /** Where it goes now: the contact's current phone and BSUID (read in the same statement). */
  to: { phone: string | null; bsuid: string | null };
}

const UPSERT_OUTBOUND: Statement = {
  name: 'upsert_outbound',
  text: `insert into messages (contact_id, direction, sender, sender_name, idempotency_key, type, body, payload, context_wa_message_id, status, attempts)
   values ($1, 'outbound', $2, $3, $4, $5, $6, $7, $8, 'pending', $9)
   on conflict (idempotency_key) do update set
     attempts = messages.attempts + case when messages.wa_message_id is null and messages.status <> 'failed' then excluded.attempts else 0 end
   returning id, wa_message_id, status, error_code,
     (select phone from contacts where id = messages.contact_id) as to_phone,
     (select bsuid from contacts where id = messages.contact_id) as to_bsuid`,
};

/**
 * Creates the row of one logical outbound message, or returns the row an earlier attempt created.
 * `countAttempt`: a send is about to be attempted, so a row without a wamid that has not failed counts
 * one more attempt (in the same statement).
 */
export async function upsertOutbound(
  db: Db,
  input: {
    contactId: string;
    key: string;
    sender: Exclude<Sender, 'user' | 'business_app'>;
    senderName?: string;
    content: OutboundContent;
    contextWaMessageId?: string;
  },
  options: { countAttempt?: boolean } = {},
): Promise<OutboundRow> {
  const { rows } = await db.query<{
    id: string;
    wa_message_id: string | null;
    status: DeliveryStatus;
    error_code: number | null;
    to_phone: string | null;
    to_bsuid: string | null;
  }>(UPSERT_OUTBOUND, [
    input.contactId,
    input.sender,
    input.senderName ?? null,
    input.key,
    // A file is stored by its kind (image, document…), as a student's files are.
    input.content.kind === 'media' ? input.content.mediaType : input.content.kind,
    describeOutbound(input.content),
    JSON.stringify(input.content),
    input.contextWaMessageId ?? null,
    options.countAttempt ? 1 : 0,
  ]);
  const row = rows[0]!;
  return {
    id: Number(row.id),
    waMessageId: row.wa_message_id,
    status: row.status,
    errorCode: row.error_code,
    to: { phone: row.to_phone, bsuid: row.to_bsuid },
  };
}

/** The whole history of one conversation, oldest first. */
export async function listMessages(db: Db, contactId: string): Promise<StoredMessage[]> {
  // The columns by name: the row also holds the search's tsvector, which no reader of a history needs.
  const { rows } = await db.query<DbMessage>(
    `select ${MESSAGE_COLUMNS} from messages where contact_id = $1 order by id`,
    [contactId],
  );
  return rows.map(toMessage);
}
