import { Client, type Connection } from '@temporalio/client';
import type { ConversationSettings } from '../domain/types';
import { statusWebhookBody, type FakeStatusName } from '../src/sandbox/graph-fake-status';
import { connectTemporal } from '../src/temporal/connect';
import { signBody } from '../src/whatsapp/signature';
import type { createHttpClient } from './http-client';
import { SimulatedConversation, seededRandom, type PlannedAction } from './mix';
import type { PhaseResult, PhaseSpec, SeriesPoint, Target } from './protocol';
import { summarize, type LatencySummary } from './stats';

// An admin call answered 503 is asked again this often, this far apart (the product's own deadline is 10 s).
const AGENT_RETRIES = 12;
const AGENT_RETRY_DELAY_MS = 500;

// Drives one phase from the load generator: schedules arrivals by time, posts signed webhooks (or
// signal-with-start for the Temporal reference), attributes every bot message the Graph fake records
// to the one action of that conversation awaiting it, posts the status webhooks, and drains.

const now = (): number => performance.timeOrigin + performance.now();
const STATUSES: FakeStatusName[] = ['sent', 'delivered', 'read'];
const RETRY_DELAY_MS = 1000;
const MAX_ATTEMPTS = 6;
/** Share of accepted webhooks that Meta delivers again (the engine must ignore them). */
const REDELIVERY_SHARE = 0.01;

interface InFlight {
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

interface Conversation {
  sim: SimulatedConversation;
  queue: InFlight[];
  idleIndex: number;
}

export interface PhaseDeps {
  http: ReturnType<typeof createHttpClient>;
  settings: ConversationSettings;
  phoneNumberId: string;
  addMedia(mediaId: string, data: Buffer, mimeType: string): void;
  progress(line: string): void;
}

export class PhaseRunner {
  private readonly conversations = new Map<string, Conversation>();
  private readonly idle: Conversation[] = [];
  private readonly random: () => number;
  private readonly startedAt = now();
  private measureFrom: number;
  private measureTo: number;
  private arrivalsDone = false;
  private temporal?: { client: Client; connection: Connection };

  private readonly ack: number[] = [];
  private readonly e2e: number[] = [];
  private readonly e2eLast: number[] = [];
  private readonly statusAck: number[] = [];
  private readonly agentAck: number[] = [];
  private readonly lag: number[] = [];
  private readonly byKind = new Map<string, number[]>();
  private readonly byWarmth = new Map<string, number[]>();
  private readonly perSecond = new Map<number, { arrivals: number; completed: number; e2e: number[]; ack: number[] }>();
  private readonly wamids: string[] = [];
  private issued = 0;
  private skipped = 0;
  private acked = 0;
  private ackErrors = 0;
  private redeliveries = 0;
  private completedMeasured = 0;
  private statusesPosted = 0;
  private statusErrors = 0;
  private statusPending = 0;
  private agentCommands = 0;
  private agentErrors = 0;
  private agentRetries = 0;
  private unexpected = 0;
  private expectedSends = 0;
  private observedSends = 0;
  private pendingPosts = 0;
  /** The slowest answers and the unexpected messages, for finding out why. */
  private readonly slowest: {
    phone: string;
    kind: string;
    state: string;
    expected: number;
    atS: number;
    ackMs?: number;
    firstMs: number;
  }[] = [];
  private readonly unexpectedSample: { phone: string; atS: number; state: string; content: string }[] = [];

  constructor(
    private readonly spec: PhaseSpec,
    private readonly deps: PhaseDeps,
  ) {
    this.random = seededRandom(spec.seed);
    const a = spec.arrivals;
    const warmup = a.mode === 'open' || a.mode === 'closed' ? a.warmupS * 1000 : 0;
    this.measureFrom = this.startedAt + warmup;
    this.measureTo = a.mode === 'open' || a.mode === 'closed' ? this.measureFrom + a.durationS * 1000 : Infinity;
  }

  /** A bot message the Graph fake accepted (or a reference activity that ran). */
  onSend(phone: string, at: number, waMessageId?: string, content?: unknown): void {
    const conversation = this.conversations.get(phone);
    if (!conversation) return;
    this.observedSends += 1;
    if (waMessageId !== undefined) conversation.sim.lastBotWamid = waMessageId;
    const head = conversation.queue.find((f) => f.received < f.action.expectedSends);
    if (!head) {
      this.unexpected += 1;
      if (this.unexpectedSample.length < 20) {
        this.unexpectedSample.push({
          phone,
          atS: (at - this.startedAt) / 1000,
          state: conversation.sim.flow.name,
          content: JSON.stringify(content ?? null).slice(0, 160),
        });
      }
    } else {
      head.received += 1;
      if (head.received === 1) head.firstAt = at;
      this.maybeComplete(conversation);
    }
    if (waMessageId !== undefined && this.spec.statuses && this.spec.target.kind === 'webhook')
      void this.postStatuses(phone, waMessageId);
  }

