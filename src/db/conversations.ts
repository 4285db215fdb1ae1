import type { PoolClient } from 'pg';
import type { Db } from './pool';
import type { Queryable } from './queryable';

// The admin-facing summary of each conversation. The workflow owns the state; these rows mirror it.

/** Records that a user wrote: creates the conversation on first contact and moves its activity time. */
export async function touchInbound(
  client: PoolClient,
  phone: string,
  profileName: string | undefined,
  lastInboundAt: number,
): Promise<void> {
  await client.query(
    `insert into conversations (phone, profile_name, last_inbound_at, last_activity_at)
     values ($1, $2, to_timestamp($3 / 1000.0), now())
     on conflict (phone) do update set
       profile_name = coalesce(excluded.profile_name, conversations.profile_name),
       last_inbound_at = greatest(conversations.last_inbound_at, excluded.last_inbound_at),
       last_activity_at = now()`,
    [phone, profileName ?? null, lastInboundAt],
  );
}

export async function saveConversationState(db: Queryable, phone: string, state: string, registered: boolean): Promise<void> {
  await db.query(
    `insert into conversations (phone, state, registered) values ($1, $2, $3)
     on conflict (phone) do update set state = excluded.state, registered = excluded.registered, last_activity_at = now()`,
    [phone, state, registered],
  );
}

export interface ConversationSummary {
  phone: string;
  profileName: string | null;
  state: string;
  registered: boolean;
  lastInboundAt: Date | null;
  lastActivityAt: Date;
}

export async function getConversation(db: Db, phone: string): Promise<ConversationSummary | undefined> {
  const { rows } = await db.query<DbConversationSummary>(
    'select phone, profile_name, state, registered, last_inbound_at, last_activity_at from conversations where phone = $1',
    [phone],
  );
  return rows[0] ? toSummary(rows[0]) : undefined;
}

interface DbConversationSummary {
  phone: string;
  profile_name: string | null;
  state: string;
  registered: boolean;
  last_inbound_at: Date | null;
  last_activity_at: Date;
}

function toSummary(row: DbConversationSummary): ConversationSummary {
  return {
    phone: row.phone,
    profileName: row.profile_name,
    state: row.state,
    registered: row.registered,
    lastInboundAt: row.last_inbound_at,
    lastActivityAt: row.last_activity_at,
  };
}

/**
 * Keyset position in the admin list. The activity time travels as epoch microseconds in a string:
 * a JS Date keeps only milliseconds, and a rounded key would skip or repeat rows on the next page.
 */
export interface ConversationCursor {
  activityMicros: string;
  phone: string;
}

export interface ConversationPage {
  conversations: ConversationSummary[];
  /** Present when more rows follow. */
  next?: ConversationCursor;
}

/** The admin list: newest activity first (ties by phone), optionally one state only. */
export async function listConversations(
  db: Db,
  options: { state?: string; limit: number; after?: ConversationCursor },
): Promise<ConversationPage> {
  const { rows } = await db.query<DbConversationSummary & { activity_micros: string }>(
    `select phone, profile_name, state, registered, last_inbound_at, last_activity_at,
            (extract(epoch from last_activity_at) * 1000000)::bigint::text as activity_micros
     from conversations
     where ($1::text is null or state = $1)
       and ($2::bigint is null
            or (last_activity_at, phone) < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::text))
     order by last_activity_at desc, phone desc
     limit $4`,
    [options.state ?? null, options.after?.activityMicros ?? null, options.after?.phone ?? null, options.limit + 1],
  );
  const page = rows.slice(0, options.limit);
  const last = page[page.length - 1];
  return {
    conversations: page.map(toSummary),
    next: rows.length > options.limit && last ? { activityMicros: last.activity_micros, phone: last.phone } : undefined,
  };
}
