import * as wf from '@temporalio/workflow';
import type { Activities, RecordEffect, TurnOperation } from '../activities';
import type { Deadlines } from './deadlines';
import { PERMANENT_FAILURE, WHATSAPP_REJECTED, type SetAsideReason } from '../domain/failures';
import type { AgentOutcome } from './flow/agent';
import type { Effect } from './flow/effects';
import type { FlowState } from './flow/state';

// How the conversation workflow carries out the effects of a flow step: records through one local
// activity per run of them, messages one by one, timers as deadlines in workflow state.

/** A refused send is recognised as refused (not abandoned) however its failure arrives. */
export const UNWRAPPED_REFUSAL_PATCH = 'unwrapped-refusal';

// Local activities: Postgres writes and Graph API calls are short, and a local activity runs inside the
// workflow task instead of costing a server round trip each (measured here: about twice the throughput
// of regular activities). Retries past `localRetryThreshold` become durable timers, so a long WhatsApp
// or Postgres outage still backs off for as long as it lasts without holding a worker slot. What can
// never succeed fails at once as PERMANENT_FAILURE (activities/failures.ts) and is set aside.
export const store = wf.proxyLocalActivities<Activities>({
  // Generous for the photo download a homework record may start with.
  startToCloseTimeout: '60s',
  localRetryThreshold: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

const whatsapp = wf.proxyLocalActivities<Activities>({
  // The Graph client gives up on one request after 10 s; the rest is room for the SQL statements.
  startToCloseTimeout: '15s',
  // A reply later than a day is worse than none: the user's 24-hour window has closed by then.
  scheduleToCloseTimeout: '24h',
  localRetryThreshold: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/**
 * A batch of inbound messages: stored, its records written and its replies sent, in one activity.
 * Retried for as long as an outage lasts: the messages in it were acknowledged to Meta, so giving up
 * would lose them.
 */
export const turns = wf.proxyLocalActivities<Activities>({
  // Several sends of up to 15 s each, and perhaps a photo download, in one attempt.
  startToCloseTimeout: '2m',
  localRetryThreshold: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/**
 * Turns a step's effects into the operations of a turn activity, in order; timers are applied to the
 * deadlines here, as carryOut does. `takeMarkRead` hands the wamid to mark as read to the first send.
 */
export function planOperations(
  phone: string,
  effects: Effect[],
  deadlines: Deadlines,
  sendKeys: SendKeys,
  takeMarkRead: () => string | undefined,
): TurnOperation[] {
  const operations: TurnOperation[] = [];
  for (const effect of effects) {
    if (effect.type === 'startTimer')
      deadlines[effect.timer] = { token: effect.token, at: Date.now() + effect.delayMs };
    else if (effect.type === 'cancelTimer') delete deadlines[effect.timer];
    else if (effect.type === 'send') {
      operations.push({
        kind: 'send',
        send: {
          phone,
          key: sendKeys.next(),
          content: effect.content,
          sender: effect.agent ? 'agent' : 'bot',
          senderName: effect.agent,
          markRead: takeMarkRead(),
        },
      });
    } else {
      const last = operations[operations.length - 1];
      if (last?.kind === 'records') last.records.push(effect);
      else operations.push({ kind: 'records', records: [effect] });
    }
  }
  return operations;
}

export interface StepOutcome extends AgentOutcome {
  /** Whether any message was sent. */
  replied?: boolean;
}

/** The quarantine reason a failure carries when an activity failed for good; undefined for any other. */
export function permanentReasonOf(err: unknown): SetAsideReason | undefined {
  // Local activity failures reach the workflow unwrapped, regular ones inside an ActivityFailure.
  const failure = err instanceof wf.ActivityFailure ? err.cause : err;
  if (!(failure instanceof wf.ApplicationFailure) || failure.type !== PERMANENT_FAILURE) return undefined;
  const details = failure.details?.[0] as { reason?: SetAsideReason } | undefined;
  return details?.reason ?? 'failed';
}

/** Carries out a step's effects in order: records in one activity per run of them, sends one by one, timers here. */
export async function carryOut(
  phone: string,
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
    await store.applyRecords({ phone, records });
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
          phone,
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
  phone: string,
  effect: Effect & { type: 'send' },
  key: string,
  chatSessionKey?: string,
  markRead?: string,
): Promise<Delivery> {
  const sender = effect.agent ? 'agent' : 'bot';
  try {
    const { waMessageId } = await whatsapp.deliverMessage({
      phone,
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
      phone,
      key,
      content: effect.content,
      sender,
      reason: 'delivery abandoned after retries',
    });
    return { ok: false };
  }
}

/**
 * Keys that identify one logical write, so that a retried activity, a replay, or the same event handled
 * again after a workflow task was lost writes and sends nothing twice. They come from what caused the
 * write (a wamid, an agent request id, a timer token, a payment reference) and the order of the
 * writes it caused, never from the random generator, whose seed the server may change after a failed
 * workflow task. An agent's request in particular may be handled by a later run when the task that
 * first handled it was lost while the run continued as new: only a key from the request id, not from
 * the run, recognises the send that already happened.
 */
export class WriteKeys {
  private legacySends = 0;
  private readonly runId = wf.workflowInfo().runId;
  constructor(private readonly phone: string) {}
  inbound(waMessageId: string): string {
    return `${this.runId}/${waMessageId}`;
  }
  /** Keys for the sends one event causes. */
  forCause(cause: string): SendKeys {
    let sends = 0;
    return { next: () => `${this.phone}/${cause}/${++sends}` };
  }
  /** The welcome-only flow's sends, numbered within the run as that version did. */
  legacySend(): string {
    return `${this.runId}/send-${++this.legacySends}`;
  }
}

export interface SendKeys {
  next(): string;
}
