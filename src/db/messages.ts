import { appendEventCte, eventParams, NOTIFY_APPENDED, type EventInput } from './events';
import type { Db, Statement } from './pool';
import type { InboundContent, InboundMessage, OutboundContent, StatusUpdate } from '../../domain/types';

// Messages in both directions, and the delivery statuses WhatsApp reports for ours.

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

// Folds status reports (rows of `source`: status, occurred_at, error_code, error_title) into the
// columns a message row shows. A status only counts once per (wamid, status): status_events' key.
function foldStatuses(source: string): string {
  return `select (array_agg(status order by delivery_rank(status) desc))[1] as status,
            min(occurred_at) filter (where status = 'sent') as sent_at,
            min(occurred_at) filter (where status = 'delivered') as delivered_at,
            min(occurred_at) filter (where status in ('read', 'played')) as read_at,
            min(occurred_at) filter (where status = 'failed') as failed_at,
            (array_agg(error_code) filter (where status = 'failed'))[1] as error_code,
            (array_agg(error_title) filter (where status = 'failed'))[1] as error_title
     from ${source}`;
}

// The SET list applying a fold `f` to a message row `m`; the times and error only fill in.
const APPLY_FOLD = `sent_at = coalesce(m.sent_at, f.sent_at),
       delivered_at = coalesce(m.delivered_at, f.delivered_at),
       read_at = coalesce(m.read_at, f.read_at),
       failed_at = coalesce(m.failed_at, f.failed_at),
       error_code = coalesce(m.error_code, f.error_code),
       error_title = coalesce(m.error_title, f.error_title)`;

const MARK_ACCEPTED: Statement = {
  name: 'mark_accepted',
  text: `with early as (
     ${foldStatuses('status_events where wa_message_id = $2')}
   ), accepted as (
     update messages m set
       wa_message_id = $2,
       accepted_at = coalesce(m.accepted_at, now()),
       status = case
         when delivery_rank(f.status) > greatest(delivery_rank(m.status), delivery_rank('accepted')) then f.status
         when delivery_rank(m.status) < delivery_rank('accepted') then 'accepted'
         else m.status end,
       ${APPLY_FOLD}
     from early f
     where m.id = $1
     returning m.id
   ), ${appendEventCte('accepted', 3)}
   select count(*), ${NOTIFY_APPENDED} from accepted`,
};

/**
 * Records WhatsApp's acceptance and applies any status that arrived before the wamid was known, with
 * the message's event, in one statement. The status only moves to a higher rank.
 */
export async function markAccepted(db: Db, id: number, waMessageId: string, event: EventInput): Promise<void> {
  await db.query(MARK_ACCEPTED, [id, waMessageId, ...eventParams(event)]);
}

export async function markFailed(db: Db, id: number, errorCode: number | null, errorTitle: string): Promise<void> {
  await db.query(
    `update messages set status = 'failed', failed_at = coalesce(failed_at, now()), error_code = $2, error_title = $3
     where id = $1`,
    [id, errorCode, errorTitle],
  );
}

// The statement's snapshot does not see the row it inserts: the fold reads it from `recorded`. Whom a
// status named (the BSUIDs) and what WhatsApp bills (`pricing`, on one or two of the statuses) fill in.
// The event waits for the update (`after_update` reads `applied`): the row is locked before the events'
// lock, as mark_accepted locks them. In the other order the two deadlocked, and Postgres found it only
// after deadlock_timeout (1 s) with the events' lock held (test/db/status-lock-order.test.ts).
const RECORD_STATUS: Statement = {
  name: 'record_status',
  text: `with recorded as (
     insert into status_events (wa_message_id, status, occurred_at, error_code, error_title)
     values ($1, $2, to_timestamp($3 / 1000.0), $4, $5)
     on conflict do nothing
     returning status, occurred_at, error_code, error_title
   ), folded as (
     ${foldStatuses(`(select status, occurred_at, error_code, error_title from status_events where wa_message_id = $1
                       union all select * from recorded) as reports`)}
   ), applied as (
     update messages m set
       wa_message_id = $1,
       accepted_at = case when m.wa_message_id is null then coalesce(m.accepted_at, now()) else m.accepted_at end,
       status = case when delivery_rank(f.status) > delivery_rank(m.status) then f.status else m.status end,
       ${APPLY_FOLD},
       pricing = coalesce($9::jsonb, m.pricing),
       recipient_user_id = coalesce($10, m.recipient_user_id),
       recipient_parent_user_id = coalesce($11, m.recipient_parent_user_id)
     from folded f
     where m.direction = 'outbound' and exists (select 1 from recorded)
       and (m.wa_message_id = $1
            or (m.wa_message_id is null and m.idempotency_key = $12 and m.status not in ('failed')))
     returning m.id
   ), after_update as (
     select 1 from recorded where (select count(*) from applied) >= 0
   ), ${appendEventCte(
     'after_update',
     6,
     `(select contact_id from messages where wa_message_id = $1
       or (wa_message_id is null and idempotency_key = $12 and direction = 'outbound') limit 1)`,
   )}
   select ${NOTIFY_APPENDED}`,
};

/**
 * Stores one status report (once per wamid and status), folds it into the message's row and appends a
 * status event, in one statement. The row's status only moves to a higher rank, so late reports change
 * nothing, and a repeated report changes and appends nothing. A report for a wamid not stored yet waits
 * in status_events for `markAccepted`. The event belongs to the message's contact, whichever identifier
 * the status named. A status carrying the send's idempotency key (`callbackData`, echoed from
 * biz_opaque_callback_data) stores its wamid on that key's row when the row has none yet: WhatsApp
 * accepted a send whose answer was never stored (a crash), and a retry then finds it instead of
 * sending again. Every key is matched, a campaign's and a reply's alike; a key is unique to its row.
 */
export async function recordStatus(db: Db, update: StatusUpdate): Promise<void> {
  const event: EventInput = {
    kind: 'status',
    contactId: null,
    payload: { waMessageId: update.waMessageId, status: update.status, errorCode: update.errorCode ?? null },
  };
  await db.query(RECORD_STATUS, [
    update.waMessageId,
    update.status,
    update.timestamp,
    update.errorCode ?? null,
    update.errorTitle ?? null,
    ...eventParams(event),
    update.pricing === undefined ? null : JSON.stringify(update.pricing),
    update.recipientUserId ?? null,
    update.recipientParentUserId ?? null,
    update.callbackData ?? null,
  ]);
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
