import * as wf from '@temporalio/workflow';
import type { Activities, RecordEffect } from '../activities';
import { permanentReasonOf, store, type SendKeys, type StepOutcome } from './carry-out';
import type { Deadlines } from './deadlines';
import { WHATSAPP_REJECTED } from '../domain/failures';
import type { Effect } from './flow/effects';
import type { FlowState } from './flow/state';

// How versions before the one-executor patch carried out the effects of agent commands, payments and
// timers (and the welcome-only flow its replies): records through one local activity per run of them,
// messages one by one. Kept for the histories those versions left; new steps go through the turn
// activity (carry-out.ts).

/** A refused send is recognised as refused (not abandoned) however its failure arrives. */
export const UNWRAPPED_REFUSAL_PATCH = 'unwrapped-refusal';

const whatsapp = wf.proxyLocalActivities<Activities>({
  // The Graph client gives up on one request after 10 s; the rest is room for the SQL statements.
  startToCloseTimeout: '15s',
  // A reply later than a day is worse than none: the user's 24-hour window has closed by then.
  scheduleToCloseTimeout: '24h',
  localRetryThreshold: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** Carries out a step's effects in order: records in one activity per run of them, sends one by one, timers here. */
export async function carryOut(
  contactId: string,
  effects: Effect[],
  flow: FlowState,
  deadlines: Deadlines,
  sendKeys: SendKeys,
  markRead?: string,
): Promise<StepOutcome> {
  const outcome: StepOutcome = {};
  let records: RecordEffect[] = [];
  const flushRecords = async () => {
    if (records.length === 0) return;
    await store.applyRecords({ contactId, records });
    records = [];
  };
  for (const effect of effects) {
    switch (effect.type) {
      case 'startTimer':
        deadlines[effect.timer] = { token: effect.token, at: Date.now() + effect.delayMs };
        break;
      case 'cancelTimer':
        delete deadlines[effect.timer];
        break;
      case 'send': {
        await flushRecords();
        const sent = await deliver(
          contactId,
          effect,
          sendKeys.next(),
          effect.agent ? flow.chat?.sessionKey : undefined,
          outcome.replied ? undefined : markRead,
        );
        outcome.replied = true;
        if (effect.agent) {
          if (sent.ok) outcome.agentWaMessageId = sent.waMessageId;
          else outcome.agentFailure = { code: sent.code };
        }
        break;
      }
      default:
        records.push(effect);
    }
  }
  await flushRecords();
  return outcome;
}

type Delivery = { ok: true; waMessageId: string } | { ok: false; code?: number };

export async function deliver(
  contactId: string,
  effect: Effect & { type: 'send' },
  key: string,
  chatSessionKey?: string,
  markRead?: string,
): Promise<Delivery> {
  const sender = effect.agent ? 'agent' : 'bot';
  try {
    const { waMessageId } = await whatsapp.deliverMessage({
      contactId,
      key,
      content: effect.content,
      sender,
      senderName: effect.agent,
      markRead,
      chatSessionKey,
    });
    return { ok: true, waMessageId };
  } catch (err) {
    // Values Postgres refuses are not a delivery problem: the step is set aside by its caller.
    if (permanentReasonOf(err) !== undefined) throw err;
    // A failed message must not stop the conversation: the failure is on the stored message for agents to see.
    // Local activity failures reach the workflow unwrapped, regular ones inside an ActivityFailure. The
    // first version looked only for the wrapped form and treated a refusal as abandoned (one more
    // activity): its histories replay through that branch.
    const failure = err instanceof wf.ActivityFailure ? err.cause : err;
    if (
      failure instanceof wf.ApplicationFailure &&
      failure.type === WHATSAPP_REJECTED &&
      wf.patched(UNWRAPPED_REFUSAL_PATCH)
    ) {
      const details = failure.details?.[0] as { code?: number | null } | undefined;
      wf.log.warn('message refused by WhatsApp', { code: details?.code });
      return { ok: false, code: details?.code ?? undefined };
    }
    wf.log.error('message abandoned after retries', { error: String(err) });
    await store.abandonMessage({
      contactId,
      key,
      content: effect.content,
      sender,
      reason: 'delivery abandoned after retries',
    });
    return { ok: false };
  }
}
