import crypto from 'node:crypto';
import type { Queryable } from '../../src/db/queryable';

// Rows of every kind retention prunes, written straight into the tables with the age a test needs (the
// product's own writers always stamp now()).

const DAY_MS = 24 * 60 * 60 * 1000;

export const daysAgo = (days: number): Date => new Date(Date.now() - days * DAY_MS);

export const newContactId = (): string => `ct_${crypto.randomBytes(10).toString('hex')}`;

/**
 * An inbound message stored `days` ago, with what copies it: a delivery status under its wamid and the
 * console stream's event. `mediaId`: the WhatsApp media id it names.
 */
export async function seedMessage(
  db: Queryable,
  contactId: string,
  days: number,
  options: { mediaId?: string } = {},
): Promise<{ id: number; waMessageId: string }> {
  const at = daysAgo(days);
  const waMessageId = `wamid.${crypto.randomBytes(8).toString('hex')}`;
  const { rows } = await db.query<{ id: string }>(
    `insert into messages (contact_id, direction, sender, wa_message_id, idempotency_key, type, body, media_id, status, created_at)
     values ($1, 'inbound', 'user', $2, $2, $3, 'hello', $4, 'received', $5) returning id`,
    [contactId, waMessageId, options.mediaId === undefined ? 'text' : 'image', options.mediaId ?? null, at],
  );
  await db.query(
    `insert into status_events (wa_message_id, status, occurred_at, received_at) values ($1, 'read', $2, $2)`,
    [waMessageId, at],
  );
  await db.query(`insert into events (at, kind, contact_id, payload) values ($1, 'message', $2, $3)`, [
    at,
    contactId,
    JSON.stringify({ waMessageId }),
  ]);
  return { id: Number(rows[0]!.id), waMessageId };
}

/** A chat session started `days` ago, still open unless `endedDays` says when it ended. */
export async function seedChat(db: Queryable, contactId: string, days: number, endedDays?: number): Promise<void> {
  await db.query(
    `insert into chat_sessions (contact_id, started_by, started_at, ended_at, ended_by, session_key)
     values ($1, 'user', $2, $3, $4, $5)`,
    [
      contactId,
      daysAgo(days),
      endedDays === undefined ? null : daysAgo(endedDays),
      endedDays === undefined ? null : 'user',
      `chat-${crypto.randomBytes(6).toString('hex')}`,
    ],
  );
}

/** A student's photo downloaded `days` ago; returns its row id. */
export async function seedMedia(db: Queryable, waMediaId: string, days: number): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `insert into media (wa_media_id, mime_type, size_bytes, data, origin, created_at)
     values ($1, 'image/jpeg', 3, '\\x010203', 'whatsapp', $2) returning id`,
    [waMediaId, daysAgo(days)],
  );
  return Number(rows[0]!.id);
}

/** A homework photo submitted with the stored file `mediaRowId`. */
export async function seedHomeworkPhoto(db: Queryable, contactId: string, mediaRowId: number): Promise<string> {
  const reference = `HW-${crypto.randomBytes(4).toString('hex')}`;
  await db.query(
    `insert into homework (reference, contact_id, subject, kind, media_id) values ($1, $2, 'maths', 'image', $3)`,
    [reference, contactId, mediaRowId],
  );
  return reference;
}

export async function seedAudit(db: Queryable, days: number): Promise<void> {
  await db.query(
    `insert into audit_log (at, actor, action, outcome, http_status) values ($1, 'ADMIN_TOKEN', 'conversations.list', 'ok', 200)`,
    [daysAgo(days)],
  );
}

export async function seedQuarantine(db: Queryable, days: number): Promise<void> {
  await db.query(
    `insert into quarantine (at, source, reason, raw, raw_truncated, fingerprint)
     values ($1, 'webhook_message', 'malformed', '{}', false, $2)`,
    [daysAgo(days), crypto.randomBytes(16).toString('hex')],
  );
}

/** How many rows `table` holds where `where` holds. */
export async function countRows(db: Queryable, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: string }>(`select count(*) as n from ${table} where ${where}`, params);
  return Number(rows[0]!.n);
}
