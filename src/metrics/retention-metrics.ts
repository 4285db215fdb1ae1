import { Counter, type Registry } from 'prom-client';
import type { Queryable } from '../db/queryable';
import { retentionDeletedTotals } from '../db/retention';
import { RETENTION_KINDS, type RetentionKind } from '../../domain/retention';
import { sharedRead } from './shared-read';

// edubot_retention_deleted_total{kind}: rows retention removed. The worker prunes, but the server serves
// /metrics (they may run apart), so the count is kept in Postgres, added in the transaction of each
// delete (migration 0016), and read here at scrape time: it survives restarts and never counts a
// rolled-back delete.

export function registerRetentionMetrics(
  registry: Registry,
  options: { db: Queryable; maxAgeMs: number; onError: (err: unknown) => void },
): void {
  const read = sharedRead(
    () =>
      retentionDeletedTotals(options.db).catch((err: unknown): Record<RetentionKind, number> | undefined => {
        options.onError(err);
        return undefined;
      }),
    options.maxAgeMs,
  );
  new Counter({
    name: 'edubot_retention_deleted_total',
    help: 'Rows removed by retention (RETENTION_*), by kind: messages, media (files), audit, quarantine.',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const totals = await read();
      this.reset();
      // No sample when Postgres could not be read, never a false zero.
      if (totals) for (const kind of RETENTION_KINDS) this.inc({ kind }, totals[kind]);
    },
  });
}
