import type { Queryable } from './queryable';

// Aggregates behind GET /metrics and GET /api/admin/stats. They are computed from the
// rows at read time, so every process (server or worker) contributes and restarts lose nothing.
// Each function is one statement and one pass over its table (or over an index range of it).

/** A half-open interval [from, to). */
export interface TimeRange {
  from: Date;
  to: Date;
}

/**
 * Messages of one (direction, type, error code), and how far the outbound ones got. The progress
 * counts are cumulative ("reached at least"), so they only grow as statuses arrive:
 * sent = WhatsApp accepted the send; delivered = delivered or read; read = read;
 * failed = refused by the Graph API, or reported failed later.
 */
export interface MessageTally {
  direction: 'inbound' | 'outbound';
  type: string;
  errorCode: number | null;
  messages: number;
  sent: number;
  delivered: number;
  read: number;
  failed: number;
}

/**
 * Every message, or (with a range) those created in it: an inbound one when the webhook received it,
 * an outbound one when its send was queued.
 */
export async function tallyMessages(db: Queryable, range?: TimeRange): Promise<MessageTally[]> {
  // Without a range this is a sequential scan: status columns are deliberately not indexed, so that
  // the three or four status updates of every outbound message stay HOT updates.
  const where = range ? 'where created_at >= $1 and created_at < $2' : '';
  const { rows } = await db.query<{
    direction: 'inbound' | 'outbound';
    type: string;
    error_code: number | null;
    messages: string;
    sent: string;
    delivered: string;
    read: string;
    failed: string;
  }>(
    `select direction, type, error_code,
            count(*) as messages,
            count(*) filter (where accepted_at is not null) as sent,
            count(*) filter (where delivered_at is not null or read_at is not null) as delivered,
            count(*) filter (where read_at is not null) as read,
            count(*) filter (where status = 'failed') as failed
     from messages ${where}
     group by direction, type, error_code
     order by direction, type, error_code nulls first`,
    range ? [range.from, range.to] : [],
  );
  return rows.map((r) => ({
    direction: r.direction,
    type: r.type,
    errorCode: r.error_code,
    messages: Number(r.messages),
    sent: Number(r.sent),
    delivered: Number(r.delivered),
    read: Number(r.read),
    failed: Number(r.failed),
  }));
}

/** A distribution over all rows: how many values, their sum, and how many are ≤ each bound. */
export interface Distribution {
  count: number;
  sum: number;
  cumulative: number[];
}

export interface ChatDistributions {
  /** Chat sessions not ended yet. */
  active: number;
  /** ended_at − started_at of every ended session. */
  duration: Distribution;
  /** first_agent_reply_at − first_user_message_at, where the agent's first message answered the user. */
  firstResponse: Distribution;
  /** Every rating given (1–5). */
  rating: Distribution;
}

/** All-time chat figures, for Prometheus histograms with the given upper bounds. */
export async function chatDistributions(
  db: Queryable,
  bounds: { duration: readonly number[]; firstResponse: readonly number[]; rating: readonly number[] },
): Promise<ChatDistributions> {
  const { rows } = await db.query<Record<string, string | number | string[]>>(
    `select count(*) filter (where ended_at is null) as active,
            ${distributionColumns('duration', 1, bounds.duration.length)},
            ${distributionColumns('first_response', 2, bounds.firstResponse.length)},
            ${distributionColumns('rating', 3, bounds.rating.length)}
     from (
       select ended_at,
              extract(epoch from ended_at - started_at)::float8 as duration,
              -- An agent who wrote first (an agent-started chat) did not answer anyone: no response time.
              case when first_agent_reply_at >= first_user_message_at
                   then extract(epoch from first_agent_reply_at - first_user_message_at)::float8 end as first_response,
              rating::float8 as rating
       from chat_sessions
     ) s`,
    [bounds.duration, bounds.firstResponse, bounds.rating],
  );
  const row = rows[0]!;
  const distribution = (column: string): Distribution => ({
    count: Number(row[`${column}_count`]),
    sum: Number(row[`${column}_sum`]),
    cumulative: (row[`${column}_le`] as string[]).map(Number),
  });
  return {
    active: Number(row.active),
    duration: distribution('duration'),
    firstResponse: distribution('first_response'),
    rating: distribution('rating'),
  };
}

