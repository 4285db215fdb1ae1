import * as wf from '@temporalio/workflow';
import { Alarm, earliestDeadline, takeDue, type Deadlines } from './deadlines';
import { outcomeOf, permanentReasonOf, planOperations, store, turns, WriteKeys, type StepOutcome } from './carry-out';
import { carryOut, deliver } from './legacy-carry-out';
import { agentEvent, agentResult, CARRIED, outsideWindow } from './flow/agent';
import type { FlowEvent } from './flow/events';
import { initialFlowState, type FlowState } from './flow/state';
import type { FlowContext, StepResult } from './flow/context';
import { inboundCause } from './flow/ids';
import { restore } from './flow/restore';
import { step } from './flow/step';
import { notice, NOTES } from './flow/texts';
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
import type { TurnItem, TurnResult } from '../activities';
import type { SetAsideReason } from '../domain/failures';
import type { ConversationSettings, InboundMessage } from '../domain/types';
import { MAX_TEXT_CHARS } from '../domain/whatsapp-limits';

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
  /** The product settings last handed over by an activity, so a new run needs no activity to start. */
  settings?: ConversationSettings;
  /**
   * What the conversations row and the search attributes already showed, so a new run does not write
   * them again before anything changed. Absent from snapshots of earlier versions: written once then.
   */
  shown?: { saved?: ShownState; published?: ShownState; publishedInboundAt?: number };
}

/** The part of the state the admin list and the Temporal UI show. */
type ShownState = Pick<FlowState, 'name' | 'registered'>;

export interface ConversationInput {
  contactId: string;
  snapshot?: ConversationSnapshot;
  /** Continue as new after this many history events (tests); otherwise when the server suggests it. */
  maxHistoryEvents?: number;
}

/** The full conversation flow replaced the welcome-only behaviour: older histories replay the old branch. */
export const FULL_FLOW_PATCH = 'full-conversation-flow';
/** Search attributes are upserted when the state changes or LastInboundAt moves a minute, not every batch. */
export const SPARSE_SEARCH_ATTRIBUTES_PATCH = 'sparse-search-attributes';
/** A batch of inbound messages costs one activity instead of one per store, record and send. */
export const ONE_ACTIVITY_PER_BATCH_PATCH = 'one-activity-per-batch';
/** One timer per earliest deadline, kept while deadlines move later, instead of one per wait. */
export const LAZY_DEADLINE_TIMER_PATCH = 'lazy-deadline-timer';
/**
 * The state a turn saved to Postgres was also taken as the one the search attributes showed, so a
 * change made by inbound messages reached them only when LastInboundAt moved a minute: the two are
 * now tracked apart.
 */
export const SEARCH_ATTRIBUTES_AFTER_TURN_PATCH = 'search-attributes-after-turn';
/** WhatsApp's refusal of the text a start or an end carried is reported, as a send's always was. */
export const AGENT_REFUSAL_PATCH = 'refusal-for-every-agent-action';
/**
 * References, session keys and timer tokens derive from what caused them, not from a per-run counter
 * that starts again when a run is lost or reset.
 */
export const IDS_FROM_CAUSES_PATCH = 'ids-from-causes';
/** A run without an earlier run's state starts from what Postgres knows about the conversation. */
export const RESTORE_FROM_POSTGRES_PATCH = 'restore-from-postgres';
/** Agent commands, payments and timers are carried out by the turn activity, as inbound messages are. */
export const ONE_EXECUTOR_PATCH = 'one-executor';
/** A request taken twice while its first copy waits is carried out once and answered twice. */
export const ONE_ANSWER_PER_REQUEST_PATCH = 'one-answer-per-request';
/** Agents' messages show the agent's name to the student. */
export const AGENT_NAMES_PATCH = 'agent-names-in-messages';
/** How current LastInboundAt is kept in the Temporal UI: within a minute: upserted only once it moved that much. */
const LAST_INBOUND_AT_RESOLUTION_MS = 60_000;

// Meta redelivers for up to 7 days; the database's unique wamid catches anything older than this window.
const RECENT_ID_LIMIT = 1000;
const ANSWERED_LIMIT = 100;

