import { Counter, type Registry } from 'prom-client';
import type { SlaEventCount } from '../db/chat-sessions';

// edubot_sla_breaches_total{kind,priority} (SPEC §10 "SLA warnings and breaches"): the warnings and
// breaches of chats' SLA clocks. The workflows record them in another process, so they are counted off
// their rows (chat_sla_events, one per session and kind) with the other stored figures at scrape time
// (store-metrics.ts). `kind` is what happened to which clock: first_response_warning,
// first_response_breach, resolution_warning, resolution_breach; `priority` the chat's priority then.

/** Registers the counter; `counts` undefined means Postgres could not be read: no sample, never a false zero. */
export function registerSlaMetrics(registry: Registry, counts: () => Promise<SlaEventCount[] | undefined>): void {
  new Counter({
    name: 'edubot_sla_breaches_total',
    help:
      'SLA warnings and breaches of chats, by kind (first_response_warning, first_response_breach, ' +
      'resolution_warning, resolution_breach) and the chat priority.',
    labelNames: ['kind', 'priority'] as const,
    registers: [registry],
    async collect() {
      const read = await counts();
      this.reset();
      for (const { kind, priority, count } of read ?? []) this.inc({ kind, priority }, count);
    },
  });
}
