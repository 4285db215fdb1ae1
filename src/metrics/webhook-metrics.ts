import { Counter, Histogram, type Registry } from 'prom-client';
import type { IgnoredChangeLabel } from '../whatsapp/parse-webhook';

// What only the HTTP server sees: how WhatsApp's webhook deliveries were answered, and how long the
// answer took. Meta retries a delivery it did not get a 200 for in time, so both matter to operators.

/** The answer to one webhook delivery, by HTTP status; a closed set, so the label stays small. */
export const WEBHOOK_OUTCOMES = [
  'ok',
  'bad_request',
  'unauthorized',
  'payload_too_large',
  'unavailable',
  'error',
] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

// From a fast signature refusal (~1 ms) to a slow Temporal signal-with-start; Meta waits about 20 s.
const ACK_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20];

export interface WebhookMetrics {
  /** Counts one answered delivery and its latency. */
  record(outcome: WebhookOutcome, seconds: number): void;
  /** Counts changes acknowledged and ignored (a field the product does not handle), by field. */
  ignored(labels: readonly IgnoredChangeLabel[]): void;
}

/** The webhook's figures, on `registry`: counted in this process, so they start from zero with it. */
export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const requests = new Counter({
    name: 'edubot_webhook_requests_total',
    help: 'WhatsApp webhook deliveries (POST) answered by this server process, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const ack = new Histogram({
    name: 'edubot_webhook_ack_seconds',
    help: 'Time from receiving a WhatsApp webhook delivery (POST) to answering it, by outcome.',
    labelNames: ['outcome'] as const,
    buckets: ACK_BUCKETS_SECONDS,
    registers: [registry],
  });
  // A closed set of labels (the field name only, never a value from the body): no personal data.
  const ignoredChanges = new Counter({
    name: 'edubot_webhook_ignored_changes_total',
    help:
      'WhatsApp webhook changes acknowledged and ignored by this server process, by field: fields the product ' +
      'does not handle (other = an undocumented name, unreadable = no field, no value object, or not a WABA body).',
    labelNames: ['field'] as const,
    registers: [registry],
  });
  // Every outcome is visible at 0 before its first delivery, so rate() sees it start.
  for (const outcome of WEBHOOK_OUTCOMES) requests.inc({ outcome }, 0);
  return {
    record(outcome, seconds) {
      requests.inc({ outcome });
      ack.observe({ outcome }, seconds);
    },
    ignored(labels) {
      for (const field of labels) ignoredChanges.inc({ field });
    },
  };
}

/** The outcome label of an answer's HTTP status (src/server/measure-webhook.ts records each delivery). */
export function webhookOutcome(status: number): WebhookOutcome {
  if (status >= 200 && status < 300) return 'ok';
  switch (status) {
    case 400:
      return 'bad_request';
    case 401:
      return 'unauthorized';
    case 413:
      return 'payload_too_large';
    case 503:
      return 'unavailable';
    default:
      return 'error';
  }
}
