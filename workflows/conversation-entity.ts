import * as wf from '@temporalio/workflow';
import { Alarm, earliestDeadline, takeDue, type Deadlines } from './deadlines';
import { outcomeOf, permanentReasonOf, planOperations, store, turns, WriteKeys, type StepOutcome } from './carry-out';
import { agentEvent, agentResult, outsideWindow } from './flow/agent';
import type { FlowContext, StepResult } from './flow/context';
import type { Effect } from '../domain/effects';
import type { FlowEvent } from './flow/events';
import { inboundCause } from './flow/ids';
import { restore } from './flow/restore';
import type { FlowState } from './flow/state';
import { step } from './flow/step';
import { notice, NOTES } from './flow/texts';
import type { AgentCommand, AgentCommandResult, ConversationView, PaymentConfirmation } from './messages';
import { WorkQueue, type AgentWork, type NextWork } from './conversation-queue';
import { HandedSettings } from './conversation-settings';
import { Shown } from './conversation-shown';
import { SNAPSHOT_VERSION, type ConversationSnapshot } from './snapshot';
import type { TurnItem, TurnResult } from '../activities';
import type { TimerName } from '../domain/conversation';
import type { SetAsideReason } from '../domain/failures';
import type { Priority } from '../domain/support-policy';
import type { ConversationSettings, InboundMessage } from '../domain/types';

// The conversation the workflow (conversation.ts) wraps: its state, the queue of what is to be handled,
// and the one path every item takes — compute the flow step (pure), carry out its effects in one turn
// activity, keep the step only if the activity did it. The workflow file only wires handlers, the loop
// and continue-as-new around it. Beside it: its queue (conversation-queue.ts), the settings it was last
// handed (conversation-settings.ts), and where its state is shown (conversation-shown.ts).

/** One flow event to handle; an inbound message is stored by the turn that carries out its step. */
interface Item {
  event: FlowEvent;
  /** Names the event for the ids its step makes and the keys of its sends; unique for the conversation's life. */
  cause: string;
  message?: InboundMessage;
}

/** What `handleWork` handles: queued work, or a flow timer that is due. */
type ToHandle = NextWork | { kind: 'timer'; due: { timer: TimerName; token: string } };

/** What handling an item may change, kept so that an item that failed for good can be undone. */
interface Kept {
  flow: FlowState;
  deadlines: Deadlines;
}

export class Conversation {
  private flow: FlowState;
  private readonly work: WorkQueue;
  private readonly deadlines: Deadlines;
  private lastInboundAt: number | undefined;
  private readonly settings: HandedSettings;
  private readonly shown: Shown;
  private busy = false;
  private alarm: Alarm | undefined;
  private readonly keys: WriteKeys;

  constructor(
    readonly contactId: string,
    snapshot: ConversationSnapshot,
  ) {
    this.flow = snapshot.flow;
    this.work = new WorkQueue(snapshot);
    this.deadlines = { ...snapshot.deadlines };
    this.lastInboundAt = snapshot.lastInboundAt;
    this.settings = new HandedSettings(snapshot.settings);
    this.shown = new Shown(snapshot.shown);
    this.keys = new WriteKeys(contactId);
  }

  /** A run without an earlier run's state goes on from what Postgres knows (nothing depends on a run surviving). */
  async restoreFromPostgres(): Promise<void> {
    const loaded = await store.loadConversation({ contactId: this.contactId });
    this.settings.handedOver(loaded.settings);
    this.lastInboundAt = loaded.stored?.lastInboundAt;
    const cause = `restore/${wf.workflowInfo().runId}`;
    const restored = restore(loaded.stored, this.contextFor(loaded.settings, cause));
    this.flow = restored.state;
    // Only timers: applied to the deadlines, nothing to write or send.
    this.plan(restored.effects, cause, () => undefined);
  }

  // What the handlers do: they only queue; `handleWork` handles one item at a time, in arrival order.

  accept(message: InboundMessage): void {
    this.work.accept(message);
  }

  confirmPayment(confirmation: PaymentConfirmation): void {
    this.work.confirmPayment(confirmation);
  }

  /** The conversation's priority changed (already stored): the open chat's SLA clocks follow it. */
  setPriority(priority: Priority): void {
    this.work.setPriority(priority);
  }

