import type { Queryable } from './queryable';
import { appendEvent, appendEventCte, eventParams, NOTIFY_APPENDED } from './events';
import type { Priority, SlaEventKind } from '../../domain/support-policy';

// Chat sessions between a user and the support team. Every write is keyed by the flow's session key,
// so a retried activity changes nothing the first attempt already changed.

/** A chat's SLA due instants (epoch ms; null: no clock) for its priority. */
export interface SessionSla {
  priority: Priority;
  firstResponseDueAt: number | null;
  resolutionDueAt: number | null;
}

const instant = (ms: number | null | undefined): Date | null => (ms === null || ms === undefined ? null : new Date(ms));

/**
 * Opens a session. `availableAt` (epoch ms) is when it reaches the team: absent, at once (its start);
 * `sla` its clocks, for a chat the student asked for.
 */
export async function openChatSession(
  db: Queryable,
  contactId: string,
  sessionKey: string,
  startedBy: string,
  options: { availableAt?: number; sla?: SessionSla } = {},
): Promise<void> {
  const { sla } = options;
  await db.query(
    `insert into chat_sessions (contact_id, session_key, started_by, available_at, priority, first_response_due_at,
                                resolution_due_at)
     values ($1, $2, $3, coalesce($4, now()), $5, $6, $7) on conflict (session_key) do nothing`,
    [
      contactId,
      sessionKey,
      startedBy,
      instant(options.availableAt),
      sla?.priority ?? null,
      instant(sla?.firstResponseDueAt),
      instant(sla?.resolutionDueAt),
    ],
  );
}

/** The chat's SLA clocks planned again (its priority changed). */
export async function setChatSla(db: Queryable, sessionKey: string, sla: SessionSla): Promise<void> {
  await db.query(
    `update chat_sessions set priority = $2, first_response_due_at = $3, resolution_due_at = $4
     where session_key = $1 and ended_at is null`,
    [sessionKey, sla.priority, instant(sla.firstResponseDueAt), instant(sla.resolutionDueAt)],
  );
}

/** The first agent reply's business time, and its SLA outcome (a breach already recorded stays). */
export async function noteChatFirstResponse(
  db: Queryable,
  sessionKey: string,
  businessSeconds: number,
  sla: 'met' | 'breached' | undefined,
): Promise<void> {
  await db.query(
    `update chat_sessions
     set first_response_business_seconds = coalesce(first_response_business_seconds, $2),
         sla_first_response = coalesce(sla_first_response, $3)
     where session_key = $1`,
    [sessionKey, businessSeconds, sla ?? null],
  );
}

/**
 * An SLA warning or breach: its row, the session's outcome (a breach) and escalation, and the console's
 * event, all at once; a kind already recorded for the session changes nothing.
 */
export async function recordSlaEvent(
  db: Queryable,
  contactId: string,
  event: { sessionKey: string; kind: SlaEventKind; priority: Priority; dueAt: number; escalate: boolean },
): Promise<void> {
  const breached =
    event.kind === 'first_response_breach'
      ? 'first_response'
      : event.kind === 'resolution_breach'
        ? 'resolution'
        : null;
  await db.query(
    `with logged as (
       insert into chat_sla_events (session_key, kind, priority, due_at, escalated)
       values ($1, $2, $3, $4, $5)
       on conflict (session_key, kind) do nothing
       returning 1
     ), updated as (
       update chat_sessions
       set sla_first_response = case when $6 = 'first_response' then 'breached' else sla_first_response end,
           sla_resolution = case when $6 = 'resolution' then 'breached' else sla_resolution end,
           escalated_at = case when $5 then coalesce(escalated_at, now()) else escalated_at end
       where session_key = $1 and exists (select 1 from logged)
     ), ${appendEventCte('logged', 7)}
     select ${NOTIFY_APPENDED}`,
    [
      event.sessionKey,
      event.kind,
      event.priority,
      new Date(event.dueAt),
      event.escalate,
      breached,
      ...eventParams({
        kind: 'sla',
        contactId,
        payload: {
          kind: event.kind,
          priority: event.priority,
          dueAt: new Date(event.dueAt).toISOString(),
          escalated: event.escalate,
        },
      }),
    ],
  );
}

/** A chat that waited for the opening reached the team: consoles reload their queue. */
export async function noteChatAvailable(db: Queryable, contactId: string): Promise<void> {
  await appendEvent(db, { kind: 'chat_available', contactId, payload: {} });
}

export interface SlaEventRow {
  id: number;
  kind: SlaEventKind;
  priority: Priority;
  dueAt: Date;
  escalated: boolean;
  at: Date;
}

/** The SLA warnings and breaches of a contact's chats, oldest first, for the history. */
export async function listSlaEvents(db: Queryable, contactId: string): Promise<SlaEventRow[]> {
  const { rows } = await db.query<{
    id: string;
    kind: SlaEventKind;
    priority: Priority;
    due_at: Date;
    escalated: boolean;
    at: Date;
  }>(
    `select e.id, e.kind, e.priority, e.due_at, e.escalated, e.at
     from chat_sla_events e join chat_sessions s on s.session_key = e.session_key
     where s.contact_id = $1 order by e.at, e.id`,
    [contactId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    kind: r.kind,
    priority: r.priority,
    dueAt: r.due_at,
    escalated: r.escalated,
    at: r.at,
  }));
}

export interface SlaEventCount {
  kind: SlaEventKind;
  priority: Priority;
  count: number;
}

/** SLA warnings and breaches so far, by kind and priority (edubot_sla_breaches_total). */
export async function countSlaEvents(db: Queryable): Promise<SlaEventCount[]> {
  const { rows } = await db.query<{ kind: SlaEventKind; priority: Priority; count: string }>(
    `select kind, priority, count(*) as count from chat_sla_events group by kind, priority order by kind, priority`,
  );
  return rows.map((r) => ({ kind: r.kind, priority: r.priority, count: Number(r.count) }));
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

/** Closes the session, with its business time and resolution outcome when the workflow knows them. */
export async function closeChatSession(
  db: Queryable,
  sessionKey: string,
  endedBy: string,
  figures: { resolutionBusinessSeconds?: number; slaResolution?: 'met' | 'breached' } = {},
): Promise<void> {
  await db.query(
    `update chat_sessions
     set ended_at = now(), ended_by = $2, resolution_business_seconds = $3,
         sla_resolution = coalesce(sla_resolution, $4)
     where session_key = $1 and ended_at is null`,
    [sessionKey, endedBy, figures.resolutionBusinessSeconds ?? null, figures.slaResolution ?? null],
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
  /** When the chat reached the team: its start, or the opening it waited for (null before business hours). */
  availableAt: Date | null;
  priority: Priority | null;
  firstResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  slaFirstResponse: 'met' | 'breached' | null;
  slaResolution: 'met' | 'breached' | null;
  escalatedAt: Date | null;
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
    available_at: Date | null;
    priority: Priority | null;
    first_response_due_at: Date | null;
    resolution_due_at: Date | null;
    sla_first_response: 'met' | 'breached' | null;
    sla_resolution: 'met' | 'breached' | null;
    escalated_at: Date | null;
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
    availableAt: r.available_at,
    priority: r.priority,
    firstResponseDueAt: r.first_response_due_at,
    resolutionDueAt: r.resolution_due_at,
    slaFirstResponse: r.sla_first_response,
    slaResolution: r.sla_resolution,
    escalatedAt: r.escalated_at,
  }));
}
