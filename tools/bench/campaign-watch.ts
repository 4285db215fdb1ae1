import { statusWebhookBody, type FakeStatusName } from '../sandbox/graph-fake-status';
import { signBody } from '../../src/whatsapp/signature';
import type { createHttpClient } from './http-client';
import type { CampaignWatchReport } from './protocol';
import { busiestWindow } from './stats';

// The load generator's view of a campaign: every send the Graph fake accepted to a campaign student
// (their numbers share a prefix no simulated user has), its time, whether a student got it twice, and
// Meta's three statuses for it posted back to the server, signed and echoing the send's
// biz_opaque_callback_data as Meta does (the product stores a campaign send's wamid from them should the
// send's own answer be lost). Every send, the bot's replies included, is timed too, for the number's
// busiest second.

const STATUSES: FakeStatusName[] = ['sent', 'delivered', 'read'];

export interface WatchedSend {
  to: string;
  at: number;
  waMessageId: string;
  body: unknown;
}

export class CampaignWatch {
  private readonly campaignTimes: number[] = [];
  private readonly allTimes: number[] = [];
  private readonly recipients = new Set<string>();
  private duplicates = 0;
  private statusesPosted = 0;
  private statusErrors = 0;
  private statusPending = 0;

  constructor(
    private readonly options: {
      prefix: string;
      url: string;
      appSecret: string;
      phoneNumberId: string;
      statuses: boolean;
      http: ReturnType<typeof createHttpClient>;
    },
  ) {}

  /** Every send the fake accepted while the watch is on. */
  onSend(send: WatchedSend): void {
    this.allTimes.push(send.at);
    if (!send.to.startsWith(this.options.prefix)) return;
    this.campaignTimes.push(send.at);
    if (this.recipients.has(send.to)) this.duplicates += 1;
    else this.recipients.add(send.to);
    if (this.options.statuses) void this.postStatuses(send);
  }

  private async postStatuses(send: WatchedSend): Promise<void> {
    const o = this.options;
    const body = send.body as { biz_opaque_callback_data?: unknown };
    const callbackData = typeof body.biz_opaque_callback_data === 'string' ? body.biz_opaque_callback_data : undefined;
    this.statusPending += 1;
    try {
      for (const status of STATUSES) {
        const raw = JSON.stringify(
          statusWebhookBody({
            phoneNumberId: o.phoneNumberId,
            waMessageId: send.waMessageId,
            recipientId: send.to,
            status,
            ...(callbackData === undefined ? {} : { callbackData }),
            at: Date.now(),
          }),
        );
        const answer = await o.http
          .post(o.url, raw, { 'x-hub-signature-256': signBody(raw, o.appSecret) })
          .catch(() => ({ status: 0, text: '' }));
        this.statusesPosted += 1;
        if (answer.status !== 200) this.statusErrors += 1;
      }
    } finally {
      this.statusPending -= 1;
    }
  }

  /** `throughputRefusals`: send requests the fake refused with 130429 while the watch was on. */
  report(throughputRefusals: number): CampaignWatchReport {
    const times = [...this.campaignTimes].sort((a, b) => a - b);
    return {
      sends: times.length,
      recipients: this.recipients.size,
      duplicates: this.duplicates,
      firstAt: times[0] ?? null,
      lastAt: times[times.length - 1] ?? null,
      busiestSecond: busiestWindow(times),
      busiestSecondAllSends: busiestWindow(this.allTimes),
      perSecond: perSecond(times),
      throughputRefusals,
      statusesPosted: this.statusesPosted,
      statusErrors: this.statusErrors,
      statusPending: this.statusPending,
    };
  }
}

/** Sends in each whole second from the first (sorted input). */
function perSecond(sorted: number[]): number[] {
  if (sorted.length === 0) return [];
  const counts: number[] = [];
  for (const t of sorted) {
    const k = Math.floor((t - sorted[0]!) / 1000);
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return Array.from(counts, (n) => n ?? 0);
}