  async run(): Promise<PhaseResult> {
    const { spec } = this;
    if (spec.target.kind === 'temporal') {
      // The reference's client: Temporal alone, no codec, as its worker (product-process.ts).
      const connection = await connectTemporal({ tls: undefined, apiKey: undefined }, spec.target.address);
      this.temporal = { connection, client: new Client({ connection, namespace: spec.target.namespace }) };
    }
    const a = spec.arrivals;
    const count =
      a.mode === 'closed' ? a.concurrency : a.mode === 'long' ? 1 : a.mode === 'scale' ? 0 : spec.conversations;
    for (let i = 0; i < count; i++) this.addConversation(i);
    const ticker = setInterval(() => this.report(), 10_000);
    try {
      if (a.mode === 'open') await this.openLoop(a.rate, (a.warmupS + a.durationS) * 1000, a.poisson);
      else if (a.mode === 'closed') await this.closedLoop(a.concurrency, (a.warmupS + a.durationS) * 1000);
      else if (a.mode === 'scale') await this.scale(a.rate, a.conversations, a.touches, a.recentWindow);
      else await this.long(a.rate, a.messages);
      this.arrivalsDone = true;
      if (this.measureTo === Infinity) this.measureTo = now();
      await this.drain();
    } finally {
      clearInterval(ticker);
      await this.temporal?.connection.close();
    }
    return this.result();
  }

  private addConversation(index: number): Conversation {
    const phone = `${this.spec.phonePrefix}${String(index).padStart(13 - this.spec.phonePrefix.length, '0')}`;
    const sim = new SimulatedConversation(
      phone,
      {
        settings: this.deps.settings,
        agentReplies: this.spec.agentReplies,
        phoneNumberId: this.deps.phoneNumberId,
        textOnly: this.spec.arrivals.mode === 'long' || this.spec.target.kind === 'temporal',
      },
      seededRandom(this.spec.seed * 7919 + index),
    );
    const conversation: Conversation = { sim, queue: [], idleIndex: -1 };
    this.conversations.set(phone, conversation);
    this.order.push(conversation);
    this.markIdle(conversation);
    return conversation;
  }

  private markIdle(c: Conversation): void {
    if (c.idleIndex !== -1) return;
    c.idleIndex = this.idle.length;
    this.idle.push(c);
  }

  private takeIdle(c: Conversation): void {
    if (c.idleIndex === -1) return;
    const last = this.idle.pop()!;
    if (last !== c) {
      this.idle[c.idleIndex] = last;
      last.idleIndex = c.idleIndex;
    }
    c.idleIndex = -1;
  }

