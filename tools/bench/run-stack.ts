import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { loadConfig, type Config } from '../../src/config';
import type { Logger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { FAKE_WABA_ID } from '../sandbox/graph-fake-status';
import { resolveDevServerBinaries } from '../embedded/temporal-dev-server';
import { resolveTemporalServer } from '../cluster/temporal-server-build';
import { bundleConversationWorkflows } from '../../src/temporal/workflow-bundle';
import { startLoadGenerator, type LoadGenerator } from './loadgen-client';
import { Monitor } from './monitor';
import type { Target } from './protocol';
import type { BenchOptions } from './options';
import {
  compileProductProcess,
  forkBenchChild,
  startBenchCluster,
  startBenchDevServer,
  startBenchPostgres,
  type BenchChild,
  type Stoppable,
} from './stack';

// The bench's stack, started the way `npm start` starts the product: Temporal's server (on SQLite, or
// with --cluster Temporal's own cluster on Postgres), Postgres, the workflow bundles, the load generator
// with the Graph fake, and the product's processes (forked on demand, each sampled by the monitor).

export const APP_SECRET = 'bench-app-secret';
export const ADMIN_TOKEN = 'bench-admin-token-of-at-least-32-characters';
export const NAMESPACE = 'default';

export interface BenchStack {
  binary: string;
  postgres: Stoppable & { url: string };
  temporal: Stoppable & { address: string; pids?: Record<string, number | undefined> };
  bundles: { workflows: string; reference: string };
  /** The product's environment without the Graph fake's URL (the load generator's own). */
  baseEnv: NodeJS.ProcessEnv;
  loadgen: LoadGenerator;
  monitor: Monitor;
  children: Record<string, BenchChild | undefined>;
  /** Postgres statements each product process has sent so far, as it last reported (product-process.ts). */
  pgStatements: Record<string, number>;
  startChild(name: string, role: string, extra?: NodeJS.ProcessEnv): Promise<BenchChild>;
  stopChild(name: string): Promise<void>;
}

/** Starts everything but the product's processes; what it started is pushed onto `stops` as it goes. */
export async function startBenchStack(
  options: BenchOptions,
  dirs: { work: string; out: string },
  stops: Stoppable[],
  logger: Logger,
  say: (line: string) => void,
): Promise<BenchStack> {
  const productConfig = loadConfig(process.env);
  say('compiling the product');
  const productProcess = compileProductProcess();
  const { temporal, postgres, bundles, binary } = await startInfrastructure(
    options,
    productConfig,
    dirs.work,
    logger,
    say,
  );
  // Stopped last first: Temporal before the Postgres it may keep its data in.
  stops.push(postgres, temporal);
  const baseEnv = productEnv(options, postgres.url, temporal.address);
  const loadgen = await startLoadGenerator(baseEnv, dirs.work, say);
  stops.push(loadgen.child);
  const env = { ...baseEnv, WHATSAPP_API_BASE_URL: loadgen.graphBaseUrl };

  const profileDir = options.profile ? path.join(dirs.out, 'profiles') : undefined;
  const children: Record<string, BenchChild | undefined> = {};
  const pgStatements: Record<string, number> = {};
  const startChild = async (name: string, role: string, extra: NodeJS.ProcessEnv = {}): Promise<BenchChild> => {
    const child = await forkBenchChild({
      name,
      script: productProcess,
      args: [role],
      env: { ...env, ...extra },
      logDir: dirs.work,
      ...(profileDir && (name === 'worker' || name === 'server') ? { cpuProfileDir: profileDir } : {}),
      onMessage: (m) => {
        const message = m as { type?: string; items?: [string, number][]; pgStatements?: number };
        if (message.type === 'completions' && message.items)
          loadgen.send({ type: 'completions', items: message.items });
        if (message.type === 'counters' && message.pgStatements !== undefined)
          pgStatements[name] = message.pgStatements;
      },
    });
    children[name] = child;
    return child;
  };
  const stopChild = async (name: string): Promise<void> => {
    await children[name]?.stop();
    children[name] = undefined;
    delete pgStatements[name];
  };
  const temporalPids = temporal.pids ?? { temporal: temporal.pid };
  const embedded = productConfig.databaseUrl === undefined;
  const monitor = new Monitor(
    () => ({
      ...Object.fromEntries(Object.entries(children).map(([name, child]) => [name, child?.pid])),
      loadgen: loadgen.child.pid,
      ...temporalPids,
    }),
    // startBenchPostgres puts the embedded cluster in <work>/pg/postgres.
    embedded ? path.join(dirs.work, 'pg', 'postgres', 'postmaster.pid') : undefined,
  );
  monitor.start();
  return {
    binary,
    postgres,
    temporal,
    bundles,
    baseEnv,
    loadgen,
    monitor,
    children,
    pgStatements,
    startChild,
    stopChild,
  };
}

async function startInfrastructure(
  options: BenchOptions,
  productConfig: Config,
  work: string,
  logger: Logger,
  say: (line: string) => void,
): Promise<Pick<BenchStack, 'temporal' | 'postgres' | 'bundles' | 'binary'>> {
  // Temporal's server (built once into the cache if need be): on a SQLite file as `npm start` runs
  // it, or with --cluster on Postgres.
  const binaries = options.cluster
    ? await resolveTemporalServer({ cacheDir: productConfig.cacheDir, logger })
    : await resolveDevServerBinaries({
        cliPath: productConfig.temporalCliPath,
        cacheDir: productConfig.cacheDir,
        logger,
      });
  const binary = binaries.server;
  say(
    `starting ${options.cluster ? "Temporal's own cluster on Postgres" : `Temporal server on SQLite (${binary})`}, Postgres${productConfig.databaseUrl ? ' (DATABASE_URL)' : ' (embedded)'}, bundling workflows`,
  );
  const postgresStarting = startBenchPostgres(work, logger, productConfig.databaseUrl);
  const temporalStarting: Promise<BenchStack['temporal']> = options.cluster
    ? postgresStarting.then((pg) =>
        startBenchCluster({
          dir: work,
          postgresUrl: pg.url,
          external: productConfig.databaseUrl !== undefined,
          cacheDir: productConfig.cacheDir,
          namespace: NAMESPACE,
          dynamicConfig: options.dynamicConfig,
          logger,
        }),
      )
    : startBenchDevServer({
        binaries,
        cacheDir: productConfig.cacheDir,
        dir: work,
        namespace: NAMESPACE,
        dynamicConfig: options.dynamicConfig,
        logger,
      });
  const [temporal, postgres, bundles] = await Promise.all([
    temporalStarting,
    postgresStarting,
    buildBundles(work, options),
  ]);
  return { temporal, postgres, bundles, binary };
}

/**
 * The product's environment: explicit credentials (no sandbox), timers long enough never to fire
 * during a run, so every bot message is an answer the bench can predict.
 */
function productEnv(options: BenchOptions, databaseUrl: string, temporalAddress: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    TEMPORAL_ADDRESS: temporalAddress,
    TEMPORAL_NAMESPACE: NAMESPACE,
    WHATSAPP_ACCESS_TOKEN: 'bench-access-token',
    WHATSAPP_PHONE_NUMBER_ID: '106000000000001',
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: 'bench-verify-token',
    ADMIN_TOKEN,
    PAYMENT_WEBHOOK_SECRET: 'bench-payment-secret',
    // Payloads encrypted as in production (the codec's cost is part of what is measured); a key per run.
    TEMPORAL_PAYLOAD_KEYS: `bench:${crypto.randomBytes(32).toString('base64')}`,
    ...(options.plainPayloads ? { BENCH_PLAIN_PAYLOADS: '1' } : {}),
    FLOW_IDLE_TIMEOUT: '24h',
    CHAT_IDLE_REMINDER: '24h',
    CHAT_IDLE_TIMEOUT: '24h',
    PAYMENT_TIMEOUT: '24h',
    LOG_LEVEL: 'warn',
    // Two malloc arenas, as `npm start` and the image set it (package.json, Dockerfile).
    MALLOC_ARENA_MAX: process.env['MALLOC_ARENA_MAX'] ?? '2',
  };
  if (options.groups.includes('campaign')) {
    // The number's throughput for the product's pacing and the fake's 130429, and the account whose
    // templates the server lists from the fake at start (the campaign's template among them).
    env['WHATSAPP_MPS'] = String(options.campaign.mps);
    env['BENCH_GRAPH_MPS'] = String(options.campaign.mps);
    env['WHATSAPP_BUSINESS_ACCOUNT_ID'] = FAKE_WABA_ID;
  }
  delete env['NODE_OPTIONS'];
  return env;
}

