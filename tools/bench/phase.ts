import { Client, type Connection } from '@temporalio/client';
import type { ConversationSettings } from '../../domain/types';
import { connectTemporal } from '../../src/temporal/connect';
import type { createHttpClient } from './http-client';
import { seededRandom } from './mix';
import { closedLoop, long, openLoop, scale, type ArrivalHost } from './phase-arrivals';
import { PhaseMetrics } from './phase-metrics';
import { ConversationPool, type Conversation, type InFlight } from './phase-pool';
import { PhasePoster } from './phase-posts';
import type { PhaseResult, PhaseSpec } from './protocol';
import { summarize } from './stats';

// Drives one phase from the load generator: schedules arrivals by time (phase-arrivals.ts), posts
// signed webhooks or signal-with-start for the Temporal reference (phase-posts.ts), attributes every
// bot message the Graph fake records to the one action of that conversation awaiting it, posts the
// status webhooks, and drains; phase-metrics.ts keeps what is measured.

const now = (): number => performance.timeOrigin + performance.now();

export interface PhaseDeps {
  http: ReturnType<typeof createHttpClient>;
  settings: ConversationSettings;
  phoneNumberId: string;
  addMedia(mediaId: string, data: Buffer, mimeType: string): void;
  progress(line: string): void;
}

export class PhaseRunner implements ArrivalHost {
  readonly startedAt = now();
  readonly measureFrom: number;
  private measureTo: number;
  readonly pool: ConversationPool;
  readonly metrics: PhaseMetrics;
  readonly random: () => number;
  onIdle: ((c: Conversation) => void) | undefined;
  private readonly poster: PhasePoster;
  private arrivalsDone = false;
  arrivalsEnded = false;
  private temporal?: { client: Client; connection: Connection };

  constructor(
    private readonly spec: PhaseSpec,
    private readonly deps: PhaseDeps,
  ) {
    this.random = seededRandom(spec.seed);
    const a = spec.arrivals;
    const warmup = a.mode === 'open' || a.mode === 'closed' ? a.warmupS * 1000 : 0;
    this.measureFrom = this.startedAt + warmup;
    this.measureTo = a.mode === 'open' || a.mode === 'closed' ? this.measureFrom + a.durationS * 1000 : Infinity;
    this.metrics = new PhaseMetrics(this.startedAt);
    this.pool = new ConversationPool(spec, deps.settings, deps.phoneNumberId, this.random);
    this.poster = new PhasePoster({
      spec,
      http: deps.http,
      phoneNumberId: deps.phoneNumberId,
      metrics: this.metrics,
      random: this.random,
      temporal: () => this.temporal?.client,
      measuring: (at) => at >= this.measureFrom && at < this.measureTo,
      onAcked: (c) => this.maybeComplete(c),
    });
  }

  get name(): string {
    return this.spec.name;
  }

  progress(line: string): void {
    this.deps.progress(line);
  }

  /** Ends an open loop's arrivals now; the measured window ends here too. The phase then drains. */
  endArrivals(): void {
    this.arrivalsEnded = true;
    this.measureTo = Math.min(this.measureTo, now());
  }

  /** A bot message the Graph fake accepted (or a reference activity that ran). */
  onSend(phone: string, at: number, waMessageId?: string, content?: unknown): void {
    const conversation = this.pool.byPhone.get(phone);
    if (!conversation) return;
    this.metrics.observedSends += 1;
    if (waMessageId !== undefined) conversation.sim.lastBotWamid = waMessageId;
    const head = conversation.queue.find((f) => f.received < f.action.expectedSends);
    if (!head) {
      this.metrics.noteUnexpected(phone, at, conversation.sim.flow.name, content);
    } else {
      head.received += 1;
      if (head.received === 1) head.firstAt = at;
      this.maybeComplete(conversation);
    }
    if (waMessageId !== undefined && this.spec.statuses && this.spec.target.kind === 'webhook')
      void this.poster.postStatuses(phone, waMessageId);
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
    for (let i = 0; i < count; i++) this.pool.add(i);
    const ticker = setInterval(() => this.report(), 10_000);
    try {
      if (a.mode === 'open') await openLoop(this, a.rate, (a.warmupS + a.durationS) * 1000, a.poisson);
      else if (a.mode === 'closed') await closedLoop(this, (a.warmupS + a.durationS) * 1000);
      else if (a.mode === 'scale') await scale(this, a.rate, a.conversations, a.touches, a.recentWindow);
      else await long(this, a.rate, a.messages);
      this.arrivalsDone = true;
      if (this.measureTo === Infinity) this.measureTo = now();
      await this.drain();
    } finally {
      clearInterval(ticker);
      await this.temporal?.connection.close();
    }
    return this.result();
  }

  fire(c: Conversation, scheduledAt: number, warmth?: string): void {
    this.pool.takeIdle(c);
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
    this.metrics.expectedSends += action.expectedSends;
    if (measured) this.metrics.issued += 1;
    this.metrics.bucket(scheduledAt).arrivals += 1;
    if (action.media) this.deps.addMedia(action.media.mediaId, action.media.data, action.media.mimeType);
    if (action.kind === 'agent') void this.poster.postAgent(c, flight);
    else void this.poster.postMessage(c, flight);
  }

  private maybeComplete(c: Conversation): void {
    while (c.queue.length > 0) {
      const head = c.queue[0]!;
      if (!head.acked || head.received < head.action.expectedSends) break;
      c.queue.shift();
      this.metrics.noteComplete(c, head, now());
    }
    if (c.queue.length === 0) {
      this.pool.markIdle(c);
      if (!this.arrivalsDone) this.onIdle?.(c);
    }
  }

  private async drain(): Promise<void> {
    const deadline = now() + this.spec.drainS * 1000;
    const busy = (): boolean =>
      this.pool.inFlight() > 0 || this.poster.pendingPosts > 0 || this.poster.statusPending > 0;
    while (now() < deadline && busy()) await new Promise((resolve) => setTimeout(resolve, 50));
  }

  private report(): void {
    const s = summarize(this.metrics.e2e.slice(-2000));
    const m = this.metrics;
    this.deps.progress(
      `${this.spec.name}: ${Math.round((now() - this.startedAt) / 1000)} s, issued ${m.issued}, in flight ${this.pool.inFlight()}, ` +
        `recent e2e p50 ${s.p50} ms p99 ${s.p99} ms, skipped ${m.skipped}, errors ${m.ackErrors}`,
    );
  }

  private result(): PhaseResult {
    const a = this.spec.arrivals;
    const measuredS = Math.max(0.001, (Math.min(this.measureTo, now()) - this.measureFrom) / 1000);
    const busiest = this.pool.busiest();
    return {
      name: this.spec.name,
      targetKind: this.spec.target.kind,
      mode: a.mode,
      offered: a.mode === 'closed' ? a.concurrency : a.rate,
      ...this.metrics.figures(measuredS, this.spec.target.kind !== 'temporal'),
      missingSends: this.pool.missingSends(),
      phones: this.pool.size,
      ...(busiest ? { busiestPhone: busiest.sim.phone } : {}),
      busiestMessages: busiest?.sim.messages ?? 0,
      endedAt: now(),
    };
  }
}
