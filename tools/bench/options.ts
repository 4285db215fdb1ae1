import { parseArgs } from 'node:util';

// The bench's command line. Every phase's length and rate can be set; the defaults are the issue's
// targets (40/s for 5 minutes) and rate steps that bracket what a 2-core machine manages.

export type Group = 'sustained' | 'search' | 'reference' | 'bare' | 'closed' | 'campaign';
/**
 * The default run's groups. `campaign` runs only when asked for (--only campaign): it sets WHATSAPP_MPS,
 * the fake's throughput limit and the template catalogue for the whole run, so the other groups' figures
 * would no longer compare with the runs before it.
 */
export const ALL_GROUPS: Group[] = ['sustained', 'search', 'reference', 'bare', 'closed'];
const GROUPS: Group[] = [...ALL_GROUPS, 'campaign'];

export interface BenchOptions {
  rate: number;
  durationS: number;
  warmupS: number;
  conversations: number;
  smoke: boolean;
  scale: boolean;
  out: string;
  groups: Group[];
  /** Open-loop rates tried, in order, until one misses p99 ≤ 1 s. */
  engineSteps: number[];
  referenceSteps: number[];
  bareSteps: number[];
  stepS: number;
  closedConcurrency: number;
  closedS: number;
  scaleConversations: number;
  scaleTouches: number;
  scaleRate: number;
  longMessages: number;
  longRate: number;
  poisson: boolean;
  agentReplies: boolean;
  statuses: boolean;
  profile: boolean;
  /** The engine without the payload codec: what encryption costs, measured beside a run with it. */
  plainPayloads: boolean;
  /** Worker options laid over the product's (stretch experiments), as JSON. */
  workerOptions?: Record<string, unknown>;
  /** Extra `--dynamic-config-value` pairs for the dev server. */
  dynamicConfig: Record<string, string>;
  workflowBundle?: string;
  /** Temporal's own cluster on Postgres instead of the dev server, with several product processes. */
  cluster: boolean;
  /** The product's server and worker processes (webhooks go round-robin over the servers). */
  servers: number;
  workers: number;
  seed: number;
  label: string;
  campaign: CampaignOptions;
}

export interface CampaignOptions {
  recipients: number;
  /** The campaign's ratePerSecond, through the admin API. */
  rate: number;
  /** WHATSAPP_MPS of the product and the fake's per-number throughput. */
  mps: number;
  /** The conversations' open-loop rate beside the campaign. */
  conversationRate: number;
  /** Seconds of the same conversations without a campaign first (0: none). */
  baselineS: number;
}

const numbers = (value: string): number[] =>
  value
    .split(',')
    .map(Number)
    .filter((n) => Number.isFinite(n) && n > 0);

export const USAGE = `usage: npm run bench -- [options]
  --rate N              sustained open-loop rate, messages/s (40)
  --duration S          sustained measurement, seconds (300)
  --warmup S            warm-up before measuring, seconds (30)
  --conversations N     conversations the sustained run draws from (1000)
  --smoke               a short low-rate run that asserts correctness only (under a minute)
  --scale               the scale run: 10,000 conversations twice, and one 20,000-message conversation
  --out DIR             where results.json, plot.svg and profiles go (bench-results/<time>)
  --only LIST           groups to run: sustained,search,reference,bare,closed (all of those), campaign (only when named)
  --engine-steps LIST   open-loop rates for the engine's search (40,60,80,90,100,110,120,140)
  --reference-steps LIST  rates for the Temporal reference (60,100,125,150,175,200,250)
  --bare-steps LIST     rates for the bare pipeline (40,80,120,160,200,250,300)
  --step S              seconds per rate step (30)
  --closed-concurrency N  users in the closed-loop runs (200); --closed S seconds (30)
  --scale-conversations N (10000)  --scale-touches N (2)  --scale-rate N (40)
  --long-messages N (20000)  --long-rate N (80)
  --fixed-interval      arrivals at fixed intervals instead of Poisson
  --no-agent            leave agent replies (admin API) out of the mix
  --no-statuses         do not post the three status webhooks per bot message
  --profile             --cpu-prof on the worker and server; a summary is printed
  --plain-payloads      the engine without the payload codec (production always encrypts): the codec's cost
  --worker-options JSON Worker options over the product's, e.g. '{"maxConcurrentWorkflowTaskExecutions":80}'
  --dynamic-config K=V  dev server dynamic config (repeatable)
  --workflow-bundle F   a prebuilt workflow bundle of workflows/ (skips bundling)
  --cluster             Temporal's own cluster on Postgres (4 services, 4 shards) instead of the dev server
  --servers N           product servers, webhooks round-robin over them (1; 2 with --cluster)
  --workers N           product workers on one task queue (1; 2 with --cluster)
  --campaign-recipients N  students the campaign goes to (10000)
  --campaign-rate N     the campaign's ratePerSecond (80)
  --campaign-mps N      WHATSAPP_MPS, also the Graph fake's per-number limit (120: 80 plus the replies' room)
  --campaign-load N     conversations' open-loop rate during the campaign (20)
  --campaign-baseline S the same conversations without a campaign first, seconds (60; 0: none)
  --seed N              the mix's random seed (1)
  --label TEXT          a name for this run in the results`;

