import { CONTACT_SHOWN_COLUMNS, contactShown, type ContactShown, type DbContactShown } from './contacts';
import { filterCondition, filterParams, LABELS_OF, type ConversationFilter, type LabelShown } from './labels';
import type { Queryable } from './queryable';
import type { Priority } from '../../domain/support-policy';

// The chats waiting for an agent: open, asked for by the student, and not answered by any agent yet.
// A chat an agent opened has its agent from the start, so it never waits. Read through
// chat_sessions_waiting (migration 0009).

/** The condition on `chat_sessions s` of a waiting chat. */
export const WAITING = `s.ended_at is null and s.first_agent_reply_at is null and s.started_by = 'user'`;

export interface WaitingChat extends ContactShown {
  /** The student's name, or the WhatsApp profile's, when known. */
  name: string | null;
  sessionKey: string;
  waitingSince: Date;
  waitSeconds: number;
  holder: { agentId: number; name: string } | null;
  priority: Priority;
  labels: LabelShown[];
}

/** Waiting chats, oldest first (at most `limit`), optionally of one label and priority only. */
export async function listWaitingChats(
  db: Queryable,
  limit: number,
  filter?: ConversationFilter,
): Promise<WaitingChat[]> {
  const { rows } = await db.query<
    DbContactShown & {
      name: string | null;
      session_key: string;
      started_at: Date;
      wait_seconds: number;
      holder_agent_id: string | null;
      holder_name: string | null;
      priority: Priority | null;
      labels: LabelShown[];
    }
  >(
    `select s.contact_id, coalesce(u.full_name, c.profile_name) as name, s.session_key, s.started_at,
            extract(epoch from now() - s.started_at)::float8 as wait_seconds, s.holder_agent_id, s.holder_name,
            c.priority, ${LABELS_OF('s.contact_id')} as labels, ${CONTACT_SHOWN_COLUMNS('ct')}
     from chat_sessions s
     join contacts ct on ct.id = s.contact_id
     left join users u on u.contact_id = s.contact_id
     left join conversations c on c.contact_id = s.contact_id
     where ${WAITING} and ${filterCondition('s.contact_id', 2)}
     order by s.started_at, s.id
     limit $1`,
    [limit, ...filterParams(filter)],
  );
  return rows.map((row) => ({
    ...contactShown(row),
    name: row.name,
    sessionKey: row.session_key,
    waitingSince: row.started_at,
    waitSeconds: Math.max(0, row.wait_seconds),
    holder: row.holder_agent_id === null ? null : { agentId: Number(row.holder_agent_id), name: row.holder_name ?? '' },
    priority: row.priority ?? 'normal',
    labels: row.labels,
  }));
}

/** How many chats wait, and how long the oldest has waited (0 when none does). */
export async function queueFigures(db: Queryable): Promise<{ length: number; oldestWaitSeconds: number }> {
  const { rows } = await db.query<{ length: string; oldest: number | null }>(
    `select count(*) as length, extract(epoch from now() - min(s.started_at))::float8 as oldest
     from chat_sessions s where ${WAITING}`,
  );
  return { length: Number(rows[0]!.length), oldestWaitSeconds: Math.max(0, rows[0]!.oldest ?? 0) };
}
