import { Counter, Gauge, type Registry } from 'prom-client';
import { campaignMessageTotals, type RecipientCounts } from '../db/campaigns';
import { countSlaEvents, type SlaEventCount } from '../db/chat-sessions';
import { countQuarantined, type QuarantineReason } from '../db/quarantine';
import { queueFigures } from '../db/queue';
import type { Queryable } from '../db/queryable';
import { retentionDeletedTotals } from '../db/retention';
import { chatDistributions, tallyMessages, type ChatDistributions } from '../db/stats';
import { foldMessageTallies, type MessageFigures } from './message-figures';
import { StoredHistogram } from './stored-histogram';
import type { RetentionKind } from '../../domain/retention';

// The figures Postgres knows, read when Prometheus scrapes. The worker sends messages and the workflows
// open and close chats in another process; reading the rows sees all of it and survives restarts.
// Counters here are counts of rows, so they only grow (rows are never deleted).

// Chats last minutes, sometimes hours; the idle timeout closes them at 30 minutes by default.
const DURATION_BUCKETS_SECONDS = [30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400];
const FIRST_RESPONSE_BUCKETS_SECONDS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
const RATING_BUCKETS = [1, 2, 3, 4, 5];

/** Outbound progress, "reached at least": each series only grows as WhatsApp reports statuses. */
const DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;

// Message types come from WhatsApp (inbound) or our own content kinds (outbound); anything not
// shaped like a type name is reported as `other` so a label can never carry unexpected text.
const TYPE_LABEL = /^[a-z][a-z_]{0,31}$/;

/** One read of everything below: the figures of one scrape all come from the same moment. */
export interface StoreFigures {
  chats: ChatDistributions;
  /** Message counts by `${direction} ${type}`, types made safe for a label. */
  messages: Map<string, { direction: 'inbound' | 'outbound'; type: string; count: number }>;
  delivery: MessageFigures['delivery'];
  errorsByCode: MessageFigures['errorsByCode'];
  quarantined: Map<QuarantineReason, number>;
  queue: { length: number; oldestWaitSeconds: number };
  /** Rows retention removed, by kind (retention-metrics.ts). */
  retentionDeleted: Record<RetentionKind, number>;
  /** Campaign recipients by the outcome they reached (campaign-metrics.ts). */
  campaigns: RecipientCounts;
  /** SLA warnings and breaches by kind and priority (sla-metrics.ts). */
  slaEvents: SlaEventCount[];
}

export async function readStoreFigures(db: Queryable): Promise<StoreFigures> {
  const [tallies, chats, quarantined, queue, retentionDeleted, campaigns, slaEvents] = await Promise.all([
    tallyMessages(db),
    chatDistributions(db, {
      duration: DURATION_BUCKETS_SECONDS,
      firstResponse: FIRST_RESPONSE_BUCKETS_SECONDS,
      rating: RATING_BUCKETS,
    }),
    countQuarantined(db),
    queueFigures(db),
    retentionDeletedTotals(db),
    campaignMessageTotals(db),
    countSlaEvents(db),
  ]);
  const figures = foldMessageTallies(tallies);
  const messages: StoreFigures['messages'] = new Map();
  for (const direction of ['inbound', 'outbound'] as const) {
    for (const [rawType, count] of figures.byType[direction]) {
      const type = TYPE_LABEL.test(rawType) ? rawType : 'other';
      const entry = messages.get(`${direction} ${type}`) ?? { direction, type, count: 0 };
      entry.count += count;
      messages.set(`${direction} ${type}`, entry);
    }
  }
  return {
    chats,
    messages,
    delivery: figures.delivery,
    errorsByCode: figures.errorsByCode,
    quarantined,
    queue,
    retentionDeleted,
    campaigns,
    slaEvents,
  };
}

/**
 * Registers the stored figures on `registry`, each collected from `figures()` at scrape time. Undefined
 * means Postgres could not be read: the figures then show no sample at all, never a false zero.
 */
export function registerStoreMetrics(registry: Registry, figures: () => Promise<StoreFigures | undefined>): void {
  const registers = [registry];
  // A figure read off the store: no sample when Postgres could not be read.
  const storedGauge = (name: string, help: string, value: (read: StoreFigures) => number): void => {
    new Gauge({
      name,
      help,
      registers,
      async collect() {
        const read = await figures();
        if (read) this.set(value(read));
        else this.remove();
      },
    });
  };
  storedGauge('edubot_active_chats', 'Chat support sessions open now.', (read) => read.chats.active);
  storedGauge(
    'edubot_chat_queue_length',
    "Chats waiting for an agent's first reply (GET /api/admin/queue).",
    (read) => read.queue.length,
  );
  storedGauge(
    'edubot_chat_queue_oldest_wait_seconds',
    'How long the chat waiting longest has waited for an agent (0 when none waits).',
    (read) => read.queue.oldestWaitSeconds,
  );
  new StoredHistogram({
    name: 'edubot_chat_duration_seconds',
    help: 'Duration of ended chat support sessions.',
    buckets: DURATION_BUCKETS_SECONDS,
    registers,
    read: async () => (await figures())?.chats.duration,
  });
  new StoredHistogram({
    name: 'edubot_chat_first_response_seconds',
    help: "Time from the user's first message in a chat to the first agent reply.",
    buckets: FIRST_RESPONSE_BUCKETS_SECONDS,
    registers,
    read: async () => (await figures())?.chats.firstResponse,
  });
  new Counter({
    name: 'edubot_messages_total',
    help: 'Messages stored, by direction (inbound, outbound) and type.',
    labelNames: ['direction', 'type'] as const,
    registers,
    async collect() {
      const read = await figures();
      this.reset();
      for (const { direction, type, count } of read?.messages.values() ?? []) this.inc({ direction, type }, count);
    },
  });
  new Counter({
    name: 'edubot_message_status_total',
    help:
      'Outbound messages that reached each delivery status: sent (accepted by WhatsApp), delivered (or read), ' +
      'read, failed. Delivery rate = delivered / sent.',
    labelNames: ['status'] as const,
    registers,
    async collect() {
      const read = await figures();
      this.reset();
      if (read) for (const status of DELIVERY_STATUSES) this.inc({ status }, read.delivery[status]);
    },
  });
  new Counter({
    name: 'edubot_whatsapp_send_errors_total',
    help: 'Outbound messages that failed, by WhatsApp error code (refused sends and failed statuses).',
    labelNames: ['code'] as const,
    registers,
    async collect() {
      const read = await figures();
      this.reset();
      for (const [code, count] of read?.errorsByCode ?? []) this.inc({ code }, count);
    },
  });
  new Counter({
    name: 'edubot_quarantined_total',
    help: 'Inbound items set aside because they could not be handled (GET /api/admin/quarantine), by reason.',
    labelNames: ['reason'] as const,
    registers,
    async collect() {
      const read = await figures();
      this.reset();
      for (const [reason, count] of read?.quarantined ?? []) this.inc({ reason }, count);
    },
  });
  new StoredHistogram({
    name: 'edubot_csat_rating',
    help: 'Satisfaction ratings (1-5) given after chat support sessions.',
    buckets: RATING_BUCKETS,
    registers,
    read: async () => (await figures())?.chats.rating,
  });
}
