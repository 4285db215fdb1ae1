import { CAN_SIGN_IN } from './agents';
import type { Queryable } from './queryable';
import { setChatHolder } from './chat-sessions';
import { WAITING } from './queue';

// Automatic assignment (CHAT_AUTO_ASSIGN=round_robin): an open chat is given to the available agent
// holding the fewest open chats, below the capacity; ties go to whoever was given one longest ago.

// Any constant works; it only has to be the same in every process of this product.
const CLAIM_LOCK_ID = 4_211_339;

export interface Holder {
  agentId: number;
  name: string;
}

/**
 * Gives the session an agent, if one is free, and records it as its holder. Claims are taken one at a
 * time across all conversations (an advisory lock held until the caller's transaction commits), so ten
 * chats arriving at once are spread as if they came one by one. A session that has a holder already
 * (a retried attempt) keeps it.
 */
export async function claimAgent(
  db: Queryable,
  contactId: string,
  claim: { key: string; sessionKey: string; capacity: number },
): Promise<Holder | null> {
  await db.query('select pg_advisory_xact_lock($1)', [CLAIM_LOCK_ID]);
  const held = await db.query<{ holder_agent_id: string | null; holder_name: string | null }>(
    'select holder_agent_id, holder_name from chat_sessions where session_key = $1 and ended_at is null',
    [claim.sessionKey],
  );
  const session = held.rows[0];
  if (session === undefined) return null;
  if (session.holder_agent_id !== null)
    return { agentId: Number(session.holder_agent_id), name: session.holder_name ?? '' };
  const { rows } = await db.query<{ id: string; name: string }>(
    `select a.id, a.name
     from agents a
     cross join lateral (
       select count(*) as open from chat_sessions s where s.holder_agent_id = a.id and s.ended_at is null
     ) c
     where a.available and c.open < $1 and ${CAN_SIGN_IN}
     order by c.open, a.last_assigned_at nulls first, a.id
     limit 1`,
    [claim.capacity],
  );
  const agent = rows[0];
  if (agent === undefined) return null;
  const holder = { agentId: Number(agent.id), name: agent.name };
  await db.query('update agents set last_assigned_at = now() where id = $1', [holder.agentId]);
  await setChatHolder(db, contactId, {
    key: claim.key,
    sessionKey: claim.sessionKey,
    holder,
    by: 'automatic assignment',
  });
  return holder;
}

export async function setAvailability(db: Queryable, agentId: number, available: boolean): Promise<void> {
  await db.query('update agents set available = $2 where id = $1', [agentId, available]);
}

export async function isAvailable(db: Queryable, agentId: number): Promise<boolean> {
  const { rows } = await db.query<{ available: boolean }>('select available from agents where id = $1', [agentId]);
  return rows[0]?.available ?? false;
}

/** Open chats nobody holds that students asked for and no agent answered, oldest first. */
export async function listUnheldWaiting(db: Queryable, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ contact_id: string }>(
    `select s.contact_id from chat_sessions s
     where ${WAITING} and s.holder_agent_id is null
     order by s.started_at, s.id limit $1`,
    [limit],
  );
  return rows.map((row) => row.contact_id);
}

/** The open chats this person holds: what goes back to the queue when they can no longer sign in. */
export async function listChatsHeldBy(db: Queryable, agentId: number): Promise<string[]> {
  const { rows } = await db.query<{ contact_id: string }>(
    'select contact_id from chat_sessions where holder_agent_id = $1 and ended_at is null order by started_at, id',
    [agentId],
  );
  return rows.map((row) => row.contact_id);
}

/** The people who hold an open chat although none of their tokens lets them in any more. */
export async function listSignedOutHolders(db: Queryable): Promise<number[]> {
  const { rows } = await db.query<{ id: string }>(
    `select distinct a.id from chat_sessions s join agents a on a.id = s.holder_agent_id
     where s.ended_at is null and not ${CAN_SIGN_IN}
     order by a.id`,
  );
  return rows.map((row) => Number(row.id));
}
