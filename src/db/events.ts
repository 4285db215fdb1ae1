import type { Db } from './pool';
import type { Queryable } from './queryable';

// The console's event stream: rows appended by whoever changes a conversation, replayed and
// followed by GET /api/admin/events.

export const EVENTS_CHANNEL = 'edubot_events';

// Any constant works; it only has to be the same in every process of this product.
const EVENTS_APPEND_LOCK_ID = 4_211_338;

export interface EventInput {
  /** 'message', 'state', 'status', … */
  kind: string;
  contactId: string | null;
  /** Plain JSON; the console reads it as is. */
  payload: unknown;
}

export interface StoredEvent {
  id: number;
  at: Date;
  kind: string;
  contactId: string | null;
  payload: unknown;
}

interface DbEvent {
  id: string;
  at: Date;
  kind: string;
  contact_id: string | null;
  payload: unknown;
}

function toEvent(row: DbEvent): StoredEvent {
  return { id: Number(row.id), at: row.at, kind: row.kind, contactId: row.contact_id, payload: row.payload };
}

/**
 * The CTE `appended`, for a statement that changes something and records it in the stream at once:
 * one event (parameters $first, $first+1, $first+2: kind, contact id, payload; see `eventParams`) is
 * appended when `whenRowsIn` has a row, so a change that did nothing appends nothing. Readers follow
 * the stream by id ("everything after N"), which is only safe if ids become visible in order: a
 * transaction-scoped advisory lock taken before the id is drawn makes writers draw ids in commit
 * order. The lock sits in a subquery with a volatile function, which the planner never flattens, so
 * it is taken before the insert's default draws nextval; it is held until commit, so a statement
 * built on this should be its own transaction.
 */
export function appendEventCte(whenRowsIn: string | null, first: number, contactFallback?: string): string {
  const gate = whenRowsIn === null ? '' : `(select 1 from ${whenRowsIn} limit 1) as changed, `;
  // A writer that does not know the contact (a status names only its message) says where to read it.
  const contact = contactFallback === undefined ? `$${first + 1}` : `coalesce($${first + 1}, ${contactFallback})`;
  return `appended as (
       insert into events (kind, contact_id, payload)
       select $${first}, ${contact}, $${first + 2}::jsonb
       from ${gate}(select pg_advisory_xact_lock(${EVENTS_APPEND_LOCK_ID})) as serialise_writers
       returning id, at, kind, contact_id, payload
     )`;
}

/**
 * The CTE `appended` for a statement that records several changes at once: one event per row of
 * `rows` (a relation with the columns kind, contact_id, payload (jsonb) and ord), appended in `ord`
 * order under the same lock as `appendEventCte`'s, taken before any id is drawn; no row, no event.
 */
export function appendEventsCte(rows: string): string {
  return `appended as (
       insert into events (kind, contact_id, payload)
       select r.kind, r.contact_id, r.payload
       from (select 1 from ${rows} limit 1) as changed,
            (select pg_advisory_xact_lock(${EVENTS_APPEND_LOCK_ID})) as serialise_writers, ${rows} r
       order by r.ord
       returning id, at, kind, contact_id, payload
     )`;
}

/** A select-list item that notifies listeners of the events in `appended` (at commit). */
export const NOTIFY_APPENDED = `(select count(pg_notify('${EVENTS_CHANNEL}', id::text)) from appended) as notified`;

/** The three parameters `appendEventCte` reads. */
export function eventParams(event: EventInput): unknown[] {
  return [event.kind, event.contactId, JSON.stringify(event.payload ?? {})];
}

/** Appends one event and notifies listeners on EVENTS_CHANNEL; inside a transaction both take effect at commit. */
export async function appendEvent(queryable: Queryable, event: EventInput): Promise<StoredEvent> {
  const { rows } = await queryable.query<DbEvent>(
    `with ${appendEventCte(null, 1)}
     select id, at, kind, contact_id, payload, pg_notify('${EVENTS_CHANNEL}', id::text) from appended`,
    eventParams(event),
  );
  return toEvent(rows[0]!);
}

/** Events with an id above `afterId`, oldest first. */
export async function eventsAfter(db: Db, afterId: number, limit: number): Promise<StoredEvent[]> {
  const { rows } = await db.query<DbEvent>(
    'select id, at, kind, contact_id, payload from events where id > $1 order by id limit $2',
    [afterId, limit],
  );
  return rows.map(toEvent);
}

/** The id of the newest event, 0 when there is none: where a stream without Last-Event-ID starts. */
export async function latestEventId(db: Db): Promise<number> {
  const { rows } = await db.query<{ id: string | null }>('select max(id) as id from events');
  return Number(rows[0]?.id ?? 0);
}

/** Where a replay starts: `after` to read from, `skipped` when events after the asked id are left out. */
export interface ReplayStart {
  after: number;
  skipped: boolean;
}

/**
 * Where a stream resuming after `afterId` starts, so that it replays at most `maxEvents` events and
 * none older than `maxAgeMs`: from the newest `maxEvents` events, those within the age. Reads at most
 * `maxEvents` rows whatever the gap. An id past the newest event (a database restored from an older
 * backup) starts at the newest, skipped: waiting for ids above it would miss every new event.
 */
export async function replayStart(db: Db, afterId: number, maxEvents: number, maxAgeMs: number): Promise<ReplayStart> {
  const { rows } = await db.query<{ latest: string | null; first_after: string | null; first_kept: string | null }>(
    `with recent as (select id, at from events where id > $1 order by id desc limit $2)
     select (select max(id) from events) as latest,
            (select id from events where id > $1 order by id limit 1) as first_after,
            (select min(id) from recent where at >= now() - $3 * interval '1 millisecond') as first_kept`,
    [afterId, maxEvents, maxAgeMs],
  );
  const row = rows[0]!;
  const latest = Number(row.latest ?? 0);
  if (afterId > latest) return { after: latest, skipped: true };
  if (row.first_after === null || row.first_after === row.first_kept) return { after: afterId, skipped: false };
  // Events that no replay will send: the stream starts after them, or at the newest when all are too old.
  return { after: row.first_kept === null ? latest : Number(row.first_kept) - 1, skipped: true };
}
