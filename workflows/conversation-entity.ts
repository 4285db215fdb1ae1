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
import { CONVERSATION_STATE, LAST_INBOUND_AT, REGISTERED } from './search-attributes';
import { SNAPSHOT_VERSION, type ConversationSnapshot, type ShownState } from './snapshot';
import type { TurnItem, TurnResult } from '../activities';
import type { SetAsideReason } from '../domain/failures';
import { PRIORITIES, type Priority } from '../domain/support-policy';
import type { ConversationSettings, InboundMessage } from '../domain/types';

// The conversation the workflow (conversation.ts) wraps: its state, the queue of what is to be handled,
// and the one path every item takes — compute the flow step (pure), carry out its effects in one turn
// activity, keep the step only if the activity did it. The workflow file only wires handlers, the loop
// and continue-as-new around it.

// Meta redelivers for up to 7 days; the database's unique wamid catches anything older than this window.
const RECENT_ID_LIMIT = 1000;
const ANSWERED_LIMIT = 100;
/** How current LastInboundAt is kept in the Temporal UI: within a minute: upserted only once it moved that much. */
const LAST_INBOUND_AT_RESOLUTION_MS = 60_000;
/** How old the settings may be when a student's support request opens a chat (the worker caches the policy as long). */
const SETTINGS_FRESH_MS = 5_000;

type AgentWork = { kind: 'agent'; command: AgentCommand; result?: AgentCommandResult };
type Work =
  | { kind: 'inbound'; message: InboundMessage }
  | { kind: 'payment'; confirmation: PaymentConfirmation }
  | { kind: 'priority'; priority: Priority }
  | AgentWork;

/** One flow event to handle; an inbound message is stored by the turn that carries out its step. */
interface Item {
  event: FlowEvent;
  /** Names the event for the ids its step makes and the keys of its sends; unique for the conversation's life. */
  cause: string;
  message?: InboundMessage;
}

/** What handling an item may change, kept so that an item that failed for good can be undone. */
interface Kept {
  flow: FlowState;
  deadlines: Deadlines;
}

export class Conversation {
  private flow: FlowState;
  private readonly recentIds: string[];
  private readonly seen: Set<string>;
  private readonly work: Work[];
  private readonly deadlines: Deadlines;
  private readonly answered: ConversationSnapshot['answered'];
  /** Agent commands taken but not answered yet, by request id. */
  private readonly unanswered = new Map<string, AgentWork>();
  private lastInboundAt: number | undefined;
  private settings: ConversationSettings | undefined;
  /** When an activity last handed the settings over (workflow time; unknown in a new run). */
  private settingsAt: number | undefined;
  /** What the conversations row in Postgres holds, and what the search attributes show. */
  private saved: ShownState | undefined;
  private published: ShownState | undefined;
  private publishedInboundAt: number | undefined;
  private busy = false;
  private alarm: Alarm | undefined;
  private readonly keys: WriteKeys;

  constructor(
    readonly contactId: string,
    snapshot: ConversationSnapshot,
  ) {
    this.flow = snapshot.flow;
    this.recentIds = [...snapshot.recentIds];
    this.seen = new Set(this.recentIds);
    this.work = [
      ...snapshot.pending.map((message): Work => ({ kind: 'inbound', message })),
      ...snapshot.payments.map((confirmation): Work => ({ kind: 'payment', confirmation })),
    ];
    this.deadlines = { ...snapshot.deadlines };
    this.answered = [...snapshot.answered];
    this.lastInboundAt = snapshot.lastInboundAt;
    this.settings = snapshot.settings;
    this.saved = snapshot.shown.saved;
    this.published = snapshot.shown.published;
    this.publishedInboundAt = snapshot.shown.publishedInboundAt;
    this.keys = new WriteKeys(contactId);
  }

  /** A run without an earlier run's state goes on from what Postgres knows (nothing depends on a run surviving). */
  async restoreFromPostgres(): Promise<void> {
    const loaded = await store.loadConversation({ contactId: this.contactId });
    this.settings = loaded.settings;
    this.settingsAt = Date.now();
    this.lastInboundAt = loaded.stored?.lastInboundAt;
    const cause = `restore/${wf.workflowInfo().runId}`;
    const restored = restore(loaded.stored, this.contextFor(loaded.settings, cause));
    this.flow = restored.state;
    // Only timers: applied to the deadlines, nothing to write or send.
    this.plan(restored.effects, cause, () => undefined);
  }

  // What the handlers do: they only queue; `handleWork` handles one item at a time, in arrival order.

  accept(message: InboundMessage): void {
    if (this.seen.has(message.waMessageId)) return;
    this.seen.add(message.waMessageId);
    this.recentIds.push(message.waMessageId);
    if (this.recentIds.length > RECENT_ID_LIMIT) this.seen.delete(this.recentIds.shift()!);
    this.work.push({ kind: 'inbound', message });
  }