  private async openLoop(rate: number, totalMs: number, poisson: boolean): Promise<void> {
    const end = this.startedAt + totalMs;
    const interval = 1000 / rate;
    let next = this.startedAt;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const t = now();
        while (next <= t && next < end) {
          this.lag.push(t - next);
          const c = this.pickOpen();
          if (c) this.fire(c, next);
          else if (next >= this.measureFrom) this.skipped += 1;
          next += poisson ? -Math.log(1 - this.random()) * interval : interval;
        }
        if (next >= end) return resolve();
        setTimeout(tick, Math.max(0, next - now()));
      };
      tick();
    });
  }

  /**
   * Never-touched conversations first, in order, so every conversation has started (its workflow
   * exists) by the end of the warm-up; afterwards a random idle one.
   */
  private pickOpen(): Conversation | undefined {
    while (this.untouched < this.order.length) {
      const c = this.order[this.untouched++]!;
      if (c.idleIndex !== -1) return c;
    }
    return this.idle.length > 0 ? this.idle[Math.floor(this.random() * this.idle.length)]! : undefined;
  }

  private untouched = 0;
  private readonly order: Conversation[] = [];

  private closedLoop(concurrency: number, totalMs: number): Promise<void> {
    const end = this.startedAt + totalMs;
    const loop = (c: Conversation): void => {
      if (now() < end) this.fire(c, now());
    };
    this.onIdle = loop;
    for (const c of [...this.idle]) loop(c);
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, end - now())));
  }

  /** Called when a conversation's answer is complete (closed loop re-fires from here). */
  private onIdle: ((c: Conversation) => void) | undefined;

  private async scale(rate: number, total: number, touches: number, window: number): Promise<void> {
    const recent: Conversation[] = [];
    const all: Conversation[] = [];
    const firstPass = total * touches;
    let fired = 0;
    const pick = (): { c: Conversation; warmth: string } | undefined => {
      const remainingNew = total - all.length;
      const remaining = firstPass - fired;
      if (remainingNew > 0 && (this.random() < remainingNew / remaining || recent.every((c) => c.queue.length > 0))) {
        const c = this.addConversation(all.length);
        all.push(c);
        recent.push(c);
        if (recent.length > window) recent.shift();
        return { c, warmth: 'new' };
      }
      for (let attempt = 0; attempt < 8; attempt++) {
        const c = recent[Math.floor(this.random() * recent.length)];
        if (c && c.queue.length === 0) return { c, warmth: 'cached' };
      }
      return undefined;
    };
    await this.paced(rate, firstPass, () => {
      fired += 1;
      return pick();
    });
    this.deps.progress(`${this.spec.name}: first pass done (${all.length} conversations); second pass`);
    const order = [...all];
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let k = 0;
    await this.paced(rate, order.length, () => {
      const c = order[k++]!;
      return c.queue.length === 0 ? { c, warmth: 'second-pass' } : undefined;
    });
  }

  private async long(rate: number, messages: number): Promise<void> {
    const c = this.conversations.values().next().value as Conversation;
    await this.paced(rate, messages, () => ({ c, warmth: 'long' }));
  }

  /** `count` arrivals at `rate`, each choosing its conversation when it is due. */
  private paced(
    rate: number,
    count: number,
    choose: () => { c: Conversation; warmth: string } | undefined,
  ): Promise<void> {
    const start = now();
    let i = 0;
    return new Promise((resolve) => {
      const tick = (): void => {
        const t = now();
        while (i < count && start + (i * 1000) / rate <= t) {
          const scheduled = start + (i * 1000) / rate;
          this.lag.push(t - scheduled);
          const chosen = choose();
          if (chosen) this.fire(chosen.c, scheduled, chosen.warmth);
          else this.skipped += 1;
          i += 1;
        }
        if (i >= count) return resolve();
        setTimeout(tick, Math.max(0, start + (i * 1000) / rate - now()));
      };
      tick();
    });
  }

  private fire(c: Conversation, scheduledAt: number, warmth?: string): void {
    this.takeIdle(c);
    const before = c.sim.flow.name;
    const action = c.sim.next(scheduledAt);
    // The reference workflow answers every message with exactly one no-op activity.
    if (this.spec.target.kind === 'temporal') action.expectedSends = 1;
    const measured = scheduledAt >= this.measureFrom && scheduledAt < this.measureTo;
    const flight: InFlight = {
      action,
      scheduledAt,
      before,
      measured,
      acked: false,
      received: 0,
      ...(warmth ? { warmth } : {}),
    };
    c.queue.push(flight);
    this.expectedSends += action.expectedSends;
    if (measured) this.issued += 1;
    this.bucket(scheduledAt).arrivals += 1;
    if (action.media) this.deps.addMedia(action.media.mediaId, action.media.data, action.media.mimeType);
    if (action.kind === 'agent') void this.postAgent(c, flight);
    else void this.postMessage(c, flight);
  }

  private async postMessage(c: Conversation, flight: InFlight): Promise<void> {
    const { action } = flight;
    this.pendingPosts += 1;
    try {
      for (let attempt = 1; ; attempt++) {
        const ok = await this.deliver(c.sim.phone, action);
        if (ok) break;
        this.ackErrors += 1;
        if (attempt >= MAX_ATTEMPTS) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
      }
      const latency = now() - flight.scheduledAt;
      if (flight.measured) {
        this.ack.push(latency);
        this.bucket(flight.scheduledAt).ack.push(latency);
      }
      this.acked += 1;
      flight.ackAt = now();
      this.wamids.push(action.waMessageId!);
      flight.acked = true;
      this.maybeComplete(c);
      // Meta delivers some webhooks twice; the engine must store and answer them once.
      if (this.spec.target.kind === 'webhook' && this.random() < REDELIVERY_SHARE) {
        this.redeliveries += 1;
        await this.deliver(c.sim.phone, action).catch(() => undefined);
      }
    } finally {
      this.pendingPosts -= 1;
    }
  }

  /** One attempt; true when the target accepted it. */
  private async deliver(phone: string, action: PlannedAction): Promise<boolean> {
    const target = this.spec.target;
    try {
      if (target.kind === 'temporal') {
        await this.temporal!.client.workflow.signalWithStart('referenceWorkflow', {
          workflowId: `reference-${phone}`,
          taskQueue: target.taskQueue,
          args: [phone],
          signal: 'message',
          signalArgs: [action.waMessageId],
        });
        return true;
      }
      const answer = await this.deps.http.post(this.webhookUrl(target), action.body!, {
        'x-hub-signature-256': signBody(action.body!, target.appSecret),
      });
      return answer.status === 200;
    } catch {
      return false;
    }
  }

  private posts = 0;

  /** The target's server for the next post: its URLs in turn. */
  private webhookUrl(target: Extract<Target, { kind: 'webhook' }>): string {
    return target.urls?.[this.posts++ % target.urls.length] ?? target.url;
  }

  private async postAgent(c: Conversation, flight: InFlight): Promise<void> {
    const target = this.spec.target;
    if (target.kind !== 'webhook' || target.adminUrl === undefined) return;
    this.pendingPosts += 1;
    this.agentCommands += 1;
    try {
      const url = `${target.adminUrl}/api/admin/conversations/${c.sim.phone}/chat-support/send`;
      const body = JSON.stringify({ message: flight.action.agentMessage });
      const headers = {
        authorization: `Bearer ${target.adminToken}`,
        'idempotency-key': `bench-${c.sim.phone}-${c.sim.messages}-${this.agentCommands}`,
      };
      // 503 means the outcome is not known yet (the workflow may still carry the command out): ask
      // again with the same Idempotency-Key, as an agent's console does, until the answer is final.
      let answer = await this.deps.http.post(url, body, headers).catch(() => ({ status: 0, text: '' }));
      for (let retries = 0; answer.status === 503 && retries < AGENT_RETRIES; retries++) {
        this.agentRetries += 1;
        await new Promise((resolve) => setTimeout(resolve, AGENT_RETRY_DELAY_MS));
        answer = await this.deps.http.post(url, body, headers).catch(() => ({ status: 0, text: '' }));
      }
      if (answer.status === 200) {
        if (flight.measured) this.agentAck.push(now() - flight.scheduledAt);
      } else if (answer.status === 0) {
        // No answer (timed out): the update may still complete, so the answer is still awaited.
        this.agentErrors += 1;
      } else {
        // The bot will not send what the shadow expected; stop waiting for it.
        this.agentErrors += 1;
        this.expectedSends -= flight.action.expectedSends - flight.received;
        flight.action.expectedSends = flight.received;
      }
      flight.acked = true;
      this.maybeComplete(c);
    } finally {
      this.pendingPosts -= 1;
    }
  }

  private async postStatuses(phone: string, waMessageId: string): Promise<void> {
    const target = this.spec.target;
    if (target.kind !== 'webhook') return;
    this.statusPending += 1;
    try {
      for (const status of STATUSES) {
        const body = JSON.stringify(
          statusWebhookBody({
            phoneNumberId: this.deps.phoneNumberId,
            waMessageId,
            recipientId: phone,
            status,
            at: Date.now(),
          }),
        );
        const started = now();
        const answer = await this.deps.http
          .post(this.webhookUrl(target), body, { 'x-hub-signature-256': signBody(body, target.appSecret) })
          .catch(() => ({ status: 0, text: '' }));
        this.statusesPosted += 1;
        if (answer.status !== 200) this.statusErrors += 1;
        else if (started >= this.measureFrom && started < this.measureTo) this.statusAck.push(now() - started);
      }
    } finally {
      this.statusPending -= 1;
    }
  }

  private maybeComplete(c: Conversation): void {
    while (c.queue.length > 0) {
      const head = c.queue[0]!;
      if (!head.acked || head.received < head.action.expectedSends) break;
      c.queue.shift();
      const at = now();
      if (head.measured) {
        this.completedMeasured += 1;
        this.bucket(head.scheduledAt).completed += 1;
      }
      if (head.firstAt !== undefined && head.measured) {
        const first = head.firstAt - head.scheduledAt;
        this.e2e.push(first);
        this.e2eLast.push(at - head.scheduledAt);
        this.bucket(head.scheduledAt).e2e.push(first);
        push(this.byKind, head.action.kind, first);
        this.noteSlow(c, head, first);
      }
      if (head.firstAt !== undefined && head.warmth !== undefined)
        push(this.byWarmth, head.warmth, head.firstAt - head.scheduledAt);
    }
    if (c.queue.length === 0) {
      this.markIdle(c);
      if (!this.arrivalsDone) this.onIdle?.(c);
    }
  }

  private noteSlow(c: Conversation, f: InFlight, firstMs: number): void {
    if (this.slowest.length >= 15 && firstMs <= this.slowest[this.slowest.length - 1]!.firstMs) return;
    this.slowest.push({
      phone: c.sim.phone,
      kind: f.action.kind,
      state: f.before,
      expected: f.action.expectedSends,
      atS: Math.round(f.scheduledAt - this.startedAt) / 1000,
      ...(f.ackAt === undefined ? {} : { ackMs: Math.round(f.ackAt - f.scheduledAt) }),
      firstMs: Math.round(firstMs),
    });
    this.slowest.sort((a, b) => b.firstMs - a.firstMs);
    this.slowest.length = Math.min(this.slowest.length, 15);
  }

  private bucket(at: number): { arrivals: number; completed: number; e2e: number[]; ack: number[] } {
    const key = Math.floor((at - this.startedAt) / 1000);
    let b = this.perSecond.get(key);
    if (!b) this.perSecond.set(key, (b = { arrivals: 0, completed: 0, e2e: [], ack: [] }));
    return b;
  }

  private inFlight(): number {
    let n = 0;
    for (const c of this.conversations.values()) n += c.queue.length;
    return n;
  }

  private async drain(): Promise<void> {
    const deadline = now() + this.spec.drainS * 1000;
    while (now() < deadline && (this.inFlight() > 0 || this.pendingPosts > 0 || this.statusPending > 0)) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  private report(): void {
    const s = summarize(this.e2e.slice(-2000));
    this.deps.progress(
      `${this.spec.name}: ${Math.round((now() - this.startedAt) / 1000)} s, issued ${this.issued}, in flight ${this.inFlight()}, ` +
        `recent e2e p50 ${s.p50} ms p99 ${s.p99} ms, skipped ${this.skipped}, errors ${this.ackErrors}`,
    );
  }

  private result(): PhaseResult {
    const a = this.spec.arrivals;
    const measuredS = Math.max(0.001, (Math.min(this.measureTo, now()) - this.measureFrom) / 1000);
    let missing = 0;
    for (const c of this.conversations.values())
      for (const f of c.queue) missing += Math.max(0, f.action.expectedSends - f.received);
    let busiest: Conversation | undefined;
    for (const c of this.conversations.values()) if (!busiest || c.sim.messages > busiest.sim.messages) busiest = c;
    const series: SeriesPoint[] = [...this.perSecond.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([t, b]) => ({
        t,
        arrivals: b.arrivals,
        completed: b.completed,
        e2eP99: summarize(b.e2e).p99,
        ackP99: summarize(b.ack).p99,
        inFlight: 0,
      }));
    const byKind: Record<string, { count: number; e2e: LatencySummary }> = {};
    for (const [kind, samples] of this.byKind) byKind[kind] = { count: samples.length, e2e: summarize(samples) };
    const byWarmth: Record<string, LatencySummary> = {};
    for (const [warmth, samples] of this.byWarmth) byWarmth[warmth] = summarize(samples);
    return {
      name: this.spec.name,
      targetKind: this.spec.target.kind,
      mode: a.mode,
      offered: a.mode === 'closed' ? a.concurrency : a.rate,
      measuredS,
      issued: this.issued,
      skipped: this.skipped,
      acked: this.acked,
      ackErrors: this.ackErrors,
      redeliveries: this.redeliveries,
      throughput: this.completedMeasured / measuredS,
      ack: summarize(this.ack),
      e2e: summarize(this.e2e),
      e2eLast: summarize(this.e2eLast),
      statusAck: summarize(this.statusAck),
      statusesPosted: this.statusesPosted,
      statusErrors: this.statusErrors,
      agentCommands: this.agentCommands,
      agentAck: summarize(this.agentAck),
      agentErrors: this.agentErrors,
      agentRetries: this.agentRetries,
      unexpectedSends: this.unexpected,
      missingSends: missing,
      expectedSends: this.expectedSends,
      observedSends: this.observedSends,
      schedulerLagP99: summarize(this.lag).p99,
      byKind,
      ...(this.byWarmth.size > 0 ? { byWarmth } : {}),
      series,
      wamids: this.spec.target.kind === 'temporal' ? [] : this.wamids,
      phones: this.conversations.size,
      ...(busiest ? { busiestPhone: busiest.sim.phone } : {}),
      busiestMessages: busiest?.sim.messages ?? 0,
      slowest: this.slowest,
      unexpectedSample: this.unexpectedSample,
      startedAt: this.startedAt,
      endedAt: now(),
    };
  }
}

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}