  /** Takes an agent command and waits for its answer; a request taken twice runs once and is answered twice. */
  command(command: AgentCommand): Promise<AgentCommandResult> {
    return this.work.command(command);
  }

  view(): ConversationView {
    return {
      state: this.flow.name,
      registered: this.flow.registered,
      pending: this.work.length,
      busy: this.busy,
      chatSessionKey: this.flow.chat?.sessionKey,
    };
  }

  hasWork(): boolean {
    return this.work.length > 0;
  }

  /**
   * Until `ready()` or the earliest flow timer is due. One durable timer serves every deadline
   * (deadlines.ts). Undefined, rather than a promise, when there is nothing to wait for (see handleWork).
   */
  waitFor(ready: () => boolean): Promise<void> | undefined {
    const next = earliestDeadline(this.deadlines);
    if (next === undefined) return ready() ? undefined : wf.condition(ready);
    if (next <= Date.now()) return undefined;
    const alarm = (this.alarm = Alarm.for(next, this.alarm));
    const rung = () => ready() || alarm.rang;
    return rung() ? undefined : wf.condition(rung);
  }

  /**
   * Handles everything queued and every timer due, then shows the state where it changed.
   *
   * This is the per-message path, kept to few promises on purpose: the SDK's workflow sandbox captures
   * a stack trace (with source-map lookups) for every promise workflow code creates, for its stack-trace
   * query (sdk-typescript#1587), and that was a large share of the worker's CPU per message. Every call
   * of an async function and every `await` makes one. So from here to the turn activity there is one
   * async layer (runAll), helpers with nothing to wait for return undefined instead of a promise, and
   * an `await` stands only where something can be pending. Don't wrap synchronous work in async.
   */
  async handleWork(): Promise<void> {
    let handled = false;
    this.busy = true;
    for (const next of this.toHandle()) {
      handled = true;
      // Guarded: no failure of an item ends the run. An activity failure nothing else recognised (a
      // non-retryable type no caller expects, say) undoes the item and sets it aside. Outages never
      // get here: their activities retry for as long as they last. A plain error thrown by this code
      // is a bug, not the item's fault: it fails the workflow task, which Temporal retries (with the
      // fixed code, once deployed) without losing anything, so it is let through.
      const kept = this.keep();
      try {
        await this.handle(next);
      } catch (err) {
        if (wf.isCancellation(err) || !(err instanceof wf.TemporalFailure)) throw err;
        this.putBack(kept);
        await this.setAside(permanentReasonOf(err) ?? 'failed', setAsideItem(next), err);
      }
      // The update always gets its answer, even when the command was set aside half-way.
      if (next.kind === 'agent' && next.result === undefined)
        this.work.answer(next, agentResult(next.command, { setAside: true }, this.flow.name, Date.now()));
    }
    const publishing = handled ? this.shown.publish(this.contactId, this.flow, this.lastInboundAt) : undefined;
    if (publishing) await publishing;
    this.busy = false;
  }

  /** What the next run starts from. */
  snapshot(): ConversationSnapshot {
    const { recentIds, pending, payments, answered } = this.work.snapshot();
    // In the order of the fields of 1.0.0's snapshots.
    return {
      version: SNAPSHOT_VERSION,
      flow: this.flow,
      recentIds,
      pending,
      payments,
      deadlines: this.deadlines,
      ...(this.lastInboundAt === undefined ? {} : { lastInboundAt: this.lastInboundAt }),
      answered,
      ...(this.settings.value === undefined ? {} : { settings: this.settings.value }),
      shown: this.shown.snapshot(),
    };
  }

  /** What is queued, in order, then the timers due once the queue is empty (taken only then). */
  private *toHandle(): Generator<ToHandle> {
    for (let next = this.work.next(); next !== undefined; next = this.work.next()) yield next;
    for (const due of takeDue(this.deadlines, Date.now())) yield { kind: 'timer', due };
  }

