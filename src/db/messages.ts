import type { PoolClient } from 'pg';
import type { Db } from './pool';
import type { InboundContent, InboundMessage, OutboundContent, StatusUpdate } from '../../workflows/types';

// Messages in both directions, and the delivery statuses WhatsApp reports for ours.

export type Sender = 'user' | 'bot' | 'agent';
export type DeliveryStatus = 'received' | 'pending' | 'accepted' | 'sent' | 'delivered' | 'read' | 'played' | 'failed';

interface DbMessage {
  id: string;
  phone: string;
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

export interface StoredMessage {
  id: number;
  phone: string;
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
    phone: row.phone,
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
export function describeInbound(content: InboundContent): { type: string; body: string | null; mediaId: string | null } {
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
      return { type: 'location', body: content.name ?? content.address ?? `${content.latitude},${content.longitude}`, mediaId: null };
    case 'reaction':
      return { type: 'reaction', body: content.emoji ?? null, mediaId: null };
    case 'other':
      return { type: content.type, body: content.summary, mediaId: null };
  }
}

/** The human-readable body of an outbound message, as the user will read it. */
export function describeOutbound(content: OutboundContent): string {
  return content.kind === 'text' ? content.text : content.body;
}

/**
 * Stores inbound messages once per wamid. `ingestKey` marks who stored a row: a retried activity
 * attempt finds its own key and goes on, while a redelivery (a row stored under another key) is
 * reported as a duplicate so it has no effect.
 */
export async function insertInbound(
  client: PoolClient,
  items: { message: InboundMessage; ingestKey: string }[],
): Promise<{ waMessageId: string; duplicate: boolean }[]> {
  const results: { waMessageId: string; duplicate: boolean }[] = [];
  for (const { message, ingestKey } of items) {
    const { type, body, mediaId } = describeInbound(message.content);
    const { rows } = await client.query<{ idempotency_key: string }>(
      `insert into messages (phone, direction, sender, wa_message_id, idempotency_key, type, body, payload, media_id,
                             context_wa_message_id, status, wa_timestamp, created_at)
       values ($1, 'inbound', 'user', $2, $3, $4, $5, $6, $7, $8, 'received', to_timestamp($9 / 1000.0), to_timestamp($10 / 1000.0))
       on conflict (wa_message_id) do update set wa_message_id = excluded.wa_message_id
       returning idempotency_key`,
      [
        message.from,
        message.waMessageId,
        ingestKey,
        type,
        body,
        JSON.stringify(message.content),
        mediaId,
        message.contextId ?? null,
        message.sentAt,
        message.receivedAt,
      ],
    );
    results.push({ waMessageId: message.waMessageId, duplicate: rows[0]!.idempotency_key !== ingestKey });
  }
  return results;
}

export interface OutboundRow {
  id: number;
  waMessageId: string | null;
  status: DeliveryStatus;
  errorCode: number | null;
}

/** Creates the row of one logical outbound message, or returns the row an earlier attempt created. */
export async function upsertOutbound(
  db: Db,
  input: {
    phone: string;
    key: string;
    sender: Exclude<Sender, 'user'>;
    senderName?: string;
    content: OutboundContent;
    contextWaMessageId?: string;
  },
): Promise<OutboundRow> {
  const { rows } = await db.query<{ id: string; wa_message_id: string | null; status: DeliveryStatus; error_code: number | null }>(
    `insert into messages (phone, direction, sender, sender_name, idempotency_key, type, body, payload, context_wa_message_id, status)
     values ($1, 'outbound', $2, $3, $4, $5, $6, $7, $8, 'pending')
     on conflict (idempotency_key) do update set idempotency_key = excluded.idempotency_key
     returning id, wa_message_id, status, error_code`,
    [
      input.phone,
      input.sender,
      input.senderName ?? null,
      input.key,
      input.content.kind,
      describeOutbound(input.content),
      JSON.stringify(input.content),
      input.contextWaMessageId ?? null,
    ],
  );
  const row = rows[0]!;
  return { id: Number(row.id), waMessageId: row.wa_message_id, status: row.status, errorCode: row.error_code };
}

export async function countSendAttempt(db: Db, id: number): Promise<void> {
  await db.query('update messages set attempts = attempts + 1 where id = $1', [id]);
}

/** Records WhatsApp's acceptance, then applies any status that arrived before the wamid was known. */
export async function markAccepted(db: Db, id: number, waMessageId: string): Promise<void> {
  await db.query(
    `update messages set wa_message_id = $2, accepted_at = coalesce(accepted_at, now()),
            status = case when delivery_rank(status) < delivery_rank('accepted') then 'accepted' else status end
     where id = $1`,
    [id, waMessageId],
  );
  await applyStatusEvents(db, waMessageId);
}

export async function markFailed(db: Db, id: number, errorCode: number | null, errorTitle: string): Promise<void> {
  await db.query(
    `update messages set status = 'failed', failed_at = coalesce(failed_at, now()), error_code = $2, error_title = $3
     where id = $1`,
    [id, errorCode, errorTitle],
  );
}

/**
 * Stores one status report (once per wamid and status) and folds every report for that message into
 * its row. The row's status only moves to a higher rank, so late or repeated reports change nothing.
 */
export async function recordStatus(db: Db, update: StatusUpdate): Promise<void> {
  await db.query(
    `insert into status_events (wa_message_id, status, occurred_at, error_code, error_title)
     values ($1, $2, to_timestamp($3 / 1000.0), $4, $5)
     on conflict do nothing`,
    [update.waMessageId, update.status, update.timestamp, update.errorCode ?? null, update.errorTitle ?? null],
  );
  await applyStatusEvents(db, update.waMessageId);
}

async function applyStatusEvents(db: Db, waMessageId: string): Promise<void> {
  await db.query(
    `update messages m set
        status = case when delivery_rank(e.status) > delivery_rank(m.status) then e.status else m.status end,
        sent_at = coalesce(m.sent_at, e.sent_at),
        delivered_at = coalesce(m.delivered_at, e.delivered_at),
        read_at = coalesce(m.read_at, e.read_at),
        failed_at = coalesce(m.failed_at, e.failed_at),
        error_code = coalesce(m.error_code, e.error_code),
        error_title = coalesce(m.error_title, e.error_title)
     from (
       select wa_message_id,
              (array_agg(status order by delivery_rank(status) desc))[1] as status,
              min(occurred_at) filter (where status = 'sent') as sent_at,
              min(occurred_at) filter (where status = 'delivered') as delivered_at,
              min(occurred_at) filter (where status in ('read', 'played')) as read_at,
              min(occurred_at) filter (where status = 'failed') as failed_at,
              (array_agg(error_code) filter (where status = 'failed'))[1] as error_code,
              (array_agg(error_title) filter (where status = 'failed'))[1] as error_title
       from status_events where wa_message_id = $1 group by wa_message_id
     ) e
     where m.wa_message_id = e.wa_message_id and m.direction = 'outbound'`,
    [waMessageId],
  );
}

/** The whole history of one conversation, oldest first. */
export async function listMessages(db: Db, phone: string): Promise<StoredMessage[]> {
  const { rows } = await db.query<DbMessage>('select * from messages where phone = $1 order by id', [phone]);
  return rows.map(toMessage);
}
