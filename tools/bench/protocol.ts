import type { LatencySummary } from './stats';

// What the bench's processes say to each other over Node's IPC channel: the orchestrator (run.ts)
// tells the load generator which phase to drive and relays the reference worker's completions to it.

/** Where a phase's traffic goes. */
export type Target =
  /**
   * The product's server, or the bare pipeline: signed webhooks; agent replies through the admin API.
   * `urls`: several servers, each taking any webhook; posts go to them in turn, as behind a load balancer.
   */
  | { kind: 'webhook'; url: string; urls?: string[]; appSecret: string; adminUrl?: string; adminToken?: string }
  /** The Temporal reference: signal-with-start straight from the load generator's client. */
  | { kind: 'temporal'; address: string; namespace: string; taskQueue: string };

export type Arrivals =
  /** Open loop: arrivals at `rate` per second, scheduled by time, never waiting for replies. */
  | { mode: 'open'; rate: number; durationS: number; warmupS: number; poisson: boolean }
  /** Closed loop: `concurrency` users, each sending its next message once the previous one was answered. */
  | { mode: 'closed'; concurrency: number; durationS: number; warmupS: number }
  /** Scale run: new conversations, re-touches of recent (cached) ones, then a pass over all (evicted). */
  | { mode: 'scale'; rate: number; conversations: number; touches: number; recentWindow: number }
  /** One conversation receiving `messages` messages at `rate` per second (continue-as-new check). */
  | { mode: 'long'; rate: number; messages: number };

export interface PhaseSpec {
  name: string;
  target: Target;
  arrivals: Arrivals;
  /** Conversations to draw from (open loop); each has at most one message awaiting its answer. */
  conversations: number;
  /** Distinct per phase, so every phone number belongs to one phase. */
  phonePrefix: string;
  /** Post the three status webhooks (sent, delivered, read) for every message the bot sends. */
  statuses: boolean;
  agentReplies: boolean;
  drainS: number;
  seed: number;
}

export interface SeriesPoint {
  /** Seconds since the phase began. */
  t: number;
  arrivals: number;
  completed: number;
  e2eP99: number;
  ackP99: number;
  inFlight: number;
}

export interface PhaseResult {
  name: string;
  targetKind: Target['kind'];
  mode: Arrivals['mode'];
  /** Planned rate (open loop) or concurrency (closed loop). */
  offered: number;
  measuredS: number;
  /** Messages and agent commands issued, excluding warm-up. */
  issued: number;
  /** Arrivals dropped because every conversation was still waiting for an answer. */
  skipped: number;
  acked: number;
  /** Non-2xx answers and transport errors; each failed webhook is posted again, as Meta would. */
  ackErrors: number;
  redeliveries: number;
  /** Answered (every expected bot message seen) per second over the measured window. */
  throughput: number;
  /** Inbound webhook ack latency, from the scheduled arrival time. */
  ack: LatencySummary;
  /** Arrival to the first bot message at the Graph fake (or the reference's activity). */
  e2e: LatencySummary;
  /** Arrival to the last bot message of the answer. */
  e2eLast: LatencySummary;
  statusAck: LatencySummary;
  statusesPosted: number;
  statusErrors: number;
  agentCommands: number;
  agentAck: LatencySummary;
  agentErrors: number;
  /** Admin calls asked again with the same Idempotency-Key after a 503 (outcome not yet known). */
  agentRetries: number;
  /** Bot messages that arrived for a conversation not expecting one (a duplicate or a wrong answer). */
  unexpectedSends: number;
  /** Expected bot messages still missing after the drain. */
  missingSends: number;
  expectedSends: number;
  observedSends: number;
  /** The load generator's own timer lag (p99): large values mean it could not keep up. */
  schedulerLagP99: number;
  byKind: Record<string, { count: number; e2e: LatencySummary }>;
  /** Scale run only: first-message latency by how warm the conversation was. */
  byWarmth?: Record<string, LatencySummary>;
  series: SeriesPoint[];
  /** Every inbound wamid accepted (for the store check) and the busiest conversation. */
  wamids: string[];
  phones: number;
  busiestPhone?: string;
  busiestMessages: number;
  slowest: {
    phone: string;
    kind: string;
    state: string;
    expected: number;
    atS: number;
    ackMs?: number;
    firstMs: number;
  }[];
  unexpectedSample: { phone: string; atS: number; state: string; content: string }[];
  startedAt: number;
  endedAt: number;
  /** Requests the Graph fake received during the phase, by kind (every process's, the campaign's too). */
  graph?: GraphCounts;
}

export interface GraphCounts {
  /** Every HTTP request: sends, mark-as-read, typing indicators, media. */
  requests: number;
  sends: number;
  reads: number;
  typingIndicators: number;
}

/** What the load generator saw of a campaign (campaign-watch.ts). */
export interface CampaignWatchReport {
  /** Sends accepted to campaign students, the students reached, and sends to a student reached before. */
  sends: number;
  recipients: number;
  duplicates: number;
  /** Epoch ms of the first and last campaign send accepted. */
  firstAt: number | null;
  lastAt: number | null;
  /** The most campaign sends, and the most sends of any kind, in any sliding 1-s window. */
  busiestSecond: number;
  busiestSecondAllSends: number;
  /** Campaign sends in each whole second from the first. */
  perSecond: number[];
  throughputRefusals: number;
  statusesPosted: number;
  statusErrors: number;
  statusPending: number;
}

export type ToLoadGenerator =
  | { type: 'phase'; spec: PhaseSpec }
  | { type: 'completions'; items: [phone: string, at: number][] }
  | { type: 'probe-admin'; url: string; token: string }
  /** Ends the current phase's arrivals now (it then drains as usual). */
  | { type: 'end-arrivals' }
  /** Starts watching campaign sends: to numbers starting with `prefix`; statuses posted to `url`. */
  | { type: 'campaign-watch'; prefix: string; url: string; appSecret: string; statuses: boolean }
  | { type: 'campaign-report' }
  | { type: 'stop' };

export type FromLoadGenerator =
  | { type: 'ready'; graphBaseUrl: string }
  | { type: 'progress'; line: string }
  | { type: 'phase-done'; result: PhaseResult }
  | { type: 'admin-probe'; available: boolean; detail: string }
  | { type: 'campaign-report'; report: CampaignWatchReport };
