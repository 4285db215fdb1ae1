import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Queryable } from '../db/queryable';
import type { Logger } from '../logger';
import { createAdminAuthMetrics, type AdminAuthMetrics } from './admin-auth-metrics';
import { registerCampaignMetrics } from './campaign-metrics';
import { registerRetentionMetrics } from './retention-metrics';
import { sharedRead } from './shared-read';
import { registerSlaMetrics } from './sla-metrics';
import { readStoreFigures, registerStoreMetrics } from './store-metrics';
import { createWebhookMetrics, type WebhookMetrics } from './webhook-metrics';

// Everything GET /metrics shows, on a registry of the app's own: prom-client's global one would make
// a second app in the same process (tests create several) collide on every name.

/**
 * How long one read of the stored figures serves every scrape. Prometheus scrapes every 15–60 s, so a
 * figure this old is the one a dashboard would show anyway; every read aggregates whole tables.
 */
export const STORE_FIGURES_MAX_AGE_MS = 5_000;

export interface AppMetrics {
  registry: Registry;
  webhook: WebhookMetrics;
  adminAuth: AdminAuthMetrics;
}

export function createAppMetrics(deps: { db: Queryable; logger: Logger; maxAgeMs?: number }): AppMetrics {
  const registry = new Registry();
  const read = sharedRead(
    () =>
      readStoreFigures(deps.db).catch((err: unknown) => {
        // Logged once per failed read, not once per figure or per scrape.
        deps.logger.warn('metrics: stored figures unavailable', { error: err });
        return undefined;
      }),
    deps.maxAgeMs ?? STORE_FIGURES_MAX_AGE_MS,
  );
  registerStoreMetrics(registry, read);
  registerRetentionMetrics(registry, async () => (await read())?.retentionDeleted);
  registerSlaMetrics(registry, async () => (await read())?.slaEvents);
  registerCampaignMetrics(registry, async () => (await read())?.campaigns);
  const webhook = createWebhookMetrics(registry);
  const adminAuth = createAdminAuthMetrics(registry);
  // With Postgres down the scrape still succeeds: the webhook's 503s are exactly what an operator needs
  // to see then. This says whether the stored figures are present.
  new Gauge({
    name: 'edubot_metrics_postgres_up',
    help: 'Whether this scrape could read the figures stored in Postgres (1) or not (0).',
    registers: [registry],
    async collect() {
      this.set((await read()) === undefined ? 0 : 1);
    },
  });
  // The process's own: CPU, memory, heap, event loop lag, GC, handles (prom-client's names).
  collectDefaultMetrics({ register: registry });
  return { registry, webhook, adminAuth };
}