  /** Starts handling one item; what it returns settles once the item is handled. */
  private handle(next: ToHandle): Promise<unknown> {
    if (next.kind === 'inbound') return this.handleInbound(next.messages);
    if (next.kind === 'agent') return this.handleAgent(next);
    if (next.kind === 'priority') {
      // Nothing a retry must recognise: the step only plans timers and sets the session's due times.
      const cause = `priority/${wf.workflowInfo().runId}/${Date.now()}`;
      return this.runAll([{ event: { type: 'priority', priority: next.priority }, cause }]);
    }
    if (next.kind === 'payment') {
      const { confirmation } = next;
      return this.runAll([
        { event: { type: 'paymentConfirmed', ...confirmation }, cause: `payment/${confirmation.reference}` },
      ]);
    }
    const { timer, token } = next.due;
    return this.runAll([{ event: { type: 'timer', timer, token }, cause: `timer/${timer}/${token}` }]);
  }

  /** Consecutive messages, handled together in one turn activity. */
  private handleInbound(batch: InboundMessage[]): Promise<StepOutcome[]> {
    // WhatsApp delivers concurrently; within a batch, restore the order in which the user sent them.
    batch.sort((a, b) => a.sentAt - b.sentAt);
    this.lastInboundAt = Math.max(this.lastInboundAt ?? 0, ...batch.map((m) => m.sentAt));
    return this.runAll(
      batch.map((message) => ({
        event: { type: 'inbound', message },
        cause: inboundCause(message.waMessageId),
        message,
      })),
    );
  }

  private async handleAgent(item: AgentWork): Promise<void> {
    const { command } = item;
    // WhatsApp would refuse with 131047; nothing is changed or sent.
    const refused = outsideWindow(command, this.lastInboundAt, Date.now());
    if (refused) return this.work.answer(item, refused);
    const [outcome = {}] = await this.runAll([{ event: agentEvent(command), cause: `agent/${command.requestId}` }]);
    const result = agentResult(command, outcome, this.flow.name, Date.now(), { holder: this.flow.chat?.holder });
    this.work.answer(item, result);
  }

  /**
   * The one path of every item: the steps are computed first (the flow is pure), then ONE turn activity
   * stores each message and carries out what its step asked for, in order. When the turn stops at an
   * item — a redelivery the database knows from before, or an item whose handling failed for good (the
   * activity set it aside, with why) — the state goes back to where it was before that item, and the
   * items after it are handled again without it. A step the flow throws on is set aside without its
   * effects (a message is still stored, and its sender told). Returns each item's outcome, in order.
   */
  private async runAll(items: Item[]): Promise<StepOutcome[]> {
    const outcomes: StepOutcome[] = items.map(() => ({}));
    let from = 0;
    while (from < items.length) {
      let current = (this.settings.value ??= await store.loadSettings());
      // The first reply of a batch of messages marks the last of them as read (blue ticks).
      let unread = items[items.length - 1]!.message?.waMessageId;
      const takeMarkRead = () => {
        const wamid = unread;
        unread = undefined;
        return wamid;
      };
      /** The turn's items, each with the index of the item it carries out and the state before it. */
      const planned: { index: number; kept: Kept; turnItem: TurnItem }[] = [];
      for (let index = from; index < items.length; index++) {
        const { event, cause, message } = items[index]!;
        const kept = this.keep();
        const caused = message ? { message, ingestKey: this.keys.inbound(message.waMessageId) } : { event };
        let result: StepResult;
        try {
          result = step(this.flow, event, this.contextFor(current, cause));
          if (this.settings.mayBeStaleFor(result)) {
            current = this.settings.handedOver(await store.loadSettings());
            result = step(this.flow, event, this.contextFor(current, cause));
          }
        } catch (err) {
          wf.log.warn('item set aside', { reason: 'step_failed', error: String(err) });
          outcomes[index] = { setAside: true };
          const operations = message ? this.notHandledNotice(message, takeMarkRead) : [];
          planned.push({
            index,
            kept,
            turnItem: { ...caused, operations, setAside: { reason: 'step_failed', error: String(err) } },
          });
          continue;
        }
        // Refused (an agent's command the conversation cannot carry out): nothing changed, nothing to do.
        if (result.rejection) {
          outcomes[index] = { rejection: result.rejection };
          continue;
        }
        this.flow = result.state;
        const operations = this.plan(result.effects, cause, takeMarkRead);
        planned.push({ index, kept, turnItem: { ...caused, operations } });
      }
      // Nothing to store, write or send (a timer started, say): no activity.
      if (
        planned.every(
          ({ turnItem }) => !('message' in turnItem) && !turnItem.setAside && turnItem.operations.length === 0,
        )
      )
        return outcomes;

      const changed = this.shown.unsaved(this.flow);
      const turn = await turns.handleTurn({
        contactId: this.contactId,
        items: planned.map((p) => p.turnItem),
        ...(changed ? { state: { state: this.flow.name, registered: this.flow.registered } } : {}),
      });
      this.settings.handedOver(turn.settings);
      const stoppedAt = turn.duplicateAt ?? turn.failedAt;
      const done = stoppedAt === undefined ? planned : planned.slice(0, stoppedAt);
      for (const { index, turnItem } of done) {
        if (!turnItem.setAside) outcomes[index] = outcomeOf(turnItem.operations, turn);
      }
      if (stoppedAt === undefined) {
        if (changed) this.shown.markSaved(this.flow);
        this.takeClaims(turn);
        return outcomes;
      }
      const stopped = planned[stoppedAt]!;
      this.putBack(stopped.kept);
      this.takeClaims(turn);
      if (turn.failedAt !== undefined) {
        outcomes[stopped.index] = { setAside: true };
        const failed = items[stopped.index]!.message;
        if (failed) {
          const operations = this.notHandledNotice(failed, () => undefined);
          await turns.handleTurn({
            contactId: this.contactId,
            items: [{ event: { notHandled: failed.waMessageId }, operations }],
          });
        }
      }
      from = stopped.index + 1;
    }
    return outcomes;
  }

