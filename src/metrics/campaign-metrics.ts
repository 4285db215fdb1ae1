import { Counter, type Registry } from 'prom-client';
import { campaignMessageTotals, RECIPIENT_STATUSES, type RecipientCounts } from '../db/campaigns';
import type { Queryable } from '../db/queryable';
import type { Logger } from '../logger';
import { sharedRead } from './shared-read';

// edubot_campaign_messages_total{status} (SPEC §10): campaign messages by outcome, read off the
// recipients' rows at scrape time (the worker sends, the server serves /metrics). Each status counts the
// recipients that reached it (campaigns.ts campaignMessageTotals); `queued` is what waits now.

export function registerCampaignMetrics(
  registry: Registry,
  deps: { db: Queryable; logger: Logger; maxAgeMs: number },
): void {
  const read = sharedRead(
    (): Promise<RecipientCounts | undefined> =>
      campaignMessageTotals(deps.db).catch((err: unknown) => {
        deps.logger.warn('metrics: campaign figures unavailable', { error: err });
        return undefined;
      }),
    deps.maxAgeMs,
  );
  new Counter({
    name: 'edubot_campaign_messages_total',
    help:
      'Campaign messages by outcome: sent (accepted by WhatsApp), delivered (or read), read, replied, failed ' +
      '(with a code), capped (131049), skipped (a value missing, no address), queued (waiting now).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const totals = await read();
      this.reset();
      if (totals) for (const status of RECIPIENT_STATUSES) this.inc({ status }, totals[status]);
    },
  });
}
