import crypto from 'node:crypto';
import type { Queryable } from './queryable';

// What was set aside because it could not be handled: webhook messages and statuses, payment events,
// and whatever a conversation could not carry out (an inbound message, agent action, payment or timer).
// The raw item is kept as JSON text cut to RAW_MAX_CHARS, written by a serializer of our own that
// stops at a depth and a length, so no item (however large, deep or strange) fails to be stored.

export const QUARANTINE_SOURCES = ['webhook_message', 'webhook_status', 'payment', 'conversation'] as const;
export type QuarantineSource = (typeof QUARANTINE_SOURCES)[number];

/**
 * Why an item was set aside. The WhatsApp webhook's reasons are explained in parse-webhook.ts;
 * `store_refused`: Postgres refused a value the parser let through; `invalid_reference` and
 * `invalid_amount`: a payment event whose reference cannot be one of ours or whose amount is no amount.
 * A conversation's own: `step_failed` (the flow threw on the event), `media_unavailable` (WhatsApp
 * refused for good to hand over a photo), `failed` (any other failure that no retry can mend).
 */
export const QUARANTINE_REASONS = [
  'malformed',
  'invalid_id',
  'invalid_sender',
  'invalid_recipient',
  'unknown_status',
  'foreign_number',
  'store_refused',
  'invalid_reference',
  'invalid_amount',
  'step_failed',
  'media_unavailable',
  'failed',
] as const;
export type QuarantineReason = (typeof QUARANTINE_REASONS)[number];

export interface QuarantineInput {
  source: QuarantineSource;
  reason: QuarantineReason;
  /** The item as it arrived; callers leave out anything secret. */
  raw: unknown;
  /** The conversation the item belongs to, when known. */
  contactId?: string;
}

export interface QuarantinedRow {
  id: number;
  at: Date;
  source: QuarantineSource;
  reason: QuarantineReason;
  contactId: string | null;
  /** JSON, unless `rawTruncated`: then its first RAW_MAX_CHARS characters. */
  raw: string;
  rawTruncated: boolean;
}

interface DbQuarantined {
  id: string;
  at: Date;
  source: QuarantineSource;
  reason: QuarantineReason;
  contact_id: string | null;
  raw: string;
  raw_truncated: boolean;
}

/** Enough of an item to see what was wrong with it. */
export const RAW_MAX_CHARS = 4096;
// Items deeper than this are cut; Meta's own are five levels deep at most.
const MAX_DEPTH = 32;
// Two items that agree this far are one item.
const FINGERPRINT_CHARS = 65_536;

/**
 * Stores items in one statement; an item already stored (a redelivered webhook, a repeated payment
 * event) adds no row.
 */
export async function quarantineItems(db: Queryable, items: readonly QuarantineInput[]): Promise<void> {
  if (items.length === 0) return;
  const rows = items.map((item) => {
    const whole = boundedJson(item.raw, FINGERPRINT_CHARS).text;
    const raw = boundedJson(item.raw, RAW_MAX_CHARS);
    const fingerprint = crypto
      .createHash('sha256')
      .update(`${item.source}\n${item.reason}\n${item.contactId ?? ''}\n${whole}`)
      .digest('hex');
    return { ...item, raw, fingerprint };
  });
  await db.query(
    `insert into quarantine (source, reason, raw, raw_truncated, fingerprint, contact_id)
     select * from unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::text[], $6::text[])
     on conflict (fingerprint) do nothing`,
    [
      rows.map((r) => r.source),
      rows.map((r) => r.reason),
      rows.map((r) => r.raw.text),
      rows.map((r) => r.raw.truncated),
      rows.map((r) => r.fingerprint),
      rows.map((r) => r.contactId ?? null),
    ],
  );
}

/** Newest first. `beforeId` is the keyset cursor: the id of the last item of the previous page. */
export async function listQuarantined(
  db: Queryable,
  filter: {
    source?: QuarantineSource;
    reason?: QuarantineReason;
    contactId?: string;
    beforeId?: number;
    limit: number;
  },
): Promise<QuarantinedRow[]> {
  const { rows } = await db.query<DbQuarantined>(
    `select id, at, source, reason, contact_id, raw, raw_truncated
     from quarantine
     where ($1::text is null or source = $1)
       and ($2::text is null or reason = $2)
       and ($3::text is null or contact_id = $3)
       and ($4::bigint is null or id < $4)
     order by id desc
     limit $5`,
    [filter.source ?? null, filter.reason ?? null, filter.contactId ?? null, filter.beforeId ?? null, filter.limit],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    at: row.at,
    source: row.source,
    reason: row.reason,
    contactId: row.contact_id,
    raw: row.raw,
    rawTruncated: row.raw_truncated,
  }));
}