async function buildBundles(dir: string, options: BenchOptions): Promise<{ workflows: string; reference: string }> {
  const workflows = options.workflowBundle ?? path.join(dir, 'workflow-bundle.js');
  if (options.workflowBundle === undefined) {
    fs.writeFileSync(workflows, await bundleConversationWorkflows());
  }
  const reference = path.join(dir, 'reference-bundle.js');
  if (!options.smoke && !options.scale && options.groups.includes('reference')) {
    const bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('./reference-workflow'),
      logger: new DefaultLogger('WARN'),
    });
    fs.writeFileSync(reference, bundle.code);
  }
  return { workflows, reference };
}

export interface Product {
  /** The product's servers: where webhooks and admin calls go. */
  engineTarget: Extract<Target, { kind: 'webhook' }>;
  engineNeeded: boolean;
  agentReplies: boolean;
  agentDetail: string;
}

/** The product's worker(s) and server(s), when a phase needs the engine; probes the agent route. */
export async function startProduct(
  stack: BenchStack,
  options: BenchOptions,
  say: (line: string) => void,
): Promise<Product> {
  // The first of each keeps its plain name (worker, server), as the report and plot read them.
  const numbered = (role: string, i: number) => (i === 0 ? role : `${role}-${i + 1}`);
  const serverPorts = await Promise.all(Array.from({ length: options.servers }, () => findFreePort()));
  const serverPort = serverPorts[0]!;
  const engineTaskQueue = 'bench-conversations';
  const workerRole = options.workerOptions ? 'worker-tuned' : 'worker';
  const engineNeeded = options.scale || options.groups.some((g) => g !== 'reference' && g !== 'bare');
  const engineTarget: Product['engineTarget'] = {
    kind: 'webhook',
    url: `http://127.0.0.1:${serverPort}/api/webhook/whatsapp`,
    appSecret: APP_SECRET,
    adminUrl: `http://127.0.0.1:${serverPort}`,
    adminToken: ADMIN_TOKEN,
    ...(serverPorts.length > 1 ? { urls: serverPorts.map((p) => `http://127.0.0.1:${p}/api/webhook/whatsapp`) } : {}),
  };
  let agentReplies = false;
  let agentDetail = 'not probed';
  if (engineNeeded) {
    say(`starting the product: ${options.workers} worker(s) and ${options.servers} server(s)`);
    await Promise.all([
      ...Array.from({ length: options.workers }, (_, i) =>
        stack.startChild(numbered('worker', i), workerRole, {
          TEMPORAL_TASK_QUEUE: engineTaskQueue,
          BENCH_WORKFLOW_BUNDLE: stack.bundles.workflows,
          ...(options.workerOptions ? { BENCH_WORKER_OPTIONS: JSON.stringify(options.workerOptions) } : {}),
        }),
      ),
      ...serverPorts.map((port, i) =>
        stack.startChild(numbered('server', i), 'server', { TEMPORAL_TASK_QUEUE: engineTaskQueue, PORT: String(port) }),
      ),
    ]);
    if (options.agentReplies) {
      const probe = await stack.loadgen.probeAdmin(engineTarget.adminUrl!, ADMIN_TOKEN);
      agentReplies = probe.available;
      agentDetail = probe.detail;
      say(
        `admin chat-support route: ${probe.available ? 'answers, agent replies are in the mix' : `not available (${probe.detail}), agent replies left out`}`,
      );
    }
  }
  return { engineTarget, engineNeeded, agentReplies, agentDetail };
}
