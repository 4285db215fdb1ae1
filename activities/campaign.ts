import { Context, log } from '@temporalio/activity';
import { fillParameters } from '../src/campaigns/audience';
import {
  campaignSendsLastSecond,
  claimRecipients,
  outboundLastSecond,
  queuedRemaining,
  recipientFinished,
  recipientRetryLater,
  recipientSent,
  type ClaimedRecipient,
} from '../src/db/campaign-sends';
import {
  campaignSendKey,
  getCampaign,
  setCampaignStatus,
  takeSnapshot,
  type Campaign,
  type CampaignStatus,
} from '../src/db/campaigns';
import { recipientOf } from '../src/db/contacts';
import { describeOutbound, markAccepted, markFailed, upsertOutbound } from '../src/db/messages';
import { unreachable, type Db } from '../src/db/pool';
import { getTemplate } from '../src/db/templates';
import type { MessageTemplate } from '../domain/message-template';
import { renderTemplate } from '../src/templates/template';
import { WhatsAppApiError } from '../src/whatsapp/errors';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import type { TemplateContent } from '../domain/types';

// A campaign's sends (SPEC §13), called by workflows/campaign.ts one slice (a few seconds) at a time.
//
// Pacing: every second of a slice takes a budget of min(rate, WHATSAPP_MPS − the product's other
// outbound messages created in the last second, what the daily cap leaves), claims that many due
// recipients and sends them at evenly spaced slots (1000/rate ms apart); a send also waits until the
// campaign made fewer than `rate` sends in the second before it (its last second's sends are read from
// Postgres when a slice starts), so no 1-second window holds more than `rate` of the campaign's send
// requests, whatever the slices' boundaries or a slow slot. At each slot the number's
// whole last second is counted again (the bot's sends and the campaign's): at WHATSAPP_MPS the rest of
// the second is given back. The bot itself never waits for the campaign, so a burst of replies after a
// slot's count can still take the number past WHATSAPP_MPS for that second; WhatsApp then answers
// 130429, which the bot's sends retry and the campaign backs off from. A 130429 stops the slice.
//
// Exactly once: the messages row (idempotency key campaign:<id>:<contact>) is created before the
// Graph call and its wamid stored right after; the recipient's outcome follows. A retried attempt that
// finds the wamid only records the outcome. The send carries the key as biz_opaque_callback_data
// (an opaque id: campaign and contact ids, no phone, no text), which WhatsApp echoes in the message's
// statuses: a worker killed after WhatsApp accepted a send and before the wamid is stored leaves the
// row without a wamid, and the first status webhook stores it (recordStatus). A recipient is claimed
// again only once its lease (30 s) ended, so the retry looks at least that long after the send: only
// a send accepted with no status in those 30 s (the webhook server down too) is sent again.

export interface CampaignSliceInput {
  campaignId: string;
  /** WHATSAPP_MPS when the campaign was created. */
  mps: number;
  /** How long this call sends, in whole seconds of pacing. */
  seconds: number;
  /** Sends the daily cap still allows; absent: no cap. */
  maxSends?: number;
}

export interface CampaignSliceResult {
  /** Accepted by WhatsApp in this slice. */
  sent: number;
  failed: number;
  capped: number;
  skipped: number;
  /** Put back for later (131056, transient errors, 130429). */
  retryLater: number;
  /** WhatsApp answered 130429: the workflow backs off before the next slice. */
  rateLimited: boolean;
  /** Recipients still queued after the slice, and when the first is due (ms; null: none). */
  queued: number;
  nextDueInMs: number | null;
  /** The campaign row is gone, or its template can no longer be sent. */
  stopped?: 'missing' | 'template_unavailable';
}

/** A claimed recipient is not claimed again before this: longer than a slice plus a send's timeout. */
export const CAMPAIGN_LEASE_MS = 30_000;
/** WhatsApp's pair rate: one message every 6 s to one user (131056). */
const PAIR_RATE_WAIT_MS = 6_000;
const PAIR_RATE_CODE = 131056;
const THROUGHPUT_CODE = 130429;
const MARKETING_CAP_CODE = 131049;

type Outcome = 'sent' | 'failed' | 'capped' | 'skipped' | 'retry' | 'rate_limited';

export interface CampaignActivities {
  startCampaign(input: { campaignId: string }): Promise<number>;
  setCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void>;
  runCampaignSlice(input: CampaignSliceInput): Promise<CampaignSliceResult>;
}

