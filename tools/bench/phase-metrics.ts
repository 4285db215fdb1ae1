import type { Conversation, InFlight } from './phase-pool';
import type { PhaseResult, SeriesPoint } from './protocol';
import { summarize, type LatencySummary } from './stats';

// What one phase measures: latencies (kept only for arrivals inside the measured window), counters,
// one bucket per second of arrival time for the plot's series, the slowest answers and a sample of
// unexpected messages; and the phase's result built from them.

interface Bucket {
  arrivals: number;
  completed: number;
  e2e: number[];
  ack: number[];
}

type Slow = PhaseResult['slowest'][number];

const SLOWEST_KEPT = 15;
const UNEXPECTED_KEPT = 20;

export class PhaseMetrics {
  readonly ack: number[] = [];
  readonly e2e: number[] = [];
  readonly e2eLast: number[] = [];
  readonly statusAck: number[] = [];
  readonly agentAck: number[] = [];
  readonly lag: number[] = [];
  readonly wamids: string[] = [];
  private readonly byKind = new Map<string, number[]>();
  private readonly byWarmth = new Map<string, number[]>();
  private readonly perSecond = new Map<number, Bucket>();
  issued = 0;
  skipped = 0;
  acked = 0;
  ackErrors = 0;
  redeliveries = 0;
  completedMeasured = 0;
  statusesPosted = 0;
  statusErrors = 0;
  agentCommands = 0;
  agentErrors = 0;
  agentRetries = 0;
  unexpected = 0;
  expectedSends = 0;
  observedSends = 0;
  /** The slowest answers and the unexpected messages, for finding out why. */
  private readonly slowest: Slow[] = [];
  private readonly unexpectedSample: PhaseResult['unexpectedSample'] = [];

  constructor(private readonly startedAt: number) {}

  bucket(at: number): Bucket {
    const key = Math.floor((at - this.startedAt) / 1000);
    let b = this.perSecond.get(key);
    if (!b) this.perSecond.set(key, (b = { arrivals: 0, completed: 0, e2e: [], ack: [] }));
    return b;
  }

  noteUnexpected(phone: string, at: number, state: string, content: unknown): void {
    this.unexpected += 1;
    if (this.unexpectedSample.length >= UNEXPECTED_KEPT) return;
    this.unexpectedSample.push({
      phone,
      atS: (at - this.startedAt) / 1000,
      state,
      content: JSON.stringify(content ?? null).slice(0, 160),
    });
  }

  /** An action whose answer is complete (`at`): its latencies, if it was measured. */
  noteComplete(c: Conversation, head: InFlight, at: number): void {
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

  private noteSlow(c: Conversation, f: InFlight, firstMs: number): void {
    const slowest = this.slowest;
    if (slowest.length >= SLOWEST_KEPT && firstMs <= slowest[slowest.length - 1]!.firstMs) return;
    slowest.push({
      phone: c.sim.phone,
      kind: f.action.kind,
      state: f.before,
      expected: f.action.expectedSends,
      atS: Math.round(f.scheduledAt - this.startedAt) / 1000,
      ...(f.ackAt === undefined ? {} : { ackMs: Math.round(f.ackAt - f.scheduledAt) }),
      firstMs: Math.round(firstMs),
    });
    slowest.sort((a, b) => b.firstMs - a.firstMs);
    slowest.length = Math.min(slowest.length, SLOWEST_KEPT);
  }

  private series(): SeriesPoint[] {
    return [...this.perSecond.entries()]
      .sort((x, y) => x[0] - y[0])
      .map(([t, b]) => ({
        t,
        arrivals: b.arrivals,
        completed: b.completed,
        e2eP99: summarize(b.e2e).p99,
        ackP99: summarize(b.ack).p99,
        inFlight: 0,
      }));
  }

  /** The counters and summaries of the result; the runner adds what it knows of the phase itself. */
  figures(measuredS: number, keepWamids: boolean): Omit<PhaseResult, PhaseFacts> {
    const byKind: Record<string, { count: number; e2e: LatencySummary }> = {};
    for (const [kind, samples] of this.byKind) byKind[kind] = { count: samples.length, e2e: summarize(samples) };
    const byWarmth: Record<string, LatencySummary> = {};
    for (const [warmth, samples] of this.byWarmth) byWarmth[warmth] = summarize(samples);
    return {
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
      expectedSends: this.expectedSends,
      observedSends: this.observedSends,
      schedulerLagP99: summarize(this.lag).p99,
      byKind,
      ...(this.byWarmth.size > 0 ? { byWarmth } : {}),
      series: this.series(),
      wamids: keepWamids ? this.wamids : [],
      slowest: this.slowest,
      unexpectedSample: this.unexpectedSample,
      startedAt: this.startedAt,
    };
  }
}

/** What the runner, not the metrics, knows of a phase. */
type PhaseFacts =
  | 'name'
  | 'targetKind'
  | 'mode'
  | 'offered'
  | 'missingSends'
  | 'phones'
  | 'busiestPhone'
  | 'busiestMessages'
  | 'endedAt';

function push(map: Map<string, number[]>, key: string, value: number): void {
  const list = map.get(key) ?? [];
  list.push(value);
  map.set(key, list);
}
