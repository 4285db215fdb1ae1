import QueryStream from 'pg-query-stream';
import { BILLABLE, CATEGORY_OF, type ReportFilter } from './reports';

// One row per chat session for GET /api/admin/exports/chats.csv|.jsonl (SPEC §7.7), read through a
// server-side cursor (pg-query-stream over pg-cursor): a batch of rows is fetched only when the
// response has taken the one before, so a year of chats passes with constant memory.
//
// The rows are the sessions the reports' figures of the same range count: started before `to` and
// still open at `from`, with the same label and priority filters (src/db/reports.ts). A row's message
// counts and billable messages are those written during the chat (from its start to its end).

/** A chat session as the export writes it. */
export interface ChatExportRow {
  chatId: number;
  contactId: string;
  /** The registered name, else the WhatsApp profile name. */
  studentName: string | null;
  startedAt: Date;
  availableAt: Date | null;
  firstAgentReplyAt: Date | null;
  endedAt: Date | null;
  /** 'user', 'timeout' or the name of the agent who ended it. */
  endedBy: string | null;
  /** Who held the chat last. */
  holder: string | null;
  /** Every agent who wrote in the chat, by name. */
  agents: string[];
  labels: string[];
  priority: string;
  firstResponseSeconds: number | null;
  resolutionSeconds: number | null;
  slaFirstResponse: 'met' | 'breached' | null;
  slaResolution: 'met' | 'breached' | null;
  escalatedAt: Date | null;
  rating: number | null;
  messages: { student: number; bot: number; agent: number };
  /** Billable messages by pricing category. */
  billable: Record<string, number>;
}

export interface DbChatExportRow {
  id: string;
  contact_id: string;
  student_name: string | null;
  started_at: Date;
  available_at: Date | null;
  first_agent_reply_at: Date | null;
  ended_at: Date | null;
  ended_by: string | null;
  holder_name: string | null;
  agents: string[];
  labels: string[];
  priority: string;
  first_response_business_seconds: number | null;
  resolution_business_seconds: number | null;
  sla_first_response: 'met' | 'breached' | null;
  sla_resolution: 'met' | 'breached' | null;
  escalated_at: Date | null;
  rating: number | null;
  student_messages: number;
  bot_messages: number;
  agent_messages: number;
  billable: Record<string, number>;
}

/** Marks the statement in pg_stat_activity, where an operator (or a test) can see an export running. */
export const CHAT_EXPORT_MARKER = '/* edubot chat export */';

const DURING_CHAT = `m.contact_id = cs.contact_id and m.created_at >= cs.started_at
                     and (cs.ended_at is null or m.created_at <= cs.ended_at)`;

const CHAT_EXPORT = `${CHAT_EXPORT_MARKER}
  select cs.id, cs.contact_id, coalesce(u.full_name, c.profile_name) as student_name,
         cs.started_at, cs.available_at, cs.first_agent_reply_at, cs.ended_at, cs.ended_by, cs.holder_name,
         coalesce(cs.priority, 'normal') as priority, cs.first_response_business_seconds,
         cs.resolution_business_seconds, cs.sla_first_response, cs.sla_resolution, cs.escalated_at, cs.rating,
         array(select l.name from conversation_labels cl join labels l on l.id = cl.label_id
                where cl.contact_id = cs.contact_id order by lower(l.name)) as labels,
         mc.student_messages, mc.bot_messages, mc.agent_messages, mc.agents, bc.billable
  from chat_sessions cs
  left join users u on u.contact_id = cs.contact_id
  left join conversations c on c.contact_id = cs.contact_id
  cross join lateral (
    select count(*) filter (where m.sender = 'user')::int as student_messages,
           count(*) filter (where m.sender = 'bot')::int as bot_messages,
           count(*) filter (where m.sender in ('agent', 'business_app'))::int as agent_messages,
           coalesce(array_agg(distinct m.sender_name) filter (where m.sender = 'agent' and m.sender_name is not null),
                    '{}') as agents
    from messages m where ${DURING_CHAT}
  ) mc
  cross join lateral (
    select coalesce(jsonb_object_agg(b.category, b.n), '{}') as billable
    from (select ${CATEGORY_OF('m')} as category, count(*)::int as n
          from messages m where ${DURING_CHAT} and m.pricing is not null and ${BILLABLE('m')}
          group by 1) b
  ) bc
  where cs.started_at < $2 and (cs.ended_at is null or cs.ended_at >= $1)
    and ($3::text is null or exists (select 1 from conversation_labels fl join labels l on l.id = fl.label_id
                                      where fl.contact_id = cs.contact_id and lower(l.name) = lower($3::text)))
    and ($4::text is null or coalesce(cs.priority, 'normal') = $4::text)
  order by cs.started_at, cs.id`;

/** Rows fetched from the cursor at a time. */
const BATCH_ROWS = 200;

/** The export's rows as an object-mode stream of `DbChatExportRow`s; map each with `toChatExportRow`. */
export function chatExportStream(filter: ReportFilter): QueryStream {
  return new QueryStream(CHAT_EXPORT, [filter.from, filter.to, filter.label ?? null, filter.priority ?? null], {
    batchSize: BATCH_ROWS,
    highWaterMark: BATCH_ROWS,
  });
}

export function toChatExportRow(row: DbChatExportRow): ChatExportRow {
  return {
    chatId: Number(row.id),
    contactId: row.contact_id,
    studentName: row.student_name,
    startedAt: row.started_at,
    availableAt: row.available_at,
    firstAgentReplyAt: row.first_agent_reply_at,
    endedAt: row.ended_at,
    endedBy: row.ended_by,
    holder: row.holder_name,
    agents: row.agents,
    labels: row.labels,
    priority: row.priority,
    firstResponseSeconds: row.first_response_business_seconds,
    resolutionSeconds: row.resolution_business_seconds,
    slaFirstResponse: row.sla_first_response,
    slaResolution: row.sla_resolution,
    escalatedAt: row.escalated_at,
    rating: row.rating,
    messages: { student: row.student_messages, bot: row.bot_messages, agent: row.agent_messages },
    billable: row.billable,
  };
}
