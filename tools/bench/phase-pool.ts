import type { ConversationSettings } from '../../domain/types';
import { SimulatedConversation, seededRandom, type PlannedAction } from './mix';
import type { PhaseSpec } from './protocol';

// A phase's simulated conversations: each with the actions still awaiting their answer, and the set
// of idle ones (nothing awaited) an open-loop arrival may pick, kept as an array with each member's
// index so taking one out is O(1).

export interface InFlight {
  action: PlannedAction;
  scheduledAt: number;
  ackAt?: number;
  /** The shadow state before the action, for diagnostics. */
  before: string;
  measured: boolean;
  acked: boolean;
  received: number;
  firstAt?: number;
  warmth?: string;
}

export interface Conversation {
  sim: SimulatedConversation;
  queue: InFlight[];
  idleIndex: number;
}

export class ConversationPool {
  readonly byPhone = new Map<string, Conversation>();
  private readonly idle: Conversation[] = [];
  /** In creation order: open loops touch each once before picking at random. */
  private readonly order: Conversation[] = [];
  private untouched = 0;

  constructor(
    private readonly spec: PhaseSpec,
    private readonly settings: ConversationSettings,
    private readonly phoneNumberId: string,
    private readonly random: () => number,
  ) {}

  get size(): number {
    return this.byPhone.size;
  }

  add(index: number): Conversation {
    const phone = `${this.spec.phonePrefix}${String(index).padStart(13 - this.spec.phonePrefix.length, '0')}`;
    const sim = new SimulatedConversation(
      phone,
      {
        settings: this.settings,
        agentReplies: this.spec.agentReplies,
        phoneNumberId: this.phoneNumberId,
        textOnly: this.spec.arrivals.mode === 'long' || this.spec.target.kind === 'temporal',
      },
      seededRandom(this.spec.seed * 7919 + index),
    );
    const conversation: Conversation = { sim, queue: [], idleIndex: -1 };
    this.byPhone.set(phone, conversation);
    this.order.push(conversation);
    this.markIdle(conversation);
    return conversation;
  }

  idleOnes(): Conversation[] {
    return [...this.idle];
  }

  markIdle(c: Conversation): void {
    if (c.idleIndex !== -1) return;
    c.idleIndex = this.idle.length;
    this.idle.push(c);
  }

  takeIdle(c: Conversation): void {
    if (c.idleIndex === -1) return;
    const last = this.idle.pop()!;
    if (last !== c) {
      this.idle[c.idleIndex] = last;
      last.idleIndex = c.idleIndex;
    }
    c.idleIndex = -1;
  }

  /**
   * Never-touched conversations first, in order, so every conversation has started (its workflow
   * exists) by the end of the warm-up; afterwards a random idle one.
   */
  pickOpen(): Conversation | undefined {
    while (this.untouched < this.order.length) {
      const c = this.order[this.untouched++]!;
      if (c.idleIndex !== -1) return c;
    }
    return this.idle.length > 0 ? this.idle[Math.floor(this.random() * this.idle.length)]! : undefined;
  }

  /** Actions awaiting their answer, over every conversation. */
  inFlight(): number {
    let n = 0;
    for (const c of this.byPhone.values()) n += c.queue.length;
    return n;
  }

  /** Expected bot messages not seen (yet). */
  missingSends(): number {
    let missing = 0;
    for (const c of this.byPhone.values())
      for (const f of c.queue) missing += Math.max(0, f.action.expectedSends - f.received);
    return missing;
  }

  busiest(): Conversation | undefined {
    let busiest: Conversation | undefined;
    for (const c of this.byPhone.values()) if (!busiest || c.sim.messages > busiest.sim.messages) busiest = c;
    return busiest;
  }
}
