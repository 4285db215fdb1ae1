import { countQuarantined } from '../db/quarantine';
import type { Queryable } from '../db/queryable';
import { chatDistributions, tallyMessages, type Distribution } from '../db/stats';
import type { HistogramSeries, MetricFamily, Sample } from './exposition';
import { foldMessageTallies } from './message-figures';

// The figures Postgres knows, computed at scrape time. The worker sends messages and the workflows
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

export async function collectStoreMetrics(db: Queryable): Promise<MetricFamily[]> {
  const [tallies, chats, quarantined] = await Promise.all([
    tallyMessages(db),
    chatDistributions(db, {
      duration: DURATION_BUCKETS_SECONDS,
      firstResponse: FIRST_RESPONSE_BUCKETS_SECONDS,
      rating: RATING_BUCKETS,
    }),
    countQuarantined(db),
  ]);

  const figures = foldMessageTallies(tallies);
  const messages = new Map<string, Sample>();
  for (const direction of ['inbound', 'outbound'] as const) {
    for (const [rawType, count] of figures.byType[direction]) {
      const type = TYPE_LABEL.test(rawType) ? rawType : 'other';
      const sample = messages.get(`${direction} ${type}`) ?? { labels: { direction, type }, value: 0 };
      sample.value += count;
      messages.set(`${direction} ${type}`, sample);
    }
  }

  return [
    {
      name: 'edubot_active_chats',
      help: 'Chat support sessions open now.',
      type: 'gauge',
      samples: [{ labels: {}, value: chats.active }],
    },
    histogram(
      'edubot_chat_duration_seconds',
      'Duration of ended chat support sessions.',
      DURATION_BUCKETS_SECONDS,
      chats.duration,
    ),
    histogram(
      'edubot_chat_first_response_seconds',
      "Time from the user's first message in a chat to the first agent reply.",
      FIRST_RESPONSE_BUCKETS_SECONDS,
      chats.firstResponse,
    ),
    {
      name: 'edubot_messages_total',
      help: 'Messages stored, by direction (inbound, outbound) and type.',
      type: 'counter',
      samples: [...messages.values()],
    },
    {
      name: 'edubot_message_status_total',
      help:
        'Outbound messages that reached each delivery status: sent (accepted by WhatsApp), delivered (or read), ' +
        'read, failed. Delivery rate = delivered / sent.',
      type: 'counter',
      samples: DELIVERY_STATUSES.map((status) => ({ labels: { status }, value: figures.delivery[status] })),
    },
    {
      name: 'edubot_whatsapp_send_errors_total',
      help: 'Outbound messages that failed, by WhatsApp error code (refused sends and failed statuses).',
      type: 'counter',
      samples: [...figures.errorsByCode].map(([code, value]) => ({ labels: { code }, value })),
    },
    {
      name: 'edubot_quarantined_total',
      help: 'Inbound items set aside because they could not be handled (GET /api/admin/quarantine), by reason.',
      type: 'counter',
      samples: [...quarantined].map(([reason, value]) => ({ labels: { reason }, value })),
    },
    histogram(
      'edubot_csat_rating',
      'Satisfaction ratings (1-5) given after chat support sessions.',
      RATING_BUCKETS,
      chats.rating,
    ),
  ];
}

function histogram(name: string, help: string, bounds: readonly number[], distribution: Distribution): MetricFamily {
  const { cumulative, count, sum } = distribution;
  const series: HistogramSeries = { labels: {}, bounds, cumulative, count, sum };
  return { name, help, type: 'histogram', series: [series] };
}