/** `<column>_count`, `<column>_sum` and `<column>_le` (cumulative counts for the bounds in parameter `$param`). */
function distributionColumns(column: string, param: number, bucketCount: number): string {
  const buckets = Array.from(
    { length: bucketCount },
    (_, i) => `count(*) filter (where ${column} <= ($${param}::float8[])[${i + 1}])`,
  );
  return `count(${column}) as ${column}_count, coalesce(sum(${column}), 0) as ${column}_sum,
          array[${buckets.join(', ')}]::bigint[] as ${column}_le`;
}

export interface ChatSummary {
  started: number;
  ended: number;
  active: number;
  averageDurationSeconds: number | null;
  averageFirstResponseSeconds: number | null;
  endedBy: { user: number; agent: number; timeout: number };
  ratings: number;
  averageRating: number | null;
  /** Ratings 1..5, at index rating − 1. */
  ratingCounts: [number, number, number, number, number];
}

/**
 * Chat sessions over a range. started: started_at in range. ended, durations, who ended them and
 * ratings: sessions that ended in range (a rating belongs to the chat it rates). active: open at
 * the end of the range. First response: sessions whose first agent reply fell in the range.
 */
export async function summarizeChats(db: Queryable, range: TimeRange): Promise<ChatSummary> {
  const { rows } = await db.query<Record<string, string | number | null>>(
    `with s as (
       select *, ended_at >= $1 and ended_at < $2 as ended_in_range
       from chat_sessions
       -- Every session any figure counts started before the end and was open at the start.
       where started_at < $2 and (ended_at is null or ended_at >= $1)
     )
     select count(*) filter (where started_at >= $1) as started,
            count(*) filter (where ended_in_range) as ended,
            count(*) filter (where ended_at is null or ended_at >= $2) as active,
            avg(extract(epoch from ended_at - started_at)::float8) filter (where ended_in_range) as average_duration,
            avg(extract(epoch from first_agent_reply_at - first_user_message_at)::float8)
              filter (where first_agent_reply_at >= $1 and first_agent_reply_at < $2
                        and first_agent_reply_at >= first_user_message_at) as average_first_response,
            -- ended_by is 'user', 'timeout' or the name of the agent who ended the chat.
            count(*) filter (where ended_in_range and ended_by = 'user') as ended_by_user,
            count(*) filter (where ended_in_range and ended_by = 'timeout') as ended_by_timeout,
            count(*) filter (where ended_in_range and ended_by not in ('user', 'timeout')) as ended_by_agent,
            count(rating) filter (where ended_in_range) as ratings,
            avg(rating::float8) filter (where ended_in_range) as average_rating,
            count(*) filter (where ended_in_range and rating = 1) as rating_1,
            count(*) filter (where ended_in_range and rating = 2) as rating_2,
            count(*) filter (where ended_in_range and rating = 3) as rating_3,
            count(*) filter (where ended_in_range and rating = 4) as rating_4,
            count(*) filter (where ended_in_range and rating = 5) as rating_5
     from s`,
    [range.from, range.to],
  );
  const row = rows[0]!;
  const count = (column: string) => Number(row[column]);
  const average = (column: string) => (row[column] === null ? null : Number(row[column]));
  return {
    started: count('started'),
    ended: count('ended'),
    active: count('active'),
    averageDurationSeconds: average('average_duration'),
    averageFirstResponseSeconds: average('average_first_response'),
    endedBy: { user: count('ended_by_user'), agent: count('ended_by_agent'), timeout: count('ended_by_timeout') },
    ratings: count('ratings'),
    averageRating: average('average_rating'),
    ratingCounts: [count('rating_1'), count('rating_2'), count('rating_3'), count('rating_4'), count('rating_5')],
  };
}