export function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      rate: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      conversations: { type: 'string' },
      smoke: { type: 'boolean' },
      scale: { type: 'boolean' },
      out: { type: 'string' },
      only: { type: 'string' },
      'engine-steps': { type: 'string' },
      'reference-steps': { type: 'string' },
      'bare-steps': { type: 'string' },
      step: { type: 'string' },
      'closed-concurrency': { type: 'string' },
      closed: { type: 'string' },
      'scale-conversations': { type: 'string' },
      'scale-touches': { type: 'string' },
      'scale-rate': { type: 'string' },
      'long-messages': { type: 'string' },
      'long-rate': { type: 'string' },
      'fixed-interval': { type: 'boolean' },
      'no-agent': { type: 'boolean' },
      'no-statuses': { type: 'boolean' },
      profile: { type: 'boolean' },
      'plain-payloads': { type: 'boolean' },
      'worker-options': { type: 'string' },
      'dynamic-config': { type: 'string', multiple: true },
      'workflow-bundle': { type: 'string' },
      cluster: { type: 'boolean' },
      servers: { type: 'string' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      'campaign-recipients': { type: 'string' },
      'campaign-rate': { type: 'string' },
      'campaign-mps': { type: 'string' },
      'campaign-load': { type: 'string' },
      'campaign-baseline': { type: 'string' },
      label: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    process.exit(0);
  }
  const num = (value: string | undefined, fallback: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new Error(`not a number: ${value}\n${USAGE}`);
    return n;
  };
  const smoke = values.smoke === true;
  const dynamicConfig: Record<string, string> = {};
  for (const pair of values['dynamic-config'] ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--dynamic-config wants KEY=JSON, got ${pair}`);
    dynamicConfig[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const groups = values.only === undefined ? ALL_GROUPS : (values.only.split(',') as Group[]);
  for (const g of groups) if (!GROUPS.includes(g)) throw new Error(`unknown group ${g}: ${GROUPS.join(', ')}`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);
  return {
    rate: num(values.rate, smoke ? 5 : 40),
    durationS: num(values.duration, smoke ? 15 : 300),
    warmupS: num(values.warmup, smoke ? 0 : 30),
    conversations: num(values.conversations, smoke ? 20 : 1000),
    smoke,
    scale: values.scale === true,
    out: values.out ?? `bench-results/${stamp}${smoke ? '-smoke' : values.scale ? '-scale' : ''}`,
    groups: smoke ? ['sustained'] : groups,
    engineSteps: numbers(values['engine-steps'] ?? '40,60,80,90,100,110,120,140'),
    referenceSteps: numbers(values['reference-steps'] ?? '60,100,125,150,175,200,250'),
    bareSteps: numbers(values['bare-steps'] ?? '40,80,120,160,200,250,300'),
    stepS: num(values.step, 30),
    closedConcurrency: num(values['closed-concurrency'], 200),
    closedS: num(values.closed, 30),
    scaleConversations: num(values['scale-conversations'], 10_000),
    scaleTouches: num(values['scale-touches'], 2),
    scaleRate: num(values['scale-rate'], 40),
    longMessages: num(values['long-messages'], 20_000),
    longRate: num(values['long-rate'], 80),
    poisson: values['fixed-interval'] !== true,
    agentReplies: values['no-agent'] !== true,
    statuses: values['no-statuses'] !== true,
    profile: values.profile === true,
    plainPayloads: values['plain-payloads'] === true,
    ...(values['worker-options'] === undefined
      ? {}
      : { workerOptions: JSON.parse(values['worker-options']) as Record<string, unknown> }),
    dynamicConfig,
    ...(values['workflow-bundle'] === undefined ? {} : { workflowBundle: values['workflow-bundle'] }),
    cluster: values.cluster === true,
    servers: Math.max(1, num(values.servers, values.cluster ? 2 : 1)),
    workers: Math.max(1, num(values.workers, values.cluster ? 2 : 1)),
    seed: num(values.seed, 1),
    label: values.label ?? (smoke ? 'smoke' : values.scale ? 'scale' : 'default'),
    campaign: {
      recipients: num(values['campaign-recipients'], 10_000),
      rate: num(values['campaign-rate'], 80),
      mps: num(values['campaign-mps'], 120),
      conversationRate: num(values['campaign-load'], 20),
      baselineS: num(values['campaign-baseline'], 60),
    },
  };
}
