import { Counter, type Registry } from 'prom-client';
import { RECIPIENT_STATUSES, type RecipientCounts } from '../db/campaigns';

// edubot_campaign_messages_total{status} (SPEC §10): campaign messages by outcome. The worker sends, the
// server serves /metrics, so the figure is read off the recipients' rows with the other stored figures
// at scrape time (store-metrics.ts). Each status counts the recipients that reached it
// (campaigns.ts campaignMessageTotals), so a series only grows; `queued` is what waits now.

/** Registers the counter; `totals` undefined means Postgres could not be read: no sample, never a false zero. */
export function registerCampaignMetrics(registry: Registry, totals: () => Promise<RecipientCounts | undefined>): void {
  new Counter({
    name: 'edubot_campaign_messages_total',
    help:
      'Campaign messages by outcome: sent (accepted by WhatsApp), delivered (or read), read, replied, failed ' +
      '(with a code), capped (131049), skipped (a value missing, no address), queued (waiting now).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const read = await totals();
      this.reset();
      if (read) for (const status of RECIPIENT_STATUSES) this.inc({ status }, read[status]);
    },
  });
}
