import { appendEventCte, appendEventsCte, eventParams, NOTIFY_APPENDED, type EventInput } from './events';
import type { Db, Statement } from './pool';
import type { StatusUpdate } from '../../domain/types';

// The delivery statuses WhatsApp reports for our messages: stored once per (wamid, status) in
// status_events and folded into the message's row, one by one or many in one statement; and the
// acceptance of a send, which applies the statuses that arrived before its wamid was known.

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

// The same as one record_status per report, in order, in one statement (one round trip, one commit).
// A report repeated within the batch counts once, as its first copy. A row is reached by its wamid
// from the start, or by the key of a new report still without a wamid from that report on (`since`):
// the pricing and BSUIDs of reports before it would not have reached it one by one. The fold reads
// every report of the wamid, so several of one batch (sent, delivered, read) give the row one by one
// would. Locks, in an order two batches share so neither waits for the other in a cycle: the reports'
// keys (sorted by wamid and status), then the message rows (by id, `for update`), then the events'
// lock last, as mark_accepted takes its row before it (test/db/status-lock-order.test.ts).
const RECORD_STATUSES: Statement = {
  name: 'record_statuses',
  text: `with input as (
     select * from unnest($1::text[], $2::text[], $3::numeric[], $4::integer[], $5::text[], $6::text[], $7::text[],
                          $8::text[], $9::text[])
       with ordinality as i(wa_message_id, status, at_ms, error_code, error_title, pricing, recipient_user_id,
                            recipient_parent_user_id, callback_data, ord)
   ), firsts as (
     select distinct on (wa_message_id, status) * from input order by wa_message_id, status, ord
   ), recorded as (
     insert into status_events (wa_message_id, status, occurred_at, error_code, error_title)
     select wa_message_id, status, to_timestamp(at_ms / 1000.0), error_code, error_title from firsts
     order by wa_message_id, status
     on conflict do nothing
     returning wa_message_id, status, occurred_at, error_code, error_title
   ), news as (
     select f.wa_message_id, f.status, f.error_code, f.pricing::jsonb as pricing, f.recipient_user_id,
            f.recipient_parent_user_id, f.callback_data, f.ord
     from recorded r join firsts f on f.wa_message_id = r.wa_message_id and f.status = r.status
   ), locked as (
     select m.id, m.wa_message_id, m.idempotency_key from messages m
     where m.direction = 'outbound'
       -- As arrays: the two unique indexes are searched, where in (select …) scanned every row.
       and (m.wa_message_id = any(array(select wa_message_id from news))
            or (m.wa_message_id is null and m.idempotency_key = any(array(select callback_data from news))
                and m.status not in ('failed')))
     order by m.id
     for update of m
   ), reach as (
     select distinct on (l.id) l.id, n.wa_message_id,
            case when l.wa_message_id is null then n.ord else 0 end as since
     from locked l join news n
       on l.wa_message_id = n.wa_message_id or (l.wa_message_id is null and l.idempotency_key = n.callback_data)
     order by l.id, n.ord
   ), folded as (
     select w.wa_message_id, f.* from (select distinct wa_message_id from reach) w, lateral (
       ${foldStatuses(`(select status, occurred_at, error_code, error_title from status_events s
                         where s.wa_message_id = w.wa_message_id
                         union all select status, occurred_at, error_code, error_title from recorded r
                         where r.wa_message_id = w.wa_message_id) as reports`)}
     ) f
   ), applied as (
     update messages m set
       wa_message_id = r.wa_message_id,
       accepted_at = case when m.wa_message_id is null then coalesce(m.accepted_at, now()) else m.accepted_at end,
       status = case when delivery_rank(f.status) > delivery_rank(m.status) then f.status else m.status end,
       ${APPLY_FOLD},
       pricing = coalesce(${latestSince('pricing')}, m.pricing),
       recipient_user_id = coalesce(${latestSince('recipient_user_id')}, m.recipient_user_id),
       recipient_parent_user_id = coalesce(${latestSince('recipient_parent_user_id')}, m.recipient_parent_user_id)
     from reach r join folded f on f.wa_message_id = r.wa_message_id
     where m.id = r.id
     returning m.id, m.contact_id, r.wa_message_id, r.since
   ), status_events_of_batch as (
     select n.ord, 'status' as kind,
            coalesce(
              (select a.contact_id from applied a where a.wa_message_id = n.wa_message_id and a.since <= n.ord limit 1),
              (select contact_id from messages where wa_message_id = n.wa_message_id
                 or (wa_message_id is null and idempotency_key = n.callback_data and direction = 'outbound') limit 1)
            ) as contact_id,
            jsonb_build_object('waMessageId', n.wa_message_id, 'status', n.status, 'errorCode', n.error_code) as payload
     from news n where (select count(*) from applied) >= 0
   ), ${appendEventsCte('status_events_of_batch')}
   select ${NOTIFY_APPENDED}`,
};

// The last value of `column` among a row's new reports from the one that reached it on (see above).
function latestSince(column: string): string {
  return `(select n.${column} from news n where n.wa_message_id = r.wa_message_id and n.ord >= r.since
             and n.${column} is not null order by n.ord desc limit 1)`;
}

/** How many reports one `recordStatuses` statement takes at most. */
export const MAX_STATUS_BATCH = 500;

/**
 * Records several status reports in one statement, with exactly the effect of `recordStatus` on each
 * in order: rows, status_events and events alike. Values the store refuses fail the whole batch; the
 * caller can then record them one by one to find the refused one.
 */
export async function recordStatuses(db: Db, updates: readonly StatusUpdate[]): Promise<void> {
  if (updates.length === 0) return;
  if (updates.length > MAX_STATUS_BATCH) throw new RangeError(`at most ${MAX_STATUS_BATCH} statuses in one batch`);
  const column = <T>(read: (update: StatusUpdate) => T | undefined): (T | null)[] =>
    updates.map((update) => read(update) ?? null);
  await db.query(RECORD_STATUSES, [
    column((u) => u.waMessageId),
    column((u) => u.status),
    column((u) => u.timestamp),
    column((u) => u.errorCode),
    column((u) => u.errorTitle),
    column((u) => (u.pricing === undefined ? undefined : JSON.stringify(u.pricing))),
    column((u) => u.recipientUserId),
    column((u) => u.recipientParentUserId),
    column((u) => u.callbackData),
  ]);
}