/** What a conversation set aside, as its history shows it: when, why, and what kind of item. */
export interface SetAsideEntry {
  id: number;
  at: Date;
  reason: QuarantineReason;
  /** `message` (an inbound message, with its wamid), or the event that caused the step. */
  kind: 'message' | 'agent_command' | 'payment' | 'timer' | 'other';
  waMessageId?: string;
}

/** The latest `limit` items the contact's conversation set aside, oldest first. */
export async function listSetAside(db: Queryable, contactId: string, limit: number): Promise<SetAsideEntry[]> {
  const rows = await listQuarantined(db, { source: 'conversation', contactId, limit });
  return rows.reverse().map((row) => ({ id: row.id, at: row.at, reason: row.reason, ...describeSetAside(row) }));
}

function describeSetAside(row: QuarantinedRow): Pick<SetAsideEntry, 'kind' | 'waMessageId'> {
  let raw: unknown;
  try {
    raw = JSON.parse(row.raw);
  } catch {
    // Cut to RAW_MAX_CHARS: its kind can no longer be read.
    return { kind: 'other' };
  }
  const item = raw as { inbound?: { waMessageId?: unknown }; event?: { type?: unknown }; agent?: unknown };
  if (item.inbound) {
    const id = item.inbound.waMessageId;
    return typeof id === 'string' ? { kind: 'message', waMessageId: id } : { kind: 'message' };
  }
  const type = item.event?.type;
  if (item.agent !== undefined || (typeof type === 'string' && type.startsWith('agent')))
    return { kind: 'agent_command' };
  if (type === 'paymentConfirmed' || (raw as { payment?: unknown }).payment !== undefined) return { kind: 'payment' };
  if (type === 'timer' || (raw as { timer?: unknown }).timer !== undefined) return { kind: 'timer' };
  return { kind: 'other' };
}

/** How many items were quarantined for each reason, ever; every reason is there, at 0 if need be. */
export async function countQuarantined(db: Queryable): Promise<Map<QuarantineReason, number>> {
  const { rows } = await db.query<{ reason: QuarantineReason; count: string }>(
    'select reason, count(*) as count from quarantine group by reason',
  );
  const counts = new Map<QuarantineReason, number>(QUARANTINE_REASONS.map((reason) => [reason, 0]));
  for (const row of rows) counts.set(row.reason, Number(row.count));
  return counts;
}

/**
 * `value` as JSON of at most `maxChars` UTF-16 units, cut below MAX_DEPTH. Strings go through
 * JSON.stringify, which escapes U+0000 and unpaired surrogates, so the text is always storable.
 */
export function boundedJson(value: unknown, maxChars: number): { text: string; truncated: boolean } {
  const parts: string[] = [];
  let length = 0;
  let truncated = false;
  const full = () => {
    if (length >= maxChars) truncated = true;
    return truncated;
  };
  const push = (text: string) => {
    parts.push(text);
    length += text.length;
  };
  const walk = (node: unknown, depth: number): void => {
    if (full()) return;
    if (typeof node === 'string') {
      // Only the part that can fit is escaped.
      if (node.length > maxChars) truncated = true;
      return push(JSON.stringify(node.slice(0, maxChars)));
    }
    if (node === null || typeof node !== 'object') return push(JSON.stringify(node) ?? 'null');
    if (depth >= MAX_DEPTH) {
      truncated = true;
      return push('"…"');
    }
    if (Array.isArray(node)) {
      push('[');
      for (let i = 0; i < node.length && !full(); i++) {
        if (i > 0) push(',');
        walk(node[i], depth + 1);
      }
      return push(']');
    }
    push('{');
    let first = true;
    for (const key in node) {
      if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
      if (full()) break;
      push(`${first ? '' : ','}${JSON.stringify(key.slice(0, maxChars))}:`);
      first = false;
      walk((node as Record<string, unknown>)[key], depth + 1);
    }
    push('}');
  };
  walk(value, 0);
  const text = parts.join('');
  if (text.length <= maxChars) return { text, truncated };
  // Cut in UTF-16 units; a pair cut in half loses its first half too.
  const cut = text.slice(0, maxChars).replace(/[\ud800-\udbff]$/, '');
  return { text: cut, truncated: true };
}