type Work =
  | { kind: 'inbound'; message: InboundMessage }
  | { kind: 'payment'; confirmation: PaymentConfirmation }
  | { kind: 'agent'; command: AgentCommand; result?: AgentCommandResult };

/** One long-lived workflow per contact (a student): the only writer of that conversation. */
export async function conversationWorkflow(input: ConversationInput): Promise<void> {
  const { contactId } = input;
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
  /** Agent commands taken but not answered yet, by request id. */
  const unanswered = new Map<string, Work & { kind: 'agent' }>();
  let lastInboundAt = snapshot?.lastInboundAt;
  let settings: ConversationSettings | undefined = snapshot?.settings;
  const differs = (shown: ShownState | undefined) => shown?.name !== flow.name || shown.registered !== flow.registered;
  /** What the conversations row in Postgres holds, and what the search attributes show. */
  let saved: ShownState | undefined = snapshot?.shown?.saved;
  let published: ShownState | undefined = snapshot?.shown?.published;
  let publishedInboundAt: number | undefined = snapshot?.shown?.publishedInboundAt;
  let busy = false;
  let alarm: Alarm | undefined;
  const keys = new WriteKeys(contactId);

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
      // The same request again (another update id: the server forgot the first, or a second server
      // took the retry) while the first still waits: it gets the first one's answer, and runs once.
      const waiting = unanswered.get(command.requestId);
      const item = waiting && wf.patched(ONE_ANSWER_PER_REQUEST_PATCH) ? waiting : { kind: 'agent' as const, command };
      if (item !== waiting) {
        unanswered.set(command.requestId, item);
        work.push(item);
      }
      await wf.condition(() => item.result !== undefined);
      return item.result!;
    },
    {
      validator: (command: AgentCommand) => {
        if (command.agent.trim() === '') throw new Error('agent name is required');
        if (command.message !== undefined && [...command.message].length > MAX_TEXT_CHARS)
          throw new Error(`message is longer than ${MAX_TEXT_CHARS} characters`);
        if (command.action === 'template' && command.content?.kind !== 'template')
          throw new Error('a template command carries its template');
        if (command.action === 'request_contact_info' && command.content?.kind !== 'contact_request')
          throw new Error('a contact-info request carries its text');
        const carries = CARRIED[command.action];
        if (command.content !== undefined && command.content.kind !== carries)
          throw new Error(`a ${command.action} command carries no ${command.content.kind}`);
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

  /** The agents automatic assignment gave chats to, as the turn activity recorded them. */
  const takeClaims = (turn: TurnResult): void => {
    for (const { sessionKey, holder } of turn.claims ?? []) {
      flow = step(flow, { type: 'holderClaimed', sessionKey, holder }, contextFor(turn.settings, 'claim')).state;
    }
  };

  /** What the flow is told besides the event; `cause` names the event for the ids its step makes. */
  const contextFor = (current: ConversationSettings, cause: string): FlowContext => ({
    settings: current,
    now: Date.now(),
    contactId,
    ...(wf.patched(IDS_FROM_CAUSES_PATCH) ? { cause } : {}),
    ...(wf.patched(AGENT_NAMES_PATCH) ? { agentNames: true } : {}),
  });

  /** What handling an item may change, kept so a failed item can be undone. */
  const keep = () => ({ flow, deadlines: { ...deadlines } });
  const putBack = (kept: ReturnType<typeof keep>) => {
    flow = kept.flow;
    for (const timer of Object.keys(deadlines) as (keyof Deadlines)[]) delete deadlines[timer];
    Object.assign(deadlines, kept.deadlines);
  };

  /** Quarantines an item that can never be handled, so the conversation goes on without it. */
  const setAside = async (reason: SetAsideReason, item: Record<string, unknown>, err: unknown): Promise<void> => {
    wf.log.warn('item set aside', { reason, error: String(err) });
    await store.setAside({ contactId, reason, error: String(err), item });
  };

  /**
   * Handles one item so that no failure of it ends the run: an activity failure nothing else
   * recognised (a non-retryable type no caller expects, say) undoes the item and sets it aside. Outages
   * never get here: their activities retry for as long as they last. A plain error thrown by this
   * code is a bug, not the item's fault: it fails the workflow task, which Temporal retries (with the
   * fixed code, once deployed) without losing anything, so it is let through.
   */
  const guarded = async (item: Record<string, unknown>, handle: () => Promise<void>): Promise<void> => {
    const kept = keep();
    try {
      await handle();
    } catch (err) {
      if (wf.isCancellation(err) || !(err instanceof wf.TemporalFailure)) throw err;
      putBack(kept);
      await setAside(permanentReasonOf(err) ?? 'failed', item, err);
    }
  };

  /**
   * Runs one flow step and carries out its effects, in order. Returns the outcome of any agent send.
   * `markRead` is the inbound wamid the first reply marks as read (blue ticks).
   */
  const runStep = async (event: FlowEvent, cause: string, markRead?: string): Promise<StepOutcome> => {
    const current = await loadSettings();
    let result: StepResult;
    try {
      result = step(flow, event, contextFor(current, cause));
    } catch (err) {
      await setAside('step_failed', { event }, err);
      return { setAside: true };
    }
    if (result.rejection) return { rejection: result.rejection };
    const kept = keep();
    flow = result.state;
    if (!wf.patched(ONE_EXECUTOR_PATCH)) {
      try {
        return await carryOut(contactId, result.effects, flow, deadlines, keys.forCause(cause), markRead);
      } catch (err) {
        const reason = permanentReasonOf(err);
        if (reason === undefined) throw err;
        putBack(kept);
        await setAside(reason, { event }, err);
        return { setAside: true };
      }
    }
    let unread = markRead;
    const operations = planOperations(
      contactId,
      result.effects,
      deadlines,
      keys.forCause(cause),
      () => {
        const wamid = unread;
        unread = undefined;
        return wamid;
      },
      flow.chat?.sessionKey,
    );
    // Nothing to write or send (a timer started, say): no activity.
    if (operations.length === 0) return {};
    // The state it leads to is saved in the same activity, instead of one more afterwards.
    const changed = differs(saved);
    const turn = await turns.handleTurn({
      contactId,
      items: [{ event, operations }],
      ...(changed ? { state: { state: flow.name, registered: flow.registered } } : {}),
    });
    settings = turn.settings;
    if (turn.failedAt === undefined) {
      if (changed) saved = { name: flow.name, registered: flow.registered };
      takeClaims(turn);
      return outcomeOf(operations, turn);
    }
    // Set aside by the activity, with why: the step counts as not having happened.
    putBack(kept);
    return { setAside: true };
  };

  /**
   * The whole batch in one activity: the steps are computed first (the flow is pure), then one
   * activity stores each message and carries out what its step asked for. If the database knows a
   * message from before (a redelivery older than the recent ids), the activity stops there; the state
   * goes back to where it was before that message, and the rest is handled again without it. A message
   * whose handling failed for good is set aside the same way; one the flow threw on is stored and set
   * aside without a step.
   */
  const handleInboundInOneActivity = async (batch: InboundMessage[]): Promise<void> => {
    let from = 0;
    while (from < batch.length) {
      const current = await loadSettings();
      const before: { flow: FlowState; deadlines: Deadlines }[] = [];
      let unread: string | undefined = batch[batch.length - 1]!.waMessageId;
      const takeMarkRead = () => {
        const wamid = unread;
        unread = undefined;
        return wamid;
      };
      const items = batch.slice(from).map((message): TurnItem => {
        before.push(keep());
        const ingestKey = keys.inbound(message.waMessageId);
        let result: StepResult;
        try {
          result = step(flow, { type: 'inbound', message }, contextFor(current, inboundCause(message.waMessageId)));
        } catch (err) {
          wf.log.warn('item set aside', { reason: 'step_failed', error: String(err) });
          const { operations } = notHandledNotice(message, takeMarkRead);
          return { message, ingestKey, operations, setAside: { reason: 'step_failed', error: String(err) } };
        }
        flow = result.state;
        const operations = planOperations(
          contactId,
          result.effects,
          deadlines,
          keys.forCause(inboundCause(message.waMessageId)),
          takeMarkRead,
        );
        return { message, ingestKey, operations };
      });
      const changed = differs(saved);
      const turn = await turns.handleTurn({
        contactId,
        items,
        ...(changed ? { state: { state: flow.name, registered: flow.registered } } : {}),
      });
      settings = turn.settings;
      const stoppedAt = turn.duplicateAt ?? turn.failedAt;
      if (stoppedAt === undefined) {
        if (changed) {
          saved = { name: flow.name, registered: flow.registered };
          if (!wf.patched(SEARCH_ATTRIBUTES_AFTER_TURN_PATCH)) published = saved;
        }
        takeClaims(turn);
        return;
      }
      putBack(before[stoppedAt]!);
      takeClaims(turn);
      if (turn.failedAt !== undefined) {
        const failed = batch[from + stoppedAt]!;
        const { operations } = notHandledNotice(failed, () => undefined);
        await turns.handleTurn({ contactId, items: [{ event: { notHandled: failed.waMessageId }, operations }] });
      }
      from += stoppedAt + 1;
    }
  };

  /** The user is told that a message of theirs was set aside, so they can send it again. */
  const notHandledNotice = (message: InboundMessage, takeMarkRead: () => string | undefined) => {
    const effect = { type: 'send', content: notice(NOTES.notHandled) } as const;
    const key = `${contactId}/in/${message.waMessageId}/not-handled`;
    return { operations: planOperations(contactId, [effect], deadlines, { next: () => key }, takeMarkRead) };
  };

  const handleInbound = async (batch: InboundMessage[]): Promise<void> => {
    // WhatsApp delivers concurrently; within a batch, restore the order in which the user sent them.
    batch.sort((a, b) => a.sentAt - b.sentAt);
    if (wf.patched(ONE_ACTIVITY_PER_BATCH_PATCH)) {
      lastInboundAt = Math.max(lastInboundAt ?? 0, ...batch.map((m) => m.sentAt));
      return handleInboundInOneActivity(batch);
    }
    // A row stored under another run's key is a redelivery of a message handled before.
    const recorded = await store.recordInbound({
      contactId,
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
          await deliver(contactId, { type: 'send', content }, keys.legacySend(), undefined, unread);
          unread = undefined;
        }
        continue;
      }
      const outcome = await runStep({ type: 'inbound', message }, inboundCause(message.waMessageId), unread);
      if (outcome.replied) unread = undefined;
    }
  };

  const answer = (item: Work & { kind: 'agent' }, outcome: AgentCommandResult): void => {
    const { requestId, fingerprint } = item.command;
    if (unanswered.get(requestId) === item) unanswered.delete(requestId);
    const result = fingerprint === undefined ? outcome : { ...outcome, fingerprint };
    answered.push({ requestId, result });
    if (answered.length > ANSWERED_LIMIT) answered.shift();
    item.result = result;
  };

  const handleAgent = async (item: Work & { kind: 'agent' }): Promise<void> => {
    const { command } = item;
    // WhatsApp would refuse with 131047; nothing is changed or sent.
    const refused = outsideWindow(command, lastInboundAt, Date.now());
    if (refused) return answer(item, refused);
    const outcome = await runStep(agentEvent(command), `agent/${command.requestId}`);
    const onlyForSend = outcome.agentFailure !== undefined && !wf.patched(AGENT_REFUSAL_PATCH);
    answer(item, agentResult(command, outcome, flow.name, Date.now(), { onlyForSend, holder: flow.chat?.holder }));
  };

  const publish = async (): Promise<void> => {
    if (differs(saved)) {
      await store.saveConversationState({ contactId, state: flow.name, registered: flow.registered });
      saved = { name: flow.name, registered: flow.registered };
    }
    const changed = differs(published);
    // Every upsert is a visibility write on the server; the first version wrote one per batch.
    if (wf.patched(SPARSE_SEARCH_ATTRIBUTES_PATCH)) {
      const inboundMoved =
        lastInboundAt !== undefined &&
        (publishedInboundAt === undefined || lastInboundAt - publishedInboundAt >= LAST_INBOUND_AT_RESOLUTION_MS);
      if (!changed && !inboundMoved) return;
    }
    published = { name: flow.name, registered: flow.registered };
    publishedInboundAt = lastInboundAt;
    wf.upsertSearchAttributes([
      { key: CONVERSATION_STATE, value: flow.name },
      { key: REGISTERED, value: flow.registered },
      ...(lastInboundAt !== undefined ? [{ key: LAST_INBOUND_AT, value: new Date(lastInboundAt) }] : []),
    ]);
  };

  if (snapshot === undefined && wf.patched(RESTORE_FROM_POSTGRES_PATCH)) {
    // Nothing depends on a run surviving: a terminated or reset conversation goes on where it was.
    const loaded = await store.loadConversation({ contactId });
    settings = loaded.settings;
    lastInboundAt = loaded.stored?.lastInboundAt;
    const cause = `restore/${wf.workflowInfo().runId}`;
    const restored = restore(loaded.stored, { settings, now: Date.now(), contactId, cause });
    flow = restored.state;
    // Only timers: applied to the deadlines, nothing to write or send.
    planOperations(contactId, restored.effects, deadlines, keys.forCause(cause), () => undefined);
  }

  for (;;) {
    const ready = () => work.length > 0 || shouldContinueAsNew();
    const next = earliestDeadline(deadlines);
    if (next === undefined) await wf.condition(ready);
    else if (next > Date.now()) {
      if (wf.patched(LAZY_DEADLINE_TIMER_PATCH)) {
        const current = (alarm = Alarm.for(next, alarm));
        await wf.condition(() => ready() || current.rang);
      } else {
        await wf.condition(ready, next - Date.now());
      }
    }

    let handled = false;
    busy = true;
    while (work.length > 0) {
      handled = true;
      const item = work[0]!;
      if (item.kind === 'inbound') {
        // Consecutive messages are stored together in one activity.
        const end = work.findIndex((w) => w.kind !== 'inbound');
        const batch = work.splice(0, end === -1 ? work.length : end) as (Work & { kind: 'inbound' })[];
        const messages = batch.map((w) => w.message);
        await guarded({ inbound: messages }, () => handleInbound(messages));
      } else if (item.kind === 'payment') {
        work.shift();
        const { confirmation } = item;
        await guarded({ payment: confirmation }, async () => {
          await runStep({ type: 'paymentConfirmed', ...confirmation }, `payment/${confirmation.reference}`);
        });
      } else {
        work.shift();
        await guarded({ agent: item.command }, () => handleAgent(item));
        // The update always gets its answer, even when the command was set aside half-way.
        if (item.result === undefined)
          answer(item, agentResult(item.command, { setAside: true }, flow.name, Date.now()));
      }
    }
    for (const due of takeDue(deadlines, Date.now())) {
      handled = true;
      await guarded({ timer: due }, async () => {
        await runStep({ type: 'timer', timer: due.timer, token: due.token }, `timer/${due.timer}/${due.token}`);
      });
    }
    if (handled) await publish();
    busy = false;

    if (shouldContinueAsNew()) {
      // An update that arrived meanwhile waits for the main loop: handle it first, or neither would finish.
      await wf.condition(() => wf.allHandlersFinished() || work.length > 0);
      if (work.length > 0) continue;
      await wf.continueAsNew<typeof conversationWorkflow>({
        contactId,
        snapshot: {
          flow,
          recentIds,
          pending: work.flatMap((w) => (w.kind === 'inbound' ? [w.message] : [])),
          payments: work.flatMap((w) => (w.kind === 'payment' ? [w.confirmation] : [])),
          deadlines,
          lastInboundAt,
          answered,
          settings,
          shown: { saved, published, publishedInboundAt },
        },
        maxHistoryEvents: input.maxHistoryEvents,
      });
    }
  }
}
