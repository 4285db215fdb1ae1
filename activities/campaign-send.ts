import { fillParameters } from '../src/campaigns/audience';
import { recipientFinished, recipientRetryLater, recipientSent, type ClaimedRecipient } from '../src/db/campaign-sends';
import { campaignSendKey, type Campaign } from '../src/db/campaigns';
import { recipientOf } from '../src/db/contacts';
import { describeOutbound, markAccepted, markFailed, upsertOutbound } from '../src/db/messages';
import { unreachable, type Db } from '../src/db/pool';
import type { MessageTemplate } from '../domain/message-template';
import { renderTemplate } from '../src/templates/template';
import { WhatsAppApiError } from '../src/whatsapp/errors';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import type { TemplateContent } from '../domain/types';
import { sleep } from './campaign-pacing';

// One recipient's send of a campaign (SPEC §13), exactly once.
//
// The messages row (idempotency key campaign:<id>:<contact>) is created before the Graph call and its
// wamid stored right after; the recipient's outcome follows. A retried attempt that finds the wamid
// only records the outcome. The send carries the key as biz_opaque_callback_data (an opaque id:
// campaign and contact ids, no phone, no text), which WhatsApp echoes in the message's statuses: a
// worker killed after WhatsApp accepted a send and before the wamid is stored leaves the row without a
// wamid, and the first status webhook stores it (recordStatus). A recipient is claimed again only once
// its lease (30 s) ended, so the retry looks at least that long after the send: only a send accepted
// with no status in those 30 s (the webhook server down too) is sent again.

/** WhatsApp's pair rate: one message every 6 s to one user (131056). */
const PAIR_RATE_WAIT_MS = 6_000;
const PAIR_RATE_CODE = 131056;
const THROUGHPUT_CODE = 130429;
const MARKETING_CAP_CODE = 131049;

export type SendOutcome = 'sent' | 'failed' | 'capped' | 'skipped' | 'retry' | 'rate_limited';

/** What one send needs besides its recipient; `takeSlot` waits for the campaign's pace. */
export interface CampaignSend {
  db: Db;
  whatsapp: WhatsAppClient;
  campaign: Campaign;
  template: MessageTemplate;
  takeSlot: () => Promise<void>;
}

/** Sends the campaign's template to `r` (or finds it sent) and records the recipient's outcome. */
export async function sendToRecipient(send: CampaignSend, r: ClaimedRecipient): Promise<SendOutcome> {
  const { db, whatsapp, campaign, template } = send;
  const skip = async (reason: string): Promise<SendOutcome> => {
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
    await send.takeSlot();
    // The key rides along: a status echoing it stores the wamid should this attempt die before it does.
    const { waMessageId } = await whatsapp.sendMessage(to, content, { callbackData: key });
    await storeAccepted(send, r, row.id, content, waMessageId);
    return 'sent';
  } catch (err) {
    if (!(err instanceof WhatsAppApiError)) throw err;
    return recordRefusal(send, r, row.id, err);
  }
}

/** The wamid on the messages row and the recipient sent, whatever Postgres's hiccups. */
async function storeAccepted(
  { db, campaign }: CampaignSend,
  r: ClaimedRecipient,
  rowId: number,
  content: TemplateContent,
  waMessageId: string,
): Promise<void> {
  await keepTrying(() =>
    markAccepted(db, rowId, waMessageId, {
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
}

/** What WhatsApp's refusal means for the recipient: later (and when), capped, or failed for good. */
async function recordRefusal(
  { db, campaign }: CampaignSend,
  r: ClaimedRecipient,
  rowId: number,
  err: WhatsAppApiError,
): Promise<SendOutcome> {
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
  await markFailed(db, rowId, code, err.title ?? err.message);
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
