import { Counter, type Registry } from 'prom-client';
import { RETENTION_KINDS, type RetentionKind } from '../../domain/retention';

// edubot_retention_deleted_total{kind}: rows retention removed. The worker prunes, but the server serves
// /metrics (they may run apart), so the count is kept in Postgres, added in the transaction of each
// delete (migration 0016), and read with the other stored figures at scrape time (store-metrics.ts): it
// survives restarts and never counts a rolled-back delete.

/** Registers the counter; `totals` undefined means Postgres could not be read: no sample, never a false zero. */
export function registerRetentionMetrics(
  registry: Registry,
  totals: () => Promise<Record<RetentionKind, number> | undefined>,
): void {
  new Counter({
    name: 'edubot_retention_deleted_total',
    help: 'Rows removed by retention (RETENTION_*), by kind: messages, media (files), audit, quarantine.',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const read = await totals();
      this.reset();
      if (read) for (const kind of RETENTION_KINDS) this.inc({ kind }, read[kind]);
    },
  });
}
