import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import type { Db } from '../../db/pool';
import { queueFigures } from '../../db/queue';
import { summarizeChats, tallyMessages, type MessageTally, type TimeRange } from '../../db/stats';
import { foldMessageTallies } from '../../metrics/message-figures';
import { badRequest } from '../errors';
import { parse } from './params';

// GET /api/admin/stats?from=&to=: the support figures over [from, to), from Postgres.
// Which timestamp places a row in the range:
// - chats.started: started_at; chats.ended, averageDurationSeconds, endedBy and satisfaction: ended_at
//   (a rating belongs to the chat it rates); chats.active: open at `to` (started before, not ended
//   by then); averageFirstResponseSeconds: first_agent_reply_at, counting only chats where the
//   agent's first message answered the user (not an agent-started chat's opening message).
// - messages, delivery and errors: created_at (an inbound message when the webhook received it, an
//   outbound one when its send was queued). delivery counts how far those messages got by now:
//   sent = accepted by WhatsApp, delivered = delivered or read, read, failed = refused or reported
//   failed; deliveryRate = delivered / sent (null when nothing was sent).

const DAY_MS = 24 * 60 * 60 * 1000;
const MAX_RANGE_DAYS = 366;

/** An instant with an explicit offset (`2025-01-31T12:00:00Z`), or a date, read as midnight UTC. */
const Instant = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((text) => new Date(text));

export const StatsQuery = z.object({ from: Instant.optional(), to: Instant.optional() });

/** The range of a request: `to` defaults to now, `from` to 24 hours before `to`. */
export function statsRange(query: unknown, now = new Date()): TimeRange {
  const parsed = parse(StatsQuery, query, 'invalid_query', 'Invalid query');
  const to = parsed.to ?? now;
  const from = parsed.from ?? new Date(to.getTime() - DAY_MS);
  if (from.getTime() >= to.getTime()) throw badRequest('invalid_query', 'Invalid query: from must be before to');
  if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
    throw badRequest('invalid_query', `Invalid query: a range spans at most ${MAX_RANGE_DAYS} days`);
  }
  return { from, to };
}

export function mountStatsRoutes(router: Router<AdminState>, { db }: { db: Db }, guard: AdminGuard): void {
  router.get('/api/admin/stats', ...guard('stats.read', AGENT_OR_ADMIN), async (ctx) => {
    const range = statsRange(ctx.query);
    noteAudit(ctx, { details: { from: range.from.toISOString(), to: range.to.toISOString() } });
    const [chats, tallies, queue] = await Promise.all([
      summarizeChats(db, range),
      tallyMessages(db, range),
      queueFigures(db),
    ]);
    const messages = messageFigures(tallies);
    ctx.body = {
      status: 'success',
      from: range.from.toISOString(),
      to: range.to.toISOString(),
      chats: {
        started: chats.started,
        ended: chats.ended,
        active: chats.active,
        averageDurationSeconds: roundTo(chats.averageDurationSeconds, 3),
        averageFirstResponseSeconds: roundTo(chats.averageFirstResponseSeconds, 3),
        endedBy: chats.endedBy,
      },
      // Now, whatever the range: the queue is a present state, not a count over time.
      queue: { length: queue.length, oldestWaitSeconds: Math.floor(queue.oldestWaitSeconds) },
      messages: messages.messages,
      delivery: messages.delivery,
      errors: messages.errors,
      satisfaction: {
        ratings: chats.ratings,
        average: roundTo(chats.averageRating, 2),
        distribution: Object.fromEntries(chats.ratingCounts.map((count, i) => [String(i + 1), count])),
      },
    };
  });
}

function messageFigures(tallies: readonly MessageTally[]) {
  const { byType, delivery, errorsByCode } = foldMessageTallies(tallies);
  const total = (counts: Map<string, number>) => [...counts.values()].reduce((a, b) => a + b, 0);
  return {
    messages: {
      inbound: total(byType.inbound),
      outbound: total(byType.outbound),
      byType: { inbound: Object.fromEntries(byType.inbound), outbound: Object.fromEntries(byType.outbound) },
    },
    delivery: { ...delivery, deliveryRate: delivery.sent === 0 ? null : delivery.delivered / delivery.sent },
    errors: { byCode: Object.fromEntries(errorsByCode) },
  };
}

function roundTo(value: number | null, digits: number): number | null {
  if (value === null) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
