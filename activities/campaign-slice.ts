import { Context, log } from '@temporalio/activity';
import {
  campaignSendsLastSecond,
  claimRecipients,
  outboundLastSecond,
  queuedRemaining,
  recipientRetryLater,
  type ClaimedRecipient,
} from '../src/db/campaign-sends';
import { getCampaign } from '../src/db/campaigns';
import type { Db } from '../src/db/pool';
import { getTemplate } from '../src/db/templates';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import { sleep, slotTaker } from './campaign-pacing';
import { sendToRecipient, type SendOutcome } from './campaign-send';

// A slice of a campaign's sends (SPEC §13): workflows/campaign.ts calls it for a few seconds at a time.
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

/** One second's slots: when it began, how far apart its sends leave, what stops them. */
interface Second {
  campaignId: string;
  mps: number;
  tickStart: number;
  spacingMs: number;
  cancelled: AbortSignal;
}

type SlotOutcome = SendOutcome | 'given_back';

/** Sends for up to `seconds` seconds at the campaign's pace; see the module comment. */
export async function runCampaignSlice(
  db: Db,
  whatsapp: WhatsAppClient,
  input: CampaignSliceInput,
): Promise<CampaignSliceResult> {
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
  const takeSlot = slotTaker(recent, rate, spacingMs / 2);
  const send = (r: ClaimedRecipient) => sendToRecipient({ db, whatsapp, campaign, template, takeSlot }, r);

  for (let second = 0; second < input.seconds && !result.rateLimited; second++) {
    const tickStart = Date.now();
    const others = await outboundLastSecond(db, { othersOnly: true });
    const capLeft = input.maxSends === undefined ? Infinity : input.maxSends - result.sent;
    const budget = Math.max(0, Math.min(rate, input.mps - others, capLeft));
    const claimed = await claimRecipients(db, campaign.id, budget, CAMPAIGN_LEASE_MS);
    if (budget > 0 && claimed.length === 0) break;
    const slots = {
      campaignId: campaign.id,
      mps: input.mps,
      tickStart,
      spacingMs,
      cancelled: context.cancellationSignal,
    };
    tally(result, await sendSecond(db, slots, claimed, send));
    context.heartbeat({ second, sent: result.sent });
    if (result.rateLimited || context.cancellationSignal.aborted) break;
    if (input.maxSends !== undefined && result.sent >= input.maxSends) break;
    await sleep(tickStart + 1000 - Date.now());
  }
  if (result.rateLimited) log.warn('campaign rate limited by WhatsApp (130429)', { campaignId: campaign.id });
  return { ...result, ...(await queuedRemaining(db, campaign.id, CAMPAIGN_LEASE_MS)) };
}

/** Sends one second's claimed recipients at their slots; past the number's budget the rest go back. */
async function sendSecond(
  db: Db,
  { campaignId, mps, tickStart, spacingMs, cancelled }: Second,
  claimed: ClaimedRecipient[],
  send: (r: ClaimedRecipient) => Promise<SendOutcome>,
): Promise<SlotOutcome[]> {
  let stop = false;
  return Promise.all(
    claimed.map(async (r, i) => {
      await sleep(tickStart + i * spacingMs - Date.now());
      // The number's budget again at the slot: the bot may have sent since the second began.
      if (!stop && (await outboundLastSecond(db, { othersOnly: false })) >= mps) stop = true;
      if (stop || cancelled.aborted) {
        await recipientRetryLater(db, campaignId, r.contactId, 0, undefined);
        return 'given_back' as const;
      }
      const outcome = await send(r);
      if (outcome === 'rate_limited') stop = true;
      return outcome;
    }),
  );
}

function tally(result: CampaignSliceResult, outcomes: SlotOutcome[]): void {
  for (const outcome of outcomes) {
    if (outcome === 'rate_limited') {
      result.rateLimited = true;
      result.retryLater += 1;
    } else if (outcome === 'retry') result.retryLater += 1;
    else if (outcome === 'given_back') continue;
    else result[outcome] += 1;
  }
}
