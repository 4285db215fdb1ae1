import type { Queryable } from './queryable';
import { appendEventCte, eventParams, NOTIFY_APPENDED } from './events';

// Chat sessions between a user and the support team. Every write is keyed by the flow's session key,
// so a retried activity changes nothing the first attempt already changed.

export async function openChatSession(
  db: Queryable,
  contactId: string,
  sessionKey: string,
  startedBy: string,
): Promise<void> {
  await db.query(
    `insert into chat_sessions (contact_id, session_key, started_by) values ($1, $2, $3) on conflict (session_key) do nothing`,
    [contactId, sessionKey, startedBy],
  );
}

export async function noteUserChatMessage(db: Queryable, sessionKey: string): Promise<void> {
  await db.query(
    `update chat_sessions set first_user_message_at = coalesce(first_user_message_at, now()) where session_key = $1`,
    [sessionKey],
  );
}

export async function noteAgentReply(db: Queryable, sessionKey: string): Promise<void> {
  await db.query(
    `update chat_sessions set first_agent_reply_at = coalesce(first_agent_reply_at, now()) where session_key = $1`,
    [sessionKey],
  );
}

export async function closeChatSession(db: Queryable, sessionKey: string, endedBy: string): Promise<void> {
  await db.query(
    `update chat_sessions set ended_at = now(), ended_by = $2 where session_key = $1 and ended_at is null`,
    [sessionKey, endedBy],
  );
}

/**
 * Records a change of the chat's holder: on the session, in the log of changes and in the console's
 * stream, all at once. A change already recorded (its key) changes nothing.
 */
export async function setChatHolder(
  db: Queryable,
  contactId: string,
  change: { key: string; sessionKey: string; holder: { agentId: number; name: string } | null; by: string },
): Promise<void> {
  const { holder } = change;
  await db.query(
    `with logged as (
       insert into chat_holder_changes (change_key, session_key, contact_id, holder_agent_id, holder_name, changed_by)
       values ($1, $2, $3, $4, $5, $6)
       on conflict (change_key) do nothing
       returning 1
     ), updated as (
       update chat_sessions set holder_agent_id = $4, holder_name = $5
       where session_key = $2 and exists (select 1 from logged)
     ), ${appendEventCte('logged', 7)}
     select ${NOTIFY_APPENDED}`,
    [
      change.key,
      change.sessionKey,
      contactId,
      holder?.agentId ?? null,
      holder?.name ?? null,
      change.by,
      ...eventParams({ kind: 'holder', contactId, payload: { holder, by: change.by } }),
    ],
  );
}

export async function rateChatSession(db: Queryable, sessionKey: string, rating: number): Promise<void> {
  await db.query('update chat_sessions set rating = $2 where session_key = $1', [sessionKey, rating]);
}

export interface ChatSessionRow {
  id: number;
  sessionKey: string | null;
  startedAt: Date;
  startedBy: string;
  endedAt: Date | null;
  endedBy: string | null;
  firstUserMessageAt: Date | null;
  firstAgentReplyAt: Date | null;
  rating: number | null;
  /** Who holds the chat (an open one), or held it last (an ended one). */
  holder: { agentId: number; name: string } | null;
}

export async function listChatSessions(db: Queryable, contactId: string): Promise<ChatSessionRow[]> {
  const { rows } = await db.query<{
    id: string;
    session_key: string | null;
    started_at: Date;
    started_by: string;
    ended_at: Date | null;
    ended_by: string | null;
    first_user_message_at: Date | null;
    first_agent_reply_at: Date | null;
    rating: number | null;
    holder_agent_id: string | null;
    holder_name: string | null;
  }>('select * from chat_sessions where contact_id = $1 order by id', [contactId]);
  return rows.map((r) => ({
    id: Number(r.id),
    sessionKey: r.session_key,
    startedAt: r.started_at,
    startedBy: r.started_by,
    endedAt: r.ended_at,
    endedBy: r.ended_by,
    firstUserMessageAt: r.first_user_message_at,
    firstAgentReplyAt: r.first_agent_reply_at,
    rating: r.rating,
    holder: r.holder_agent_id === null ? null : { agentId: Number(r.holder_agent_id), name: r.holder_name ?? '' },
  }));
}
