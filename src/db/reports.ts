import type { Queryable } from './queryable';
import type { Priority } from '../../domain/support-policy';

// The figures a support lead reads (SPEC §7.7), over [from, to) and grouped by nothing, local day,
// agent or label. Every figure is placed in time by its own event, as GET /api/admin/stats does:
// - opened: started_at; closed, resolution and CSAT: ended_at (a rating belongs to the chat it rates);
//   first response: first_agent_reply_at;
// - SLA outcomes when decided: a met first response at the first reply, a met resolution at the end, a
//   breach at its due time;
// - messages and what WhatsApp bills: created_at.
// Times are the business seconds the conversation workflow stored (first_response_business_seconds,
// resolution_business_seconds); a chat without them (agent-started, or older than migration 0019) has
// no time and is left out of the percentiles.
//
// Filters: `label` is the conversation's label now (labels have no history), by name in any case; an
// unknown label matches nothing. `priority` is the chat's own priority (a chat from before priorities
// counts as normal). Messages count for the contacts the label admits; with a priority, only those
// written during a chat of that priority, since a priority belongs to a chat. Per agent, a chat counts
// for the agent holding it (holder_agent_id; null: nobody), and so do the messages written during it.

export interface ReportFilter {
  from: Date;
  to: Date;
  /** IANA zone whose local days `byDay` and the day grouping use. */
  tz: string;
  label?: string;
  priority?: Priority;
}

export type ReportGrouping = 'all' | 'day' | 'agent' | 'label';

export interface Percentiles {
  median: number | null;
  p90: number | null;
  /** Chats with a stored business-time figure. */
  count: number;
}

export interface SlaOutcomes {
  met: number;
  breached: number;
}

export interface ReportFigures {
  chatsOpened: number;
  chatsClosed: number;
  firstResponse: Percentiles;
  resolution: Percentiles;
  /** Both clocks' outcomes together, and each apart. */
  sla: SlaOutcomes & { firstResponse: SlaOutcomes; resolution: SlaOutcomes };
  csat: { average: number | null; count: number; distribution: Record<'1' | '2' | '3' | '4' | '5', number> };
  /** agent: agents' messages and those sent from the WhatsApp Business app on the same number. */
  messages: { student: number; bot: number; agent: number };
  /** Billable messages by pricing category. */
  billable: Record<string, number>;
  /** Every message WhatsApp priced, billable or free, by pricing type (regular, free_customer_service, …). */
  pricingTypes: Record<string, number>;
}

export function emptyFigures(): ReportFigures {
  const outcomes = () => ({ met: 0, breached: 0 });
  return {
    chatsOpened: 0,
    chatsClosed: 0,
    firstResponse: { median: null, p90: null, count: 0 },
    resolution: { median: null, p90: null, count: 0 },
    sla: { ...outcomes(), firstResponse: outcomes(), resolution: outcomes() },
    csat: { average: null, count: 0, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } },
    messages: { student: 0, bot: 0, agent: 0 },
    billable: {},
    pricingTypes: {},
  };
}

/** `$1` from, `$2` to, `$3` zone, `$4` label name, `$5` priority. */
const params = (filter: ReportFilter) => [
  filter.from,
  filter.to,
  filter.tz,
  filter.label ?? null,
  filter.priority ?? null,
];

/** Gives every parameter its type, whichever of them a grouping's statement reads. */
const TYPED_PARAMS = `params as (select $1::timestamptz, $2::timestamptz, $3::text, $4::text, $5::text)`;

/** The label condition on a contact id column (H3's labels: unique by lower(name)). */
const LABEL_CONDITION = (contact: string) =>
  `($4::text is null or exists (select 1 from conversation_labels fl join labels l on l.id = fl.label_id
                                 where fl.contact_id = ${contact} and lower(l.name) = lower($4::text)))`;

const PRIORITY_CONDITION = (session: string) => `($5::text is null or coalesce(${session}.priority, 'normal') = $5)`;

/** A message's pricing category, normalised as rate cards name them (src/rate-card.ts categoryKey). */
export const CATEGORY_OF = (m: string): string =>
  `case when ${m}.pricing is not null then coalesce(replace(lower(${m}.pricing->>'category'), '-', '_'), 'unknown') end`;

/**
 * Whether WhatsApp bills the message: the pricing type says so (`regular`; the free_* types are free),
 * or, on a status without a type (before per-message pricing), the deprecated `billable` flag.
 */
export const BILLABLE = (m: string): string =>
  `coalesce(case when ${m}.pricing ? 'type' then ${m}.pricing->>'type' = 'regular'
                 else ${m}.pricing->'billable' = 'true'::jsonb end, false)`;

/** The sessions any figure of the range can count: started before its end, open at its start. */
const SESSIONS_IN_RANGE = `select cs.* from chat_sessions cs
   where cs.started_at < $2 and (cs.ended_at is null or cs.ended_at >= $1)
     and ${LABEL_CONDITION('cs.contact_id')} and ${PRIORITY_CONDITION('cs')}`;