  confirmPayment(confirmation: PaymentConfirmation): void {
    this.work.push({ kind: 'payment', confirmation });
  }

  /** The conversation's priority changed (already stored): the open chat's SLA clocks follow it. */
  setPriority(priority: Priority): void {
    // A signal has no validator: a value no version knows is ignored rather than written.
    if (!(PRIORITIES as readonly string[]).includes(priority)) return;
    this.work.push({ kind: 'priority', priority });
  }

  /** Takes an agent command and waits for its answer; a request taken twice runs once and is answered twice. */
  async command(command: AgentCommand): Promise<AgentCommandResult> {
    const earlier = this.answered.find((a) => a.requestId === command.requestId);
    if (earlier) return earlier.result;
    // The same request again (another update id: the server forgot the first, or a second server took
    // the retry) while the first still waits gets the first one's answer.
    let item = this.unanswered.get(command.requestId);
    if (item === undefined) {
      item = { kind: 'agent', command };
      this.unanswered.set(command.requestId, item);
      this.work.push(item);
    }
    const taken = item;
    await wf.condition(() => taken.result !== undefined);
    return taken.result!;
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

  /** Until `ready()` or the earliest flow timer is due. One durable timer serves every deadline (deadlines.ts). */
  async waitFor(ready: () => boolean): Promise<void> {
    const next = earliestDeadline(this.deadlines);
    if (next === undefined) await wf.condition(ready);
    else if (next > Date.now()) {
      const alarm = (this.alarm = Alarm.for(next, this.alarm));
      await wf.condition(() => ready() || alarm.rang);
    }
  }

  /** Handles everything queued and every timer due, then shows the state where it changed. */
  async handleWork(): Promise<void> {
    let handled = false;
    this.busy = true;
    while (this.work.length > 0) {
      handled = true;
      const first = this.work[0]!;
      if (first.kind === 'inbound') {
        // Consecutive messages are handled together in one activity.
        const end = this.work.findIndex((w) => w.kind !== 'inbound');
        const batch = this.work.splice(0, end === -1 ? this.work.length : end) as (Work & { kind: 'inbound' })[];
        const messages = batch.map((w) => w.message);
        await this.guarded({ inbound: messages }, () => this.handleInbound(messages));
      } else if (first.kind === 'priority') {
        this.work.shift();
        const { priority } = first;
        // Nothing a retry must recognise: the step only plans timers and sets the session's due times.
        const cause = `priority/${wf.workflowInfo().runId}/${Date.now()}`;
        await this.guarded({ priority }, async () => {
          await this.run({ type: 'priority', priority }, cause);
        });
      } else if (first.kind === 'payment') {
        this.work.shift();
        const { confirmation } = first;
        await this.guarded({ payment: confirmation }, async () => {
          await this.run({ type: 'paymentConfirmed', ...confirmation }, `payment/${confirmation.reference}`);
        });
      } else {
        this.work.shift();
        await this.guarded({ agent: first.command }, () => this.handleAgent(first));
        // The update always gets its answer, even when the command was set aside half-way.
        if (first.result === undefined)
          this.answer(first, agentResult(first.command, { setAside: true }, this.flow.name, Date.now()));
      }
    }
    for (const due of takeDue(this.deadlines, Date.now())) {
      handled = true;
      await this.guarded({ timer: due }, async () => {
        await this.run({ type: 'timer', timer: due.timer, token: due.token }, `timer/${due.timer}/${due.token}`);
      });
    }
    if (handled) await this.publish();
    this.busy = false;
  }

  /** What the next run starts from. */
  snapshot(): ConversationSnapshot {
    return {
      version: SNAPSHOT_VERSION,
      flow: this.flow,
      recentIds: this.recentIds,
      pending: this.work.flatMap((w) => (w.kind === 'inbound' ? [w.message] : [])),
      payments: this.work.flatMap((w) => (w.kind === 'payment' ? [w.confirmation] : [])),
      deadlines: this.deadlines,
      ...(this.lastInboundAt === undefined ? {} : { lastInboundAt: this.lastInboundAt }),
      answered: this.answered,
      ...(this.settings === undefined ? {} : { settings: this.settings }),
      shown: { saved: this.saved, published: this.published, publishedInboundAt: this.publishedInboundAt },
    };
  }

  private async handleInbound(batch: InboundMessage[]): Promise<void> {
    // WhatsApp delivers concurrently; within a batch, restore the order in which the user sent them.
    batch.sort((a, b) => a.sentAt - b.sentAt);
    this.lastInboundAt = Math.max(this.lastInboundAt ?? 0, ...batch.map((m) => m.sentAt));
    await this.runAll(
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
    if (refused) return this.answer(item, refused);
    const outcome = await this.run(agentEvent(command), `agent/${command.requestId}`);
    this.answer(item, agentResult(command, outcome, this.flow.name, Date.now(), { holder: this.flow.chat?.holder }));
  }

  private answer(item: AgentWork, outcome: AgentCommandResult): void {
    const { requestId, fingerprint } = item.command;
    if (this.unanswered.get(requestId) === item) this.unanswered.delete(requestId);
    const result = fingerprint === undefined ? outcome : { ...outcome, fingerprint };
    this.answered.push({ requestId, result });
    if (this.answered.length > ANSWERED_LIMIT) this.answered.shift();
    item.result = result;
  }

  /** One event that is not a message: its outcome, for an agent's answer. */
  private async run(event: FlowEvent, cause: string): Promise<StepOutcome> {
    return (await this.runAll([{ event, cause }]))[0] ?? {};
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
      let current = (this.settings ??= await store.loadSettings());
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
          if (this.mayBeStaleFor(result)) {
            current = await this.freshSettings();
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

      const changed = this.differs(this.saved);
      const turn = await turns.handleTurn({
        contactId: this.contactId,
        items: planned.map((p) => p.turnItem),
        ...(changed ? { state: { state: this.flow.name, registered: this.flow.registered } } : {}),
      });
      this.settings = turn.settings;
      this.settingsAt = Date.now();
      const stoppedAt = turn.duplicateAt ?? turn.failedAt;
      const done = stoppedAt === undefined ? planned : planned.slice(0, stoppedAt);
      for (const { index, turnItem } of done) {
        if (!turnItem.setAside) outcomes[index] = outcomeOf(turnItem.operations, turn);
      }
      if (stoppedAt === undefined) {
        if (changed) this.saved = { name: this.flow.name, registered: this.flow.registered };
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

  /**
   * Whether the step opened a chat for the student on settings handed over more than
   * SETTINGS_FRESH_MS ago: whether the team is open, and the SLA targets, must be today's, not those
   * of the conversation's last turn, which may be days old. Only then is a fresh copy asked for (from
   * the worker's cache), so the per-message path costs nothing more. Settings without a policy (a
   * history recorded before business hours) never ask, so such a history replays as it ran.
   */
  private mayBeStaleFor(result: StepResult): boolean {
    if (this.settings?.support === undefined) return false;
    if (this.settingsAt !== undefined && Date.now() - this.settingsAt < SETTINGS_FRESH_MS) return false;
    return result.effects.some((effect) => effect.type === 'openChat' && effect.startedBy === 'user');
  }

  private async freshSettings(): Promise<ConversationSettings> {
    this.settings = await store.loadSettings();
    this.settingsAt = Date.now();
    return this.settings;
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

  /**
   * Handles one item so that no failure of it ends the run: an activity failure nothing else
   * recognised (a non-retryable type no caller expects, say) undoes the item and sets it aside. Outages
   * never get here: their activities retry for as long as they last. A plain error thrown by this code
   * is a bug, not the item's fault: it fails the workflow task, which Temporal retries (with the fixed
   * code, once deployed) without losing anything, so it is let through.
   */
  private async guarded(item: Record<string, unknown>, handle: () => Promise<void>): Promise<void> {
    const kept = this.keep();
    try {
      await handle();
    } catch (err) {
      if (wf.isCancellation(err) || !(err instanceof wf.TemporalFailure)) throw err;
      this.putBack(kept);
      await this.setAside(permanentReasonOf(err) ?? 'failed', item, err);
    }
  }

  /** Quarantines an item that can never be handled, so the conversation goes on without it. */
  private async setAside(reason: SetAsideReason, item: Record<string, unknown>, err: unknown): Promise<void> {
    wf.log.warn('item set aside', { reason, error: String(err) });
    await store.setAside({ contactId: this.contactId, reason, error: String(err), item });
  }

  private differs(shown: ShownState | undefined): boolean {
    return shown?.name !== this.flow.name || shown.registered !== this.flow.registered;
  }

  /** Saves the state for the admin list where it changed, and shows it in the Temporal UI's search attributes. */
  private async publish(): Promise<void> {
    if (this.differs(this.saved)) {
      await store.saveConversationState({
        contactId: this.contactId,
        state: this.flow.name,
        registered: this.flow.registered,
      });
      this.saved = { name: this.flow.name, registered: this.flow.registered };
    }
    // Every upsert is a visibility write on the server: only when the state changed or LastInboundAt moved.
    const inboundMoved =
      this.lastInboundAt !== undefined &&
      (this.publishedInboundAt === undefined ||
        this.lastInboundAt - this.publishedInboundAt >= LAST_INBOUND_AT_RESOLUTION_MS);
    if (!this.differs(this.published) && !inboundMoved) return;
    this.published = { name: this.flow.name, registered: this.flow.registered };
    this.publishedInboundAt = this.lastInboundAt;
    wf.upsertSearchAttributes([
      { key: CONVERSATION_STATE, value: this.flow.name },
      { key: REGISTERED, value: this.flow.registered },
      ...(this.lastInboundAt !== undefined ? [{ key: LAST_INBOUND_AT, value: new Date(this.lastInboundAt) }] : []),
    ]);
  }
}
