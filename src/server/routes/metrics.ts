import crypto from 'node:crypto';
import Router from '@koa/router';
import type { AppMetrics } from '../../metrics/app-metrics';
import { unauthorized } from '../errors';

// GET /metrics carries only counts and durations: no phone numbers, bodies, names or tokens, in
// values or in labels. Open by Prometheus convention unless METRICS_TOKEN is set; then it needs
// `Authorization: Bearer <token>` (Prometheus's `authorization.credentials_file`), since even counts
// tell an outsider how busy the school is and when.

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

export interface MetricsRouteDeps {
  metrics: AppMetrics;
  /** The bearer token the route requires; undefined: open. */
  token?: string | undefined;
}

export function metricsRoutes({ metrics, token }: MetricsRouteDeps): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (token !== undefined && !presents(ctx.get('authorization'), token)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="edubot-metrics"');
      throw unauthorized('GET /metrics needs Authorization: Bearer <METRICS_TOKEN>');
    }
    const text = await metrics.registry.metrics();
    ctx.type = metrics.registry.contentType;
    ctx.body = text;
  });
  return router;
}

/** Whether the header carries `token`, compared in constant time (both sides hashed to one length). */
function presents(header: string, token: string): boolean {
  const given = BEARER.exec(header)?.[1] ?? '';
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(a, b) && given !== '';
}
