import Router from '@koa/router';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import { EXPOSITION_CONTENT_TYPE, renderExposition, type MetricFamily } from '../../metrics/exposition';
import { collectStoreMetrics } from '../../metrics/store-metrics';
import type { WebhookMetrics } from '../../metrics/webhook-metrics';

// GET /metrics: unauthenticated by Prometheus convention, so it carries only counts and
// durations: no phone numbers, bodies, names or tokens, in values or in labels.

export interface MetricsDeps {
  db: Db;
  logger: Logger;
  webhookMetrics: WebhookMetrics;
}

export function metricsRoutes({ db, logger, webhookMetrics }: MetricsDeps): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    // With Postgres down the scrape still succeeds: the webhook's 503s are exactly what an operator
    // needs to see then. edubot_metrics_postgres_up says whether the stored figures are present.
    let stored: MetricFamily[] = [];
    let postgresUp = 1;
    try {
      stored = await collectStoreMetrics(db);
    } catch (err) {
      postgresUp = 0;
      logger.warn('metrics: stored figures unavailable', { error: err });
    }
    ctx.type = EXPOSITION_CONTENT_TYPE;
    ctx.body = renderExposition([
      ...stored,
      ...webhookMetrics.families(),
      {
        name: 'edubot_metrics_postgres_up',
        help: 'Whether this scrape could read the figures stored in Postgres (1) or not (0).',
        type: 'gauge',
        samples: [{ labels: {}, value: postgresUp }],
      },
    ]);
  });
  return router;
}
