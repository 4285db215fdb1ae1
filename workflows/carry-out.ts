import * as wf from '@temporalio/workflow';
import type { Activities, TurnOperation, TurnResult } from '../activities';
import type { Deadlines } from './deadlines';
import { PERMANENT_FAILURE, type SetAsideReason } from '../domain/failures';
import type { AgentOutcome } from './flow/agent';
import type { Effect } from '../domain/effects';

// How the conversation workflow carries out the effects of a flow step: timers as deadlines in
// workflow state, records and sends as the operations of one turn activity (activities/turn.ts), for
// inbound messages, agent commands, payments and timers alike.

// Local activities: Postgres writes and Graph API calls are short, and a local activity runs inside the
// workflow task instead of costing a server round trip each (measured here: about twice the throughput
// of regular activities). Retries past `localRetryThreshold` become durable timers, so a long WhatsApp
// or Postgres outage still backs off for as long as it lasts without holding a worker slot. What can
// never succeed fails at once as PERMANENT_FAILURE (activities/failures.ts) and is set aside. Backoff
// stops growing at 30 s: however long an outage lasted, a conversation goes on within 30 s of its end,
// at the cost of one durable timer per conversation every 30 s while it lasts.
export const store = wf.proxyLocalActivities<Activities>({
  // Generous for the photo download a homework record may start with.
  startToCloseTimeout: '60s',
  localRetryThreshold: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * The turn activity: a step's cause stored, its records written and its messages sent, in one
 * activity. Retried for as long as an outage lasts: the messages in it were acknowledged to Meta, so
 * giving up would lose them.
 */
export const turns = wf.proxyLocalActivities<Activities>({
  // Several sends of up to 15 s each, perhaps a photo download, or an agent's file of up to 100 MB
  // uploaded to WhatsApp (up to 2 minutes) before it is sent, in one attempt.
  startToCloseTimeout: '5m',
  localRetryThreshold: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});

/**
 * Turns a step's effects into the operations of a turn activity, in order; timers are applied to the
 * deadlines here. `takeMarkRead` hands the wamid to mark as read to the first send; `chatSessionKey`
 * is the open chat an agent's message may be the first reply of.
 */
export function planOperations(
  contactId: string,
  effects: Effect[],
  deadlines: Deadlines,
  sendKeys: SendKeys,
  takeMarkRead: () => string | undefined,
  chatSessionKey?: string,
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
          contactId,
          key: sendKeys.next(),
          content: effect.content,
          sender: effect.agent ? 'agent' : 'bot',
          senderName: effect.agent,
          markRead: takeMarkRead(),
          ...(effect.agent !== undefined && chatSessionKey !== undefined ? { chatSessionKey } : {}),
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

/**
 * What a step's turn did, for its caller: the first message an agent wrote, or the first one WhatsApp
 * refused (a file and its text are two messages: the agent hears of either refusal).
 */
export function outcomeOf(operations: TurnOperation[], turn: TurnResult): StepOutcome {
  const outcome: StepOutcome = { replied: operations.some((o) => o.kind === 'send') };
  const sends = turn.agentSends ?? [];
  const sent = sends.find((s) => !('waMessageId' in s)) ?? sends[0];
  if (sent === undefined) return outcome;
  if ('waMessageId' in sent) outcome.agentWaMessageId = sent.waMessageId;
  else outcome.agentFailure = sent.refusedCode === null ? {} : { code: sent.refusedCode };
  return outcome;
}

/** The quarantine reason a failure carries when an activity failed for good; undefined for any other. */
export function permanentReasonOf(err: unknown): SetAsideReason | undefined {
  // Local activity failures reach the workflow unwrapped, regular ones inside an ActivityFailure.
  const failure = err instanceof wf.ActivityFailure ? err.cause : err;
  if (!(failure instanceof wf.ApplicationFailure) || failure.type !== PERMANENT_FAILURE) return undefined;
  const details = failure.details?.[0] as { reason?: SetAsideReason } | undefined;
  return details?.reason ?? 'failed';
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
  private readonly runId = wf.workflowInfo().runId;
  constructor(private readonly contactId: string) {}
  inbound(waMessageId: string): string {
    return `${this.runId}/${waMessageId}`;
  }
  /** Keys for the sends one event causes. */
  forCause(cause: string): SendKeys {
    let sends = 0;
    return { next: () => `${this.contactId}/${cause}/${++sends}` };
  }
}

export interface SendKeys {
  next(): string;
}
