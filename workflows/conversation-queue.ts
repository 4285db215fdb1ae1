import * as wf from '@temporalio/workflow';
import type { AgentCommand, AgentCommandResult, PaymentConfirmation } from './messages';
import type { ConversationSnapshot } from './snapshot';
import { PRIORITIES, type Priority } from '../domain/support-policy';
import type { InboundMessage } from '../domain/types';

// What a conversation has been asked to handle and not handled yet, in arrival order: the signals' and
// updates' handlers only queue here, and the entity (conversation-entity.ts) takes one thing at a time.
// Kept with it: the recent message ids that make a redelivery a no-op, and the answers to recent agent
// commands that make a retried request get the same answer.

// Meta redelivers for up to 7 days; the database's unique wamid catches anything older than this window.
const RECENT_ID_LIMIT = 1000;
const ANSWERED_LIMIT = 100;

export type AgentWork = { kind: 'agent'; command: AgentCommand; result?: AgentCommandResult };
type Work =
  | { kind: 'inbound'; message: InboundMessage }
  | { kind: 'payment'; confirmation: PaymentConfirmation }
  | { kind: 'priority'; priority: Priority }
  | AgentWork;

/** What is handled next: consecutive messages together (one activity handles them), anything else alone. */
export type NextWork = { kind: 'inbound'; messages: InboundMessage[] } | Exclude<Work, { kind: 'inbound' }>;

export class WorkQueue {
  private readonly recentIds: string[];
  private readonly seen: Set<string>;
  private readonly work: Work[];
  private readonly answered: ConversationSnapshot['answered'];
  /** Agent commands taken but not answered yet, by request id. */
  private readonly unanswered = new Map<string, AgentWork>();

  constructor(snapshot: ConversationSnapshot) {
    this.recentIds = [...snapshot.recentIds];
    this.seen = new Set(this.recentIds);
    this.work = [
      ...snapshot.pending.map((message): Work => ({ kind: 'inbound', message })),
      ...snapshot.payments.map((confirmation): Work => ({ kind: 'payment', confirmation })),
    ];
    this.answered = [...snapshot.answered];
  }

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

  /** Answers a command taken by `command` (its waiting update returns) and remembers the answer. */
  answer(item: AgentWork, outcome: AgentCommandResult): void {
    const { requestId, fingerprint } = item.command;
    if (this.unanswered.get(requestId) === item) this.unanswered.delete(requestId);
    const result = fingerprint === undefined ? outcome : { ...outcome, fingerprint };
    this.answered.push({ requestId, result });
    if (this.answered.length > ANSWERED_LIMIT) this.answered.shift();
    item.result = result;
  }

  get length(): number {
    return this.work.length;
  }

  /** Takes what is handled next off the queue; undefined when it is empty. */
  next(): NextWork | undefined {
    const first = this.work[0];
    if (first?.kind !== 'inbound') return this.work.shift() as NextWork | undefined;
    const end = this.work.findIndex((w) => w.kind !== 'inbound');
    const batch = this.work.splice(0, end === -1 ? this.work.length : end) as (Work & { kind: 'inbound' })[];
    return { kind: 'inbound', messages: batch.map((w) => w.message) };
  }

  /** The queue's part of the snapshot: agent commands and priority changes are not carried over. */
  snapshot(): Pick<ConversationSnapshot, 'recentIds' | 'pending' | 'payments' | 'answered'> {
    return {
      recentIds: this.recentIds,
      pending: this.work.flatMap((w) => (w.kind === 'inbound' ? [w.message] : [])),
      payments: this.work.flatMap((w) => (w.kind === 'payment' ? [w.confirmation] : [])),
      answered: this.answered,
    };
  }
}
