import type { Db, Statement } from './pool';

// What agents have read of a conversation, and the turn of its typing indicator. Both live on the
// conversations row (0013_read_typing.sql) so every server sees the same: the marks only move by
// conditional updates, which Postgres serialises on the row.
//
// "Unread" means the student's messages after the later of (a) the last one an agent marked read and
// (b) our latest reply that did not fail. The bot marks what it answers as read with its first reply,
// and an agent replies having read what came before; so in a chat, where the bot stays quiet, what the
// student wrote since the last reply is what no one has read yet.

/** The student's latest message no one has read, and how many there are. */
export interface UnreadInbound {
  count: number;
  /** Absent when count is 0. */
  latest?: { id: number; waMessageId: string; receivedAt: Date };
}

const UNREAD: Statement = {
  name: 'unread_inbound',
  text: `with mark as (
     select greatest(
       coalesce(c.agent_read_up_to, 0),
       coalesce((select max(o.id) from messages o
                  where o.contact_id = c.contact_id and o.direction = 'outbound' and o.status <> 'failed'), 0)
     ) as after
     from conversations c where c.contact_id = $1
   ), unread as (
     select m.id, m.wa_message_id, m.created_at from messages m, mark
      where m.contact_id = $1 and m.direction = 'inbound' and m.id > mark.after
   )
   select (select count(*)::int from unread) as count, u.id, u.wa_message_id, u.created_at
     from (select 1) one
     left join lateral (select * from unread order by id desc limit 1) u on true`,
};

export async function unreadInbound(db: Db, contactId: string): Promise<UnreadInbound> {
  const { rows } = await db.query<{
    count: number;
    id: string | null;
    wa_message_id: string | null;
    created_at: Date | null;
  }>(UNREAD, [contactId]);
  const row = rows[0]!;
  // Inbound rows always carry their wamid: it is how they are stored once.
  if (row.id === null || row.wa_message_id === null || row.created_at === null) return { count: 0 };
  return {
    count: row.count,
    latest: { id: Number(row.id), waMessageId: row.wa_message_id, receivedAt: row.created_at },
  };
}

/** The student's latest message, read or not: the one a typing indicator is shown on. */
export async function latestInbound(
  db: Db,
  contactId: string,
): Promise<{ id: number; waMessageId: string; receivedAt: Date } | undefined> {
  const { rows } = await db.query<{ id: string; wa_message_id: string; created_at: Date }>(
    `select id, wa_message_id, created_at from messages
      where contact_id = $1 and direction = 'inbound' and wa_message_id is not null
      order by id desc limit 1`,
    [contactId],
  );
  const row = rows[0];
  return row ? { id: Number(row.id), waMessageId: row.wa_message_id, receivedAt: row.created_at } : undefined;
}

/**
 * Records that an agent read up to message `id`. The mark only moves forward, so of two agents
 * reading at once, the second finds it already there: false.
 */
export async function recordAgentRead(db: Db, contactId: string, id: number): Promise<boolean> {
  const { rowCount } = await db.query(
    `update conversations set agent_read_up_to = $2
      where contact_id = $1 and (agent_read_up_to is null or agent_read_up_to < $2)`,
    [contactId, id],
  );
  return rowCount === 1;
}

/**
 * Claims the conversation's turn to show a typing indicator: true when none was sent in the last
 * `intervalMs` (by Postgres' clock, the one every server shares). The claim is the conditional update
 * itself, so of concurrent callers on any servers exactly one wins. `claimedAt` undoes it.
 */
export async function claimTypingTurn(
  db: Db,
  contactId: string,
  intervalMs: number,
): Promise<{ claimed: true; claimedAt: string } | { claimed: false }> {
  // The time travels as text: a JS Date keeps milliseconds, the column microseconds.
  const { rows } = await db.query<{ claimed_at: string }>(
    `update conversations set typing_sent_at = now()
      where contact_id = $1 and (typing_sent_at is null or typing_sent_at <= now() - $2 * interval '1 millisecond')
      returning typing_sent_at::text as claimed_at`,
    [contactId, intervalMs],
  );
  return rows[0] ? { claimed: true, claimedAt: rows[0].claimed_at } : { claimed: false };
}

/** Gives back a turn whose indicator never went out, unless another caller has claimed one since. */
export async function releaseTypingTurn(db: Db, contactId: string, claimedAt: string): Promise<void> {
  await db.query(
    'update conversations set typing_sent_at = null where contact_id = $1 and typing_sent_at = $2::timestamptz',
    [contactId, claimedAt],
  );
}
