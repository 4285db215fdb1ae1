import * as wf from '@temporalio/workflow';
import type { Activities, RecordEffect } from '../activities';
import { earliestDeadline, takeDue, type Deadlines } from './deadlines';
import { WHATSAPP_REJECTED } from './failures';
import type { Effect } from './flow/effects';
import type { FlowEvent } from './flow/events';
import { initialFlowState, type FlowState } from './flow/state';
import { step } from './flow/step';
import { welcomeOnlyStep } from './flow/welcome-only';
import {
  agentCommandUpdate,
  conversationQuery,
  inboundSignal,
  paymentConfirmedSignal,
  type AgentCommand,
  type AgentCommandResult,
  type PaymentConfirmation,
} from './messages';
import { CONVERSATION_STATE, LAST_INBOUND_AT, REGISTERED } from './search-attributes';
import type { ConversationSettings, InboundMessage } from './types';

/** What a conversation carries from one run to the next. Plain JSON: Map/Set do not survive the payload converter. */
export interface ConversationSnapshot {
  flow: FlowState;
  /** Recent wamids, oldest first: a redelivery of any of them is ignored without touching Postgres. */
  recentIds: string[];
  /** Messages accepted by a signal but not yet handled when the run continued as new. */
  pending: InboundMessage[];
  payments?: PaymentConfirmation[];
  deadlines?: Deadlines;
  /** Epoch ms of the user's last message: WhatsApp refuses free-form messages 24 hours after it. */
  lastInboundAt?: number;
  /** Answers to recent agent commands by idempotency key, so a retried request gets the same answer. */
  answered?: { requestId: string; result: AgentCommandResult }[];
}

export interface ConversationInput {
  phone: string;
  snapshot?: ConversationSnapshot;
  /** Continue as new after this many history events (tests); otherwise when the server suggests it. */
  maxHistoryEvents?: number;
}

/** The full conversation flow replaced the welcome-only behaviour: older histories replay the old branch. */
export const FULL_FLOW_PATCH = 'full-conversation-flow';
/** A refused send is recognised as refused (not abandoned) however its failure arrives. */
export const UNWRAPPED_REFUSAL_PATCH = 'unwrapped-refusal';

// Meta redelivers for up to 7 days; the database's unique wamid catches anything older than this window.
const RECENT_ID_LIMIT = 1000;
const ANSWERED_LIMIT = 100;
const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