export function createCampaignActivities(db: Db, whatsapp: WhatsAppClient): CampaignActivities {
  async function sendOne(
    campaign: Campaign,
    template: MessageTemplate,
    r: ClaimedRecipient,
    takeSlot: () => Promise<void>,
  ): Promise<Outcome> {
    const skip = async (reason: string): Promise<Outcome> => {
      await recipientFinished(db, campaign.id, r.contactId, { status: 'skipped', reason });
      return 'skipped';
    };
    const filled = fillParameters(campaign.template.parameters, r);
    if (!filled.ok) return skip(`missing ${filled.missing.join(', ')}`);
    const rendered = renderTemplate(template, filled.values);
    if (!rendered.ok) return skip(`parameters refused: ${rendered.problems.join('; ')}`);
    const to = recipientOf(r);
    if (to === undefined) return skip('no address');
    if (template.category.toUpperCase() === 'AUTHENTICATION' && r.phone === null) return skip('phone required');
    const content: TemplateContent = rendered.content;
    const key = campaignSendKey(campaign.id, r.contactId);
    const row = await upsertOutbound(
      db,
      { contactId: r.contactId, key, sender: 'bot', senderName: campaign.name, content },
      { countAttempt: true },
    );
    if (row.waMessageId !== null) {
      await recipientSent(db, campaign.id, r.contactId, row.waMessageId);
      return 'sent';
    }
    if (row.status === 'failed') {
      await recipientFinished(db, campaign.id, r.contactId, {
        status: 'failed',
        errorCode: row.errorCode,
        reason: 'refused',
      });
      return 'failed';
    }
    try {
      // Right before the request: the pace holds for the requests themselves.
      await takeSlot();
      // The key rides along: a status echoing it stores the wamid should this attempt die before it does.
      const { waMessageId } = await whatsapp.sendMessage(to, content, { callbackData: key });
      await keepTrying(() =>
        markAccepted(db, row.id, waMessageId, {
          kind: 'message',
          contactId: r.contactId,
          payload: {
            direction: 'outbound',
            sender: 'bot',
            senderName: campaign.name,
            waMessageId,
            type: 'template',
            body: describeOutbound(content),
            status: 'accepted',
            campaignId: campaign.id,
          },
        }),
      );
      await keepTrying(() => recipientSent(db, campaign.id, r.contactId, waMessageId));
      return 'sent';
    } catch (err) {
      if (!(err instanceof WhatsAppApiError)) throw err;
      const code = err.code ?? null;
      if (code === THROUGHPUT_CODE) {
        await recipientRetryLater(db, campaign.id, r.contactId, 0, { errorCode: code, reason: 'throughput' });
        return 'rate_limited';
      }
      if (code === PAIR_RATE_CODE) {
        // Meta: retry after 4^X s; never sooner than the pair rate's 6 s.
        const wait = Math.max(PAIR_RATE_WAIT_MS, 4 ** Math.min(r.attempts - 1, 5) * 1000);
        await recipientRetryLater(db, campaign.id, r.contactId, wait, { errorCode: code, reason: 'pair rate' });
        return 'retry';
      }
      if (err.retryable) {
        // A timeout may have been accepted all the same: the next attempt sends again (the Graph gap).
        const wait = Math.min(5_000 * r.attempts, 60_000);
        await recipientRetryLater(db, campaign.id, r.contactId, wait, { errorCode: code, reason: 'transient' });
        return 'retry';
      }
      await markFailed(db, row.id, code, err.title ?? err.message);
      if (code === MARKETING_CAP_CODE) {
        await recipientFinished(db, campaign.id, r.contactId, {
          status: 'capped',
          errorCode: code,
          reason: 'per-user marketing limit',
        });
        return 'capped';
      }
      await recipientFinished(db, campaign.id, r.contactId, { status: 'failed', errorCode: code, reason: 'refused' });
      return 'failed';
    }
  }

  return {
    /** Takes the audience snapshot (once) and returns its size. */
    async startCampaign(input: { campaignId: string }): Promise<number> {
      return takeSnapshot(db, input.campaignId);
    },

    /** Stores the status the workflow decided. */
    async setCampaignStatus(input: { campaignId: string; status: CampaignStatus }): Promise<void> {
      await setCampaignStatus(db, input.campaignId, input.status);
    },

    /** Sends for up to `seconds` seconds at the campaign's pace; see the module comment. */
    async runCampaignSlice(input: CampaignSliceInput): Promise<CampaignSliceResult> {
      const result: CampaignSliceResult = {
        sent: 0,
        failed: 0,
        capped: 0,
        skipped: 0,
        retryLater: 0,
        rateLimited: false,
        queued: 0,
        nextDueInMs: null,
      };
      const campaign = await getCampaign(db, input.campaignId);
      if (campaign === undefined) return { ...result, stopped: 'missing' };
      const template = await getTemplate(db, campaign.template.name, campaign.template.language);
      if (template === undefined || template.status !== 'APPROVED')
        return {
          ...result,
          ...(await queuedRemaining(db, campaign.id, CAMPAIGN_LEASE_MS)),
          stopped: 'template_unavailable',
        };
      const rate = Math.min(campaign.ratePerSecond, input.mps);
      const spacingMs = 1000 / rate;
      const context = Context.current();
      // The campaign's own send times of the last second, the previous slice's included: a send waits
      // until fewer than `rate` were made in the second before it, however late earlier slots ran.
      const now = Date.now();
      const recent = (await campaignSendsLastSecond(db, campaign.id)).map((ago) => now - ago);
      // And no two leave closer than half a slot: sends whose slots ran late (Postgres busy) would
      // otherwise leave in a cluster the moment the window frees, and a cluster reaches WhatsApp spread
      // by the network, so its second there holds more than `rate` (44 of 40 in the campaign fault
      // test, 42 with the gap). Half a slot still lets a late second catch up.
      const minGapMs = spacingMs / 2;
      const takeSlot = async (): Promise<void> => {
        for (;;) {
          const at = Date.now();
          while (recent.length > 0 && recent[0]! <= at - 1000) recent.shift();
          const last = recent.at(-1);
          const gapLeft = last === undefined ? 0 : last + minGapMs - at;
          if (recent.length < rate && gapLeft <= 0) {
            recent.push(at);
            return;
          }
          await sleep(recent.length < rate ? gapLeft : recent[0]! + 1001 - at);
        }
      };

      for (let second = 0; second < input.seconds && !result.rateLimited; second++) {
        const tickStart = Date.now();
        const others = await outboundLastSecond(db, { othersOnly: true });
        const capLeft = input.maxSends === undefined ? Infinity : input.maxSends - result.sent;
        const budget = Math.max(0, Math.min(rate, input.mps - others, capLeft));
        const claimed = await claimRecipients(db, campaign.id, budget, CAMPAIGN_LEASE_MS);
        if (budget > 0 && claimed.length === 0) break;
        let stop = false;
        const outcomes = await Promise.all(
          claimed.map(async (r, i) => {
            await sleep(tickStart + i * spacingMs - Date.now());
            // The number's budget again at the slot: the bot may have sent since the second began.
            if (!stop && (await outboundLastSecond(db, { othersOnly: false })) >= input.mps) stop = true;
            if (stop || context.cancellationSignal.aborted) {
              await recipientRetryLater(db, campaign.id, r.contactId, 0, undefined);
              return 'given_back' as const;
            }
            const outcome = await sendOne(campaign, template, r, takeSlot);
            if (outcome === 'rate_limited') stop = true;
            return outcome;
          }),
        );
        for (const outcome of outcomes) {
          if (outcome === 'rate_limited') {
            result.rateLimited = true;
            result.retryLater += 1;
          } else if (outcome === 'retry') result.retryLater += 1;
          else if (outcome === 'given_back') continue;
          else result[outcome] += 1;
        }
        context.heartbeat({ second, sent: result.sent });
        if (result.rateLimited || context.cancellationSignal.aborted) break;
        if (input.maxSends !== undefined && result.sent >= input.maxSends) break;
        await sleep(tickStart + 1000 - Date.now());
      }
      if (result.rateLimited) log.warn('campaign rate limited by WhatsApp (130429)', { campaignId: campaign.id });
      return { ...result, ...(await queuedRemaining(db, campaign.id, CAMPAIGN_LEASE_MS)) };
    },
  };
}

/**
 * Stores what follows an accepted send, again and again while Postgres is unreachable (up to a
 * minute): failing the attempt instead would send the message a second time.
 */
async function keepTrying(write: () => Promise<void>): Promise<void> {
  for (let waited = 0, pause = 200; ; waited += pause, pause = Math.min(pause * 2, 5_000)) {
    try {
      return await write();
    } catch (err) {
      if (!unreachable(err) || waited > 60_000) throw err;
      await sleep(pause);
    }
  }
}

function sleep(ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));
}