  /** Turns a step's effects into a turn's operations; timers go to the deadlines. */
  private plan(effects: Effect[], cause: string, takeMarkRead: () => string | undefined) {
    return planOperations(
      this.contactId,
      effects,
      this.deadlines,
      this.keys.forCause(cause),
      takeMarkRead,
      this.flow.chat?.sessionKey,
    );
  }

  /** The user is told that a message of theirs was set aside, so they can send it again. */
  private notHandledNotice(message: InboundMessage, takeMarkRead: () => string | undefined) {
    const effect = { type: 'send', content: notice(NOTES.notHandled) } as const;
    const key = `${this.contactId}/in/${message.waMessageId}/not-handled`;
    return planOperations(this.contactId, [effect], this.deadlines, { next: () => key }, takeMarkRead);
  }

  /** The agents automatic assignment gave chats to, as the turn activity recorded them. */
  private takeClaims(turn: TurnResult): void {
    for (const { sessionKey, holder } of turn.claims ?? []) {
      const event: FlowEvent = { type: 'holderClaimed', sessionKey, holder };
      this.flow = step(this.flow, event, this.contextFor(turn.settings, 'claim')).state;
    }
  }

  /** What the flow is told besides the event; `cause` names the event for the ids its step makes. */
  private contextFor(settings: ConversationSettings, cause: string): FlowContext {
    const { lastInboundAt } = this;
    return { settings, now: Date.now(), contactId: this.contactId, cause, ...(lastInboundAt ? { lastInboundAt } : {}) };
  }

  private keep(): Kept {
    return { flow: this.flow, deadlines: { ...this.deadlines } };
  }

  private putBack(kept: Kept): void {
    this.flow = kept.flow;
    for (const timer of Object.keys(this.deadlines) as (keyof Deadlines)[]) delete this.deadlines[timer];
    Object.assign(this.deadlines, kept.deadlines);
  }

  /** Quarantines an item that can never be handled, so the conversation goes on without it. */
  private async setAside(reason: SetAsideReason, item: Record<string, unknown>, err: unknown): Promise<void> {
    wf.log.warn('item set aside', { reason, error: String(err) });
    await store.setAside({ contactId: this.contactId, reason, error: String(err), item });
  }
}

/** What a set-aside item is recorded as (the setAside activity's input, as in 1.0.0). */
function setAsideItem(next: ToHandle): Record<string, unknown> {
  if (next.kind === 'inbound') return { inbound: next.messages };
  if (next.kind === 'agent') return { agent: next.command };
  if (next.kind === 'priority') return { priority: next.priority };
  if (next.kind === 'payment') return { payment: next.confirmation };
  return { timer: next.due };
}