// Local activities: Postgres writes and Graph API calls are short, and a local activity runs inside the
// workflow task instead of costing a server round trip each (measured here: about twice the throughput
// of regular activities). Retries past `localRetryThreshold` become durable timers, so a long WhatsApp
// or Postgres outage still backs off for as long as it lasts without holding a worker slot.
const store = wf.proxyLocalActivities<Activities>({
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

type Work =
  | { kind: 'inbound'; message: InboundMessage }
  | { kind: 'payment'; confirmation: PaymentConfirmation }
  | { kind: 'agent'; command: AgentCommand; result?: AgentCommandResult };

/** One long-lived workflow per phone number: the only writer of that conversation. */
export async function conversationWorkflow(input: ConversationInput): Promise<void> {
  const { phone } = input;
  const snapshot = input.snapshot;
  // Runs continued from older code carry a smaller state: fill in what it lacks.
  let flow: FlowState = { ...initialFlowState(), ...snapshot?.flow };
  const recentIds = [...(snapshot?.recentIds ?? [])];
  const seen = new Set(recentIds);
  const work: Work[] = [
    ...(snapshot?.pending ?? []).map((message): Work => ({ kind: 'inbound', message })),
    ...(snapshot?.payments ?? []).map((confirmation): Work => ({ kind: 'payment', confirmation })),
  ];
  const deadlines: Deadlines = { ...snapshot?.deadlines };
  const answered = [...(snapshot?.answered ?? [])];
  let lastInboundAt = snapshot?.lastInboundAt;
  let settings: ConversationSettings | undefined;
  let published: Pick<FlowState, 'name' | 'registered'> | undefined;
  let busy = false;
  const keys = new WriteKeys(phone);

  // Handlers only queue: the main loop handles one item at a time, in arrival order, so events never
  // interleave; a burst that arrives together is handled in one workflow task.
  wf.setHandler(inboundSignal, (message) => {
    if (seen.has(message.waMessageId)) return;
    seen.add(message.waMessageId);
    recentIds.push(message.waMessageId);
    if (recentIds.length > RECENT_ID_LIMIT) seen.delete(recentIds.shift()!);
    work.push({ kind: 'inbound', message });
  });
  wf.setHandler(paymentConfirmedSignal, (confirmation) => {
    work.push({ kind: 'payment', confirmation });
  });
  wf.setHandler(
    agentCommandUpdate,
    async (command) => {
      const earlier = answered.find((a) => a.requestId === command.requestId);
      if (earlier) return earlier.result;
      const item: Work & { kind: 'agent' } = { kind: 'agent', command };
      work.push(item);
      await wf.condition(() => item.result !== undefined);
      return item.result!;
    },
    {
      validator: (command) => {
        if (command.agent.trim() === '') throw new Error('agent name is required');
        if (command.message !== undefined && [...command.message].length > 4096) throw new Error('message is longer than 4096 characters');
      },
    },
  );
  wf.setHandler(conversationQuery, () => ({
    state: flow.name,
    registered: flow.registered,
    pending: work.length,
    busy,
    chatSessionKey: flow.chat?.sessionKey,
  }));

  const shouldContinueAsNew = (): boolean =>
    input.maxHistoryEvents !== undefined
      ? wf.workflowInfo().historyLength >= input.maxHistoryEvents
      : wf.workflowInfo().continueAsNewSuggested;

  const loadSettings = async (): Promise<ConversationSettings> => (settings ??= await store.loadSettings());

  /**
   * Runs one flow step and carries out its effects, in order. Returns the outcome of any agent send.
   * `markRead` is the inbound wamid the first reply marks as read (blue ticks).
   */
  const runStep = async (event: FlowEvent, cause: string, markRead?: string): Promise<StepOutcome> => {
    const current = await loadSettings();
    const result = step(flow, event, { settings: current, now: Date.now(), phone });
    if (result.rejection) return { rejection: result.rejection };
    flow = result.state;
    return carryOut(phone, result.effects, flow, deadlines, keys.forCause(cause), markRead);
  };

  const handleInbound = async (batch: InboundMessage[]): Promise<void> => {
    // WhatsApp delivers concurrently; within a batch, restore the order in which the user sent them.
    batch.sort((a, b) => a.sentAt - b.sentAt);
    // A row stored under another run's key is a redelivery of a message handled before.
    const recorded = await store.recordInbound({
      phone,
      items: batch.map((message) => ({ message, ingestKey: keys.inbound(message.waMessageId) })),
    });
    settings = recorded.settings;
    const skip = new Set(recorded.duplicates);
    lastInboundAt = Math.max(lastInboundAt ?? 0, ...batch.map((m) => m.sentAt));
    let unread: string | undefined = batch[batch.length - 1]!.waMessageId;
    const fullFlow = wf.patched(FULL_FLOW_PATCH);
    for (const message of batch) {
      if (skip.has(message.waMessageId)) continue;
      if (!fullFlow) {
        const legacy = welcomeOnlyStep(flow, message, recorded.settings);
        flow = { ...flow, ...legacy.state };
        for (const content of legacy.replies) {
          await deliver(phone, { type: 'send', content }, keys.legacySend(), undefined, unread);
          unread = undefined;
        }
        continue;
      }
      const outcome = await runStep({ type: 'inbound', message }, `in/${message.waMessageId}`, unread);
      if (outcome.replied) unread = undefined;
    }
  };

  const handleAgent = async (item: Work & { kind: 'agent' }): Promise<void> => {
    const { command } = item;
    let result: AgentCommandResult;
    if (command.action !== 'end' && (lastInboundAt === undefined || Date.now() - lastInboundAt > CUSTOMER_SERVICE_WINDOW_MS)) {
      // WhatsApp would refuse with 131047; nothing is changed or sent.
      result = {
        ok: false,
        code: 'outside_customer_service_window',
        message: "The user's last message is more than 24 hours old; WhatsApp accepts only templates now",
      };
    } else {
      const event: FlowEvent =
        command.action === 'start'
          ? { type: 'agentStart', agent: command.agent, message: command.message }
          : command.action === 'send'
            ? { type: 'agentSend', agent: command.agent, message: command.message ?? '' }
            : { type: 'agentEnd', agent: command.agent, message: command.message };
      const outcome = await runStep(event, `agent/${command.requestId}`);
      result = outcome.rejection
        ? { ok: false, code: outcome.rejection.code, message: outcome.rejection.message }
        : outcome.agentFailure && command.action === 'send'
          ? { ok: false, code: 'whatsapp_rejected', message: 'WhatsApp refused the message', whatsappCode: outcome.agentFailure.code }
          : { ok: true, state: flow.name, waMessageId: outcome.agentWaMessageId, at: Date.now() };
    }
    answered.push({ requestId: command.requestId, result });
    if (answered.length > ANSWERED_LIMIT) answered.shift();
    item.result = result;
  };

  const publish = async (): Promise<void> => {
    if (published?.name !== flow.name || published.registered !== flow.registered) {
      await store.saveConversationState({ phone, state: flow.name, registered: flow.registered });
      published = { name: flow.name, registered: flow.registered };
    }
    wf.upsertSearchAttributes([
      { key: CONVERSATION_STATE, value: flow.name },
      { key: REGISTERED, value: flow.registered },
      ...(lastInboundAt !== undefined ? [{ key: LAST_INBOUND_AT, value: new Date(lastInboundAt) }] : []),
    ]);
  };

  for (;;) {
    const ready = () => work.length > 0 || shouldContinueAsNew();
    const next = earliestDeadline(deadlines);
    if (next === undefined) await wf.condition(ready);
    else if (next > Date.now()) await wf.condition(ready, next - Date.now());

    let handled = false;
    busy = true;
    while (work.length > 0) {
      handled = true;
      const item = work[0]!;
      if (item.kind === 'inbound') {
        // Consecutive messages are stored together in one activity.
        const end = work.findIndex((w) => w.kind !== 'inbound');
        const batch = work.splice(0, end === -1 ? work.length : end) as (Work & { kind: 'inbound' })[];
        await handleInbound(batch.map((w) => w.message));
      } else if (item.kind === 'payment') {
        work.shift();
        await runStep({ type: 'paymentConfirmed', ...item.confirmation }, `payment/${item.confirmation.reference}`);
      } else {
        work.shift();
        await handleAgent(item);
      }
    }
    for (const due of takeDue(deadlines, Date.now())) {
      handled = true;
      await runStep({ type: 'timer', timer: due.timer, token: due.token }, `timer/${due.timer}/${due.token}`);
    }
    if (handled) await publish();
    busy = false;

    if (shouldContinueAsNew()) {
      // An update that arrived meanwhile waits for the main loop: handle it first, or neither would finish.
      await wf.condition(() => wf.allHandlersFinished() || work.length > 0);
      if (work.length > 0) continue;
      await wf.continueAsNew<typeof conversationWorkflow>({
        phone,
        snapshot: {
          flow,
          recentIds,
          pending: work.flatMap((w) => (w.kind === 'inbound' ? [w.message] : [])),
          payments: work.flatMap((w) => (w.kind === 'payment' ? [w.confirmation] : [])),
          deadlines,
          lastInboundAt,
          answered,
        },
        maxHistoryEvents: input.maxHistoryEvents,
      });
    }
  }
}

interface StepOutcome {
  rejection?: { code: 'not_in_chat_support' | 'chat_already_active' | 'invalid_message'; message: string };
  /** The wamid of the message an agent wrote, once WhatsApp accepted it. */
  agentWaMessageId?: string;
  agentFailure?: { code?: number };
  /** Whether any message was sent. */
  replied?: boolean;
}

/** Carries out a step's effects in order: records in one activity per run of them, sends one by one, timers here. */
async function carryOut(
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
        const sent = await deliver(phone, effect, sendKeys.next(), effect.agent ? flow.chat?.sessionKey : undefined, outcome.replied ? undefined : markRead);
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

async function deliver(
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
    // A failed message must not stop the conversation: the failure is on the stored message for agents to see.
    // Local activity failures reach the workflow unwrapped, regular ones inside an ActivityFailure. The
    // first version looked only for the wrapped form and treated a refusal as abandoned (one more
    // activity): its histories replay through that branch.
    const failure = err instanceof wf.ActivityFailure ? err.cause : err;
    if (failure instanceof wf.ApplicationFailure && failure.type === WHATSAPP_REJECTED && wf.patched(UNWRAPPED_REFUSAL_PATCH)) {
      const details = failure.details?.[0] as { code?: number | null } | undefined;
      wf.log.warn('message refused by WhatsApp', { code: details?.code });
      return { ok: false, code: details?.code ?? undefined };
    }
    wf.log.error('message abandoned after retries', { error: String(err) });
    await store.abandonMessage({ phone, key, content: effect.content, sender, reason: 'delivery abandoned after retries' });
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
class WriteKeys {
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

interface SendKeys {
  next(): string;
}
