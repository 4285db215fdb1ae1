import Router from '@koa/router';
import type { AppMetrics } from '../../metrics/app-metrics';

// GET /metrics: unauthenticated by Prometheus convention, so it carries only counts and
// durations: no phone numbers, bodies, names or tokens, in values or in labels.

export function metricsRoutes({ metrics }: { metrics: AppMetrics }): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    const text = await metrics.registry.metrics();
    ctx.type = metrics.registry.contentType;
    ctx.body = text;
  });
  return router;
}
