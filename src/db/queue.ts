import { CONTACT_SHOWN_COLUMNS, contactShown, type ContactShown, type DbContactShown } from './contacts';
import { filterCondition, filterParams, LABELS_OF, type ConversationFilter, type LabelShown } from './labels';
import type { Queryable } from './queryable';
import type { Priority } from '../../domain/support-policy';

// The chats waiting for an agent: open, asked for by the student, and not answered by any agent yet.
// A chat an agent opened has its agent from the start, so it never waits. Read through
// chat_sessions_waiting (migration 0009).

/**
 * The condition on `chat_sessions s` of a waiting chat. A chat asked for outside business hours joins
 * the queue at the opening it waits for (`available_at`; null in chats from before business hours).
 */
export const WAITING = `s.ended_at is null and s.first_agent_reply_at is null and s.started_by = 'user'
  and (s.available_at is null or s.available_at <= now())`;

/** Since when a chat waits for the team: the opening it waited for, or its start. */
const WAITING_SINCE = 'coalesce(s.available_at, s.started_at)';

/** A chat's SLA as the queue and the conversation show it (SPEC §7.6; due instants absent when no clock runs). */
export interface ChatSlaShown {
  firstResponseDueAt?: Date;
  resolutionDueAt?: Date;
  firstResponse?: 'met' | 'breached';
  resolution?: 'met' | 'breached';
  escalated: boolean;
}

/** The SLA of a session row's columns. */
export function slaShown(row: {
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  slaFirstResponse: 'met' | 'breached' | null;
  slaResolution: 'met' | 'breached' | null;
  escalatedAt: Date | null;
}): ChatSlaShown {
  return {
    ...(row.firstResponseDueAt ? { firstResponseDueAt: row.firstResponseDueAt } : {}),
    ...(row.resolutionDueAt ? { resolutionDueAt: row.resolutionDueAt } : {}),
    ...(row.slaFirstResponse ? { firstResponse: row.slaFirstResponse } : {}),
    ...(row.slaResolution ? { resolution: row.slaResolution } : {}),
    escalated: row.escalatedAt !== null,
  };
}

export interface WaitingChat extends ContactShown {
  /** The student's name, or the WhatsApp profile's, when known. */
  name: string | null;
  sessionKey: string;
  /** Since when it waits for the team (its availability: its start, or the opening it waited for). */
  waitingSince: Date;
  waitSeconds: number;
  availableAt: Date;
  sla: ChatSlaShown;
  holder: { agentId: number; name: string } | null;
  priority: Priority;
  labels: LabelShown[];
}

/** Waiting chats, escalated ones first, then oldest first by availability (at most `limit`), optionally of one label and priority only. */
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
      available_at: Date;
      first_response_due_at: Date | null;
      resolution_due_at: Date | null;
      sla_first_response: 'met' | 'breached' | null;
      sla_resolution: 'met' | 'breached' | null;
      escalated_at: Date | null;
      priority: Priority | null;
      labels: LabelShown[];
    }
  >(
    `select s.contact_id, coalesce(u.full_name, c.profile_name) as name, s.session_key, s.started_at,
            extract(epoch from now() - ${WAITING_SINCE})::float8 as wait_seconds, s.holder_agent_id, s.holder_name,
            ${WAITING_SINCE} as available_at, s.first_response_due_at, s.resolution_due_at, s.sla_first_response,
            s.sla_resolution, s.escalated_at,
            c.priority, ${LABELS_OF('s.contact_id')} as labels, ${CONTACT_SHOWN_COLUMNS('ct')}
     from chat_sessions s
     join contacts ct on ct.id = s.contact_id
     left join users u on u.contact_id = s.contact_id
     left join conversations c on c.contact_id = s.contact_id
     where ${WAITING} and ${filterCondition('s.contact_id', 2)}
     order by s.escalated_at is null, ${WAITING_SINCE}, s.id
     limit $1`,
    [limit, ...filterParams(filter)],
  );
  return rows.map((row) => ({
    ...contactShown(row),
    name: row.name,
    sessionKey: row.session_key,
    waitingSince: row.available_at,
    waitSeconds: Math.max(0, row.wait_seconds),
    availableAt: row.available_at,
    sla: slaShown({
      firstResponseDueAt: row.first_response_due_at,
      resolutionDueAt: row.resolution_due_at,
      slaFirstResponse: row.sla_first_response,
      slaResolution: row.sla_resolution,
      escalatedAt: row.escalated_at,
    }),
    holder: row.holder_agent_id === null ? null : { agentId: Number(row.holder_agent_id), name: row.holder_name ?? '' },
    priority: row.priority ?? 'normal',
    labels: row.labels,
  }));
}

/** How many chats wait, and how long the oldest has waited (0 when none does). */
export async function queueFigures(db: Queryable): Promise<{ length: number; oldestWaitSeconds: number }> {
  const { rows } = await db.query<{ length: string; oldest: number | null }>(
    `select count(*) as length, extract(epoch from now() - min(${WAITING_SINCE}))::float8 as oldest
     from chat_sessions s where ${WAITING}`,
  );
  return { length: Number(rows[0]!.length), oldestWaitSeconds: Math.max(0, rows[0]!.oldest ?? 0) };
}

/** Chats asked for outside business hours that join the queue at the next opening. */
export async function countWaitingForOpening(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ count: string }>(
    `select count(*) as count from chat_sessions s
     where s.ended_at is null and s.first_agent_reply_at is null and s.started_by = 'user' and s.available_at > now()`,
  );
  return Number(rows[0]!.count);
}
