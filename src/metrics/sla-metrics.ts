import { Counter, type Registry } from 'prom-client';
import { countSlaEvents } from '../db/chat-sessions';
import type { Queryable } from '../db/queryable';
import type { Logger } from '../logger';
import { sharedRead } from './shared-read';

// edubot_sla_breaches_total{kind,priority} (SPEC §10 "SLA warnings and breaches"): the warnings and
// breaches of chats' SLA clocks. The workflows record them in another process, so they are counted off
// their rows (chat_sla_events, one per session and kind) at scrape time, like the other stored figures.
// `kind` is what happened to which clock: first_response_warning, first_response_breach,
// resolution_warning, resolution_breach; `priority` the chat's priority when it happened.

/** Registers the counter, read at most once per `maxAgeMs`; an unreadable Postgres shows no sample. */
export function registerSlaMetrics(
  registry: Registry,
  deps: { db: Queryable; logger: Logger; maxAgeMs: number },
): void {
  const read = sharedRead(
    () =>
      countSlaEvents(deps.db).catch((err: unknown) => {
        deps.logger.warn('metrics: SLA events unavailable', { error: err });
        return undefined;
      }),
    deps.maxAgeMs,
  );
  new Counter({
    name: 'edubot_sla_breaches_total',
    help:
      'SLA warnings and breaches of chats, by kind (first_response_warning, first_response_breach, ' +
      'resolution_warning, resolution_breach) and the chat priority.',
    labelNames: ['kind', 'priority'] as const,
    registers: [registry],
    async collect() {
      const counts = await read();
      this.reset();
      for (const { kind, priority, count } of counts ?? []) this.inc({ kind, priority }, count);
    },
  });
}
