import type { Middleware } from 'koa';
import { webhookOutcome, type WebhookMetrics } from '../metrics/webhook-metrics';
import { HttpError } from './errors';

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
