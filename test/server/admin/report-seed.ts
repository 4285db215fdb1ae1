import type { Db } from '../../../src/db/pool';
import { silentLogger } from '../../../src/logger';
import type { RateCard } from '../../../src/rate-card';
import { createApp } from '../../../src/server/app';
import { connectTemporalClient } from '../../../src/temporal/connect';
import { startScoped } from '../../helpers/cleanup';
import { serveOnLoopback } from '../../helpers/serve';
import { readTestEnvironment } from '../../helpers/test-env';
import type { AdminApp } from './admin-app';

// Chats and messages written straight into Postgres for the reports and exports tests, and the
// figures expected of them, computed here in TypeScript from the seed alone (never from an answer).

export type Priority = 'low' | 'normal' | 'high' | 'urgent';

export interface SeedChat {
  contactId: string;
  startedAt: Date;
  endedAt?: Date;
  firstReplyAt?: Date;
  frtSeconds?: number;
  resolutionSeconds?: number;
  slaFirstResponse?: 'met' | 'breached';
  firstResponseDueAt?: Date;
  slaResolution?: 'met' | 'breached';
  resolutionDueAt?: Date;
  rating?: number;
  holderAgentId?: number;
  priority?: Priority;
}

export interface SeedMessage {
  contactId: string;
  sender: 'user' | 'bot' | 'agent' | 'business_app';
  createdAt: Date;
  pricing?: { category?: string; type?: string; billable?: boolean; pricingModel?: string };
}

let sequence = 0;

export async function insertChats(db: Db, chats: readonly SeedChat[]): Promise<void> {
  for (const c of chats) {
    await db.query(
      `insert into chat_sessions (contact_id, session_key, started_by, started_at, ended_at, ended_by,
         first_user_message_at, first_agent_reply_at, first_response_business_seconds, resolution_business_seconds,
         sla_first_response, first_response_due_at, sla_resolution, resolution_due_at, rating, holder_agent_id,
         priority)
       values ($1, $2, 'user', $3, $4, case when $4::timestamptz is null then null else 'user' end, $3, $5, $6, $7,
               $8, $9, $10, $11, $12, $13, $14)`,
      [
        c.contactId,
        `seed-${process.pid}-${++sequence}`,
        c.startedAt,
        c.endedAt ?? null,
        c.firstReplyAt ?? null,
        c.frtSeconds ?? null,
        c.resolutionSeconds ?? null,
        c.slaFirstResponse ?? null,
        c.firstResponseDueAt ?? null,
        c.slaResolution ?? null,
        c.resolutionDueAt ?? null,
        c.rating ?? null,
        c.holderAgentId ?? null,
        c.priority ?? null,
      ],
    );
  }
}

export async function insertMessages(db: Db, messages: readonly SeedMessage[]): Promise<void> {
  for (const m of messages) {
    await db.query(
      `insert into messages (contact_id, direction, sender, idempotency_key, type, status, created_at, pricing)
       values ($1, $2, $3, $4, 'text', $5, $6, $7)`,
      [
        m.contactId,
        m.sender === 'user' ? 'inbound' : 'outbound',
        m.sender,
        `seed-${process.pid}-${++sequence}`,
        m.sender === 'user' ? 'received' : 'delivered',
        m.createdAt,
        m.pricing === undefined ? null : JSON.stringify(m.pricing),
      ],
    );
  }
}

/** A deterministic pseudo-random source (a 32-bit LCG), so a failure reproduces. */
export function randomSource(seed: number): {
  next(): number;
  int(n: number): number;
  pick<T>(items: readonly T[]): T;
} {
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  return { next, int: (n) => Math.floor(next() * n), pick: (items) => items[Math.floor(next() * items.length)]! };
}

