import type { Middleware } from 'koa';
import { HttpError } from '../server/errors';
import type { MetricFamily } from './exposition';
import { Counter, Histogram } from './instruments';

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
  families(): MetricFamily[];
}

export function createWebhookMetrics(): WebhookMetrics {
  const requests = new Counter(
    'edubot_webhook_requests_total',
    'WhatsApp webhook deliveries (POST) answered by this server process, by outcome.',
  );
  const ack = new Histogram(
    'edubot_webhook_ack_seconds',
    'Time from receiving a WhatsApp webhook delivery (POST) to answering it, by outcome.',
    ACK_BUCKETS_SECONDS,
  );
  for (const outcome of WEBHOOK_OUTCOMES) requests.init({ outcome });
  return {
    record(outcome, seconds) {
      requests.inc({ outcome });
      ack.observe({ outcome }, seconds);
    },
    families: () => [requests.family(), ack.family()],
  };
}

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

/**
 * Wraps the webhook route: records the outcome and latency of each delivery, then lets the answer
 * (or the error, for the error middleware) through unchanged.
 */
export function measureWebhook(metrics: WebhookMetrics): Middleware {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      await next();
    } catch (err) {
      metrics.record(webhookOutcome(err instanceof HttpError ? err.status : 500), seconds());
      throw err;
    }
    metrics.record(webhookOutcome(ctx.status), seconds());
  };
}