const SESSION_KEY: Record<ReportGrouping, string> = {
  all: `''`,
  day: `to_char(e.at at time zone $3, 'YYYY-MM-DD')`,
  agent: `coalesce(s.holder_agent_id::text, '')`,
  label: `gl.label_id::text`,
};

const MESSAGE_KEY: Record<ReportGrouping, string> = {
  all: `''`,
  day: `to_char(m.created_at at time zone $3, 'YYYY-MM-DD')`,
  agent: `coalesce(cs.holder_agent_id::text, '')`,
  label: `gl.label_id::text`,
};

/**
 * The report's figures per group key: '' for 'all', a local date, an agent id ('' nobody) or a label id;
 * `withTotal` adds the whole range's under ''.
 */
export async function reportFigures(
  db: Queryable,
  filter: ReportFilter,
  grouping: ReportGrouping,
  options: { withTotal?: boolean } = {},
): Promise<Map<string, ReportFigures>> {
  // With the total: one pass over the rows for both, the total's key null (read as '').
  const total = options.withTotal === true && grouping !== 'all';
  const values = params(filter);
  const labelJoin = (contact: string) =>
    grouping === 'label' ? `join conversation_labels gl on gl.contact_id = ${contact}` : '';
  const [sessions, messages] = await Promise.all([
    db.query<SessionRow>(
      `with ${TYPED_PARAMS}, s as (${SESSIONS_IN_RANGE})
       select ${SESSION_KEY[grouping]} as key, e.kind, count(*)::int as n, count(e.value)::int as valued,
              percentile_cont(0.5) within group (order by e.value) as median,
              percentile_cont(0.9) within group (order by e.value) as p90,
              avg(e.value) as average,
              array[count(*) filter (where e.value = 1), count(*) filter (where e.value = 2),
                    count(*) filter (where e.value = 3), count(*) filter (where e.value = 4),
                    count(*) filter (where e.value = 5)]::int[] as distribution
       from s ${labelJoin('s.contact_id')}
       cross join lateral (values
         ('opened', s.started_at, null::float8),
         ('closed', s.ended_at, null),
         ('first_response', s.first_agent_reply_at, s.first_response_business_seconds),
         ('resolution', s.ended_at, s.resolution_business_seconds),
         ('sla_first_response_' || s.sla_first_response,
          case when s.sla_first_response = 'met' then s.first_agent_reply_at
               else coalesce(s.first_response_due_at, s.first_agent_reply_at, s.ended_at) end, null),
         ('sla_resolution_' || s.sla_resolution,
          case when s.sla_resolution = 'met' then s.ended_at else coalesce(s.resolution_due_at, s.ended_at) end, null),
         ('csat', s.ended_at, s.rating::float8)
       ) as e (kind, at, value)
       where e.kind is not null and e.at >= $1 and e.at < $2
       group by ${total ? 'grouping sets ((2), (1, 2))' : '1, 2'}`,
      values,
    ),
    db.query<MessageRow>(
      `with ${TYPED_PARAMS}
       select ${MESSAGE_KEY[grouping]} as key, m.sender, ${CATEGORY_OF('m')} as category,
              m.pricing->>'type' as pricing_type, ${BILLABLE('m')} as billable, count(*)::int as n
       from messages m
       ${
         grouping === 'agent' || filter.priority !== undefined
           ? `join chat_sessions cs on cs.contact_id = m.contact_id and m.created_at >= cs.started_at
                and (cs.ended_at is null or m.created_at <= cs.ended_at) and ${PRIORITY_CONDITION('cs')}`
           : ''
       }
       ${labelJoin('m.contact_id')}
       where m.created_at >= $1 and m.created_at < $2 and ${LABEL_CONDITION('m.contact_id')}
       group by ${total ? 'grouping sets ((2, 3, 4, 5), (1, 2, 3, 4, 5))' : '1, 2, 3, 4, 5'}`,
      values,
    ),
  ]);
  const groups = new Map<string, ReportFigures>();
  const figuresOf = (key: string) => {
    let figures = groups.get(key);
    if (figures === undefined) groups.set(key, (figures = emptyFigures()));
    return figures;
  };
  for (const row of sessions.rows) addSessionRow(figuresOf(row.key ?? ''), row);
  for (const row of messages.rows) addMessageRow(figuresOf(row.key ?? ''), row);
  return groups;
}

interface SessionRow {
  key: string | null;
  kind: string;
  n: number;
  valued: number;
  median: number | null;
  p90: number | null;
  average: number | null;
  distribution: number[];
}