/** percentile_cont: linear interpolation between the closest ranks. */
export function percentileCont(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

export interface Range {
  from: Date;
  to: Date;
}

const inRange = (at: Date | undefined, range: Range): at is Date =>
  at !== undefined && at.getTime() >= range.from.getTime() && at.getTime() < range.to.getTime();

const round3 = (value: number | null) => (value === null ? null : Math.round(value * 1000) / 1000);

/** What the reports should answer for these chats and messages (already filtered by the caller). */
export function expectedFigures(chats: readonly SeedChat[], messages: readonly SeedMessage[], range: Range) {
  const frt = chats.filter((c) => inRange(c.firstReplyAt, range) && c.frtSeconds !== undefined);
  const resolved = chats.filter((c) => inRange(c.endedAt, range) && c.resolutionSeconds !== undefined);
  const rated = chats.filter((c) => inRange(c.endedAt, range) && c.rating !== undefined);
  const outcome = (kind: 'met' | 'breached', clock: 'firstResponse' | 'resolution') =>
    chats.filter((c) =>
      clock === 'firstResponse'
        ? c.slaFirstResponse === kind &&
          inRange(kind === 'met' ? c.firstReplyAt : (c.firstResponseDueAt ?? c.firstReplyAt ?? c.endedAt), range)
        : c.slaResolution === kind && inRange(kind === 'met' ? c.endedAt : (c.resolutionDueAt ?? c.endedAt), range),
    ).length;
  const sla = {
    firstResponse: { met: outcome('met', 'firstResponse'), breached: outcome('breached', 'firstResponse') },
    resolution: { met: outcome('met', 'resolution'), breached: outcome('breached', 'resolution') },
  };
  const ratings = rated.map((c) => c.rating!);
  const counted = messages.filter((m) => inRange(m.createdAt, range));
  const billable: Record<string, number> = {};
  const pricingTypes: Record<string, number> = {};
  for (const m of counted) {
    if (m.pricing === undefined) continue;
    const category = (m.pricing.category ?? 'unknown').toLowerCase().replace(/-/g, '_');
    const paid = m.pricing.type !== undefined ? m.pricing.type === 'regular' : m.pricing.billable === true;
    if (paid) billable[category] = (billable[category] ?? 0) + 1;
    const type = m.pricing.type ?? 'unknown';
    pricingTypes[type] = (pricingTypes[type] ?? 0) + 1;
  }
  const frtValues = frt.map((c) => c.frtSeconds!);
  const resValues = resolved.map((c) => c.resolutionSeconds!);
  return {
    chatsOpened: chats.filter((c) => inRange(c.startedAt, range)).length,
    chatsClosed: chats.filter((c) => inRange(c.endedAt, range)).length,
    firstResponse: {
      median: round3(percentileCont(frtValues, 0.5)),
      p90: round3(percentileCont(frtValues, 0.9)),
      count: frtValues.length,
    },
    resolution: {
      median: round3(percentileCont(resValues, 0.5)),
      p90: round3(percentileCont(resValues, 0.9)),
      count: resValues.length,
    },
    sla: {
      met: sla.firstResponse.met + sla.resolution.met,
      breached: sla.firstResponse.breached + sla.resolution.breached,
      ...sla,
    },
    csat: {
      average:
        ratings.length === 0 ? null : Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 100) / 100,
      count: ratings.length,
      distribution: Object.fromEntries([1, 2, 3, 4, 5].map((r) => [String(r), ratings.filter((x) => x === r).length])),
    },
    messages: {
      student: counted.filter((m) => m.sender === 'user').length,
      bot: counted.filter((m) => m.sender === 'bot').length,
      agent: counted.filter((m) => m.sender === 'agent' || m.sender === 'business_app').length,
    },
    billable,
    pricingTypes,
  };
}

/** The local date of an instant in a zone, YYYY-MM-DD. */
export function localDate(at: Date, tz: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    at,
  );
}

/** Midnight starting a local date in a zone, found by walking UTC offsets (the zone's rules from Intl). */
export function zonedMidnight(date: string, tz: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  let guess = Date.UTC(y, m - 1, d);
  for (let i = 0; i < 3; i++) {
    const parts = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    }).formatToParts(new Date(guess));
    const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
    const shown = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
    guess -= shown - Date.UTC(y, m - 1, d);
  }
  return new Date(guess);
}

/** The same app over the same database, as a server started with WHATSAPP_RATE_CARD serves it. */
export function servePriced(app: AdminApp, rateCard: RateCard): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  return startScoped(async (defer) => {
    const config = { ...app.config, rateCard };
    const { connection, client: temporal } = await connectTemporalClient(
      config.temporalSecurity,
      readTestEnvironment().temporalAddress,
      config.temporalNamespace,
    );
    defer(() => connection.close());
    const koa = createApp({ config, db: app.db, temporal, logger: silentLogger, chat: app.chat, events: app.events });
    return { baseUrl: await serveOnLoopback(koa, defer) };
  });
}
