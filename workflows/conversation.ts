import * as wf from '@temporalio/workflow';
import type { Activities } from '../activities';
import { WHATSAPP_REJECTED } from './failures';
import type { Effect } from './flow/effects';
import { initialFlowState, type FlowState } from './flow/state';
import { step } from './flow/step';
import { conversationQuery, inboundSignal } from './messages';
import { CONVERSATION_STATE, LAST_INBOUND_AT, REGISTERED } from './search-attributes';
import type { InboundMessage } from './types';

/** What a conversation carries from one run to the next. Plain JSON arrays: Map/Set do not survive the payload converter. */
export interface ConversationSnapshot {
  flow: FlowState;
  /** Recent wamids, oldest first: a redelivery of any of them is ignored without touching Postgres. */
  recentIds: string[];
  /** Messages accepted by a signal but not yet handled when the run continued as new. */
  pending: InboundMessage[];
}

export interface ConversationInput {
  phone: string;
  snapshot?: ConversationSnapshot;
  /** Continue as new after this many history events (tests); otherwise when the server suggests it. */
  maxHistoryEvents?: number;
}

// Meta redelivers for up to 7 days; the database's unique wamid catches anything older than this window.
const RECENT_ID_LIMIT = 1000;

// Local activities: Postgres writes and Graph API calls are short, and a local activity runs inside the
// workflow task instead of costing a server round trip each (measured here: about twice the throughput
// of regular activities). Retries past `localRetryThreshold` become durable timers, so a long WhatsApp
// or Postgres outage still backs off for as long as it lasts without holding a worker slot.
const store = wf.proxyLocalActivities<Activities>({
  startToCloseTimeout: '10s',
  localRetryThreshold: '30s',
  retry: { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '1m' },
});

const whatsapp = wf.proxyLocalActivities<Activities>({
  // The Graph client gives up on one request after 10 s; the rest is room for the two SQL statements.
  startToCloseTimeout: '15s',
  // A reply later than a day is worse than none: the user's 24-hour window has closed by then.
  scheduleToCloseTimeout: '24h',
  localRetryThreshold: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

/** One long-lived workflow per phone number: the only writer of that conversation. */
export async function conversationWorkflow(input: ConversationInput): Promise<void> {
  const { phone } = input;
  let flow = input.snapshot?.flow ?? initialFlowState();
  const recentIds = [...(input.snapshot?.recentIds ?? [])];
  const seen = new Set(recentIds);
  const pending: InboundMessage[] = [...(input.snapshot?.pending ?? [])];
  let publishedFlow: FlowState | undefined;
  const keys = new WriteKeys();

  // Signals only queue: handling happens in the main loop, one batch at a time, so events never
  // interleave and a burst that arrives together is handled in one workflow task.
  wf.setHandler(inboundSignal, (message) => {
    if (seen.has(message.waMessageId)) return;
    seen.add(message.waMessageId);
    recentIds.push(message.waMessageId);
    if (recentIds.length > RECENT_ID_LIMIT) seen.delete(recentIds.shift()!);
    pending.push(message);
  });
  wf.setHandler(conversationQuery, () => ({ state: flow.name, registered: flow.registered, pending: pending.length }));

  const shouldContinueAsNew = (): boolean =>
    input.maxHistoryEvents !== undefined
      ? wf.workflowInfo().historyLength >= input.maxHistoryEvents
      : wf.workflowInfo().continueAsNewSuggested;

  for (;;) {
    await wf.condition(() => pending.length > 0 || shouldContinueAsNew());
    if (pending.length > 0) {
      // WhatsApp delivers concurrently; within a batch, restore the order in which the user sent them.
      const batch = pending.splice(0, pending.length).sort((a, b) => a.sentAt - b.sentAt);
      flow = await handleBatch(phone, flow, batch, keys);
      if (publishedFlow?.name !== flow.name || publishedFlow.registered !== flow.registered) {
        await store.saveConversationState({ phone, state: flow.name, registered: flow.registered });
        publishedFlow = flow;
      }
      wf.upsertSearchAttributes([
        { key: CONVERSATION_STATE, value: flow.name },
        { key: REGISTERED, value: flow.registered },
        { key: LAST_INBOUND_AT, value: new Date(batch[batch.length - 1]!.sentAt) },
      ]);
    }
    if (shouldContinueAsNew()) {
      await wf.condition(wf.allHandlersFinished);
      await wf.continueAsNew<typeof conversationWorkflow>({
        phone,
        snapshot: { flow, recentIds, pending },
        maxHistoryEvents: input.maxHistoryEvents,
      });
    }
  }
}

/**
 * Keys that identify one logical write: the same on every retry and replay of this run, different in
 * any other run. They come from the run id and the order of execution, never from the random
 * generator, whose seed the server may change after a failed workflow task.
 */
class WriteKeys {
  private sends = 0;
  private readonly runId = wf.workflowInfo().runId;
  inbound(waMessageId: string): string {
    return `${this.runId}/${waMessageId}`;
  }
  nextSend(): string {
    return `${this.runId}/send-${++this.sends}`;
  }
}

async function handleBatch(phone: string, flow: FlowState, batch: InboundMessage[], keys: WriteKeys): Promise<FlowState> {
  // A row stored under another run's key is a redelivery of a message handled before.
  const { duplicates, settings } = await store.recordInbound({
    phone,
    items: batch.map((message) => ({ message, ingestKey: keys.inbound(message.waMessageId) })),
  });
  const skip = new Set(duplicates);
  let state = flow;
  let unread: string | undefined = batch[batch.length - 1]!.waMessageId;
  for (const message of batch) {
    if (skip.has(message.waMessageId)) continue;
    const result = step(state, { type: 'inbound', message }, settings);
    state = result.state;
    for (const effect of result.effects) {
      await runEffect(phone, effect, keys.nextSend(), unread);
      unread = undefined;
    }
  }
  return state;
}

async function runEffect(phone: string, effect: Effect, key: string, markRead?: string): Promise<void> {
  try {
    await whatsapp.deliverMessage({ phone, key, content: effect.content, sender: 'bot', markRead });
  } catch (err) {
    // A failed reply must not stop the conversation: the failure is on the stored message for agents to see.
    if (err instanceof wf.ActivityFailure && err.cause instanceof wf.ApplicationFailure && err.cause.type === WHATSAPP_REJECTED) {
      wf.log.warn('reply refused by WhatsApp', { details: err.cause.details });
      return;
    }
    wf.log.error('reply abandoned after retries', { error: String(err) });
    await store.abandonMessage({ phone, key, content: effect.content, sender: 'bot', reason: 'delivery abandoned after retries' });
  }
}