function addSessionRow(figures: ReportFigures, row: SessionRow): void {
  const percentiles = (): Percentiles => ({ median: row.median, p90: row.p90, count: row.valued });
  switch (row.kind) {
    case 'opened':
      figures.chatsOpened = row.n;
      return;
    case 'closed':
      figures.chatsClosed = row.n;
      return;
    case 'first_response':
      figures.firstResponse = percentiles();
      return;
    case 'resolution':
      figures.resolution = percentiles();
      return;
    case 'csat': {
      const [one = 0, two = 0, three = 0, four = 0, five = 0] = row.distribution;
      figures.csat = {
        average: row.average,
        count: row.valued,
        distribution: { 1: one, 2: two, 3: three, 4: four, 5: five },
      };
      return;
    }
  }
  const sla = /^sla_(first_response|resolution)_(met|breached)$/.exec(row.kind);
  if (sla === null) return;
  const clock = sla[1] === 'first_response' ? 'firstResponse' : 'resolution';
  const outcome = sla[2] as 'met' | 'breached';
  figures.sla[clock][outcome] += row.n;
  figures.sla[outcome] += row.n;
}

interface MessageRow {
  key: string | null;
  sender: 'user' | 'bot' | 'agent' | 'business_app';
  category: string | null;
  pricing_type: string | null;
  billable: boolean;
  n: number;
}

const SENDER_FIGURE = { user: 'student', bot: 'bot', agent: 'agent', business_app: 'agent' } as const;

function addMessageRow(figures: ReportFigures, row: MessageRow): void {
  figures.messages[SENDER_FIGURE[row.sender]] += row.n;
  addPricing(figures.billable, figures.pricingTypes, row);
}

type PricedRow = Pick<MessageRow, 'category' | 'pricing_type' | 'billable' | 'n'>;

/** Adds priced messages to the billable counts by category and the counts by pricing type. */
function addPricing(billable: Record<string, number>, types: Record<string, number>, row: PricedRow): void {
  if (row.category === null) return;
  if (row.billable) billable[row.category] = (billable[row.category] ?? 0) + row.n;
  const type = row.pricing_type ?? 'unknown';
  types[type] = (types[type] ?? 0) + row.n;
}

/** The local dates from `from`'s to the last instant before `to`'s, in the zone, as YYYY-MM-DD. */
export async function localDays(db: Queryable, filter: Pick<ReportFilter, 'from' | 'to' | 'tz'>): Promise<string[]> {
  const { rows } = await db.query<{ day: string }>(
    `select to_char(d, 'YYYY-MM-DD') as day
     from generate_series(($1::timestamptz at time zone $3)::date,
                          (($2::timestamptz - interval '1 microsecond') at time zone $3)::date,
                          interval '1 day') as d`,
    [filter.from, filter.to, filter.tz],
  );
  return rows.map((r) => r.day);
}

/** A local date (YYYY-MM-DD) at midnight in the zone, as an instant. */
export async function localMidnight(db: Queryable, date: string, tz: string): Promise<Date> {
  const { rows } = await db.query<{ at: Date }>(`select ($1::date::timestamp at time zone $2) as at`, [date, tz]);
  return rows[0]!.at;
}

/** The zone the business hours are kept in, if an admin set them. */
export async function businessZone(db: Queryable): Promise<string | undefined> {
  const { rows } = await db.query<{ tz: string | null }>(
    `select value->>'timezone' as tz from support_settings where name = 'business_hours'`,
  );
  return rows[0]?.tz ?? undefined;
}

/** Agents' names by id, for the per-agent report. */
export async function agentNames(db: Queryable, ids: readonly number[]): Promise<Map<number, string>> {
  const { rows } = await db.query<{ id: string; name: string }>('select id, name from agents where id = any($1)', [
    ids,
  ]);
  return new Map(rows.map((r) => [Number(r.id), r.name]));
}

/** Every label's id and name, for the per-label report. */
export async function labelNames(db: Queryable): Promise<Map<number, { name: string; color: string }>> {
  const { rows } = await db.query<{ id: string; name: string; color: string }>('select id, name, color from labels');
  return new Map(rows.map((r) => [Number(r.id), { name: r.name, color: r.color }]));
}

/** What WhatsApp priced of one conversation: billable messages by category, every priced one by type. */
export async function conversationBilling(
  db: Queryable,
  contactId: string,
): Promise<{ byCategory: Record<string, number>; byPricingType: Record<string, number> }> {
  const { rows } = await db.query<PricedRow>(
    `select ${CATEGORY_OF('m')} as category, m.pricing->>'type' as pricing_type, ${BILLABLE('m')} as billable,
            count(*)::int as n
     from messages m where m.contact_id = $1 and m.pricing is not null
     group by 1, 2, 3`,
    [contactId],
  );
  const byCategory: Record<string, number> = {};
  const byPricingType: Record<string, number> = {};
  for (const row of rows) addPricing(byCategory, byPricingType, row);
  return { byCategory, byPricingType };
}
