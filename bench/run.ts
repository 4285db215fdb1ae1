import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { loadConfig } from '../src/config';
import { findFreePort } from '../src/net';
import { createLogger } from '../src/logger';
import { resolveDevServerBinaries } from '../src/embedded/temporal-dev-server';
import { resolveTemporalServer } from '../src/cluster/temporal-server-build';
import { connectTemporalClient } from '../src/temporal/connect';
import { bundleConversationWorkflows } from '../src/temporal/workflow-bundle';
import { checkPhase, type Correctness } from './correctness';
import { Monitor } from './monitor';
import { parseOptions, type BenchOptions } from './options';
import { summarizeProfiles, type ProfileSummary } from './profile-summary';
import type { FromLoadGenerator, PhaseResult, PhaseSpec, Target, ToLoadGenerator } from './protocol';
import { printReport, writePlot, type BenchResults, type PhaseRecord } from './report';
import {
  compileProductProcess,
  forkBenchChild,
  startBenchCluster,
  startBenchDevServer,
  startBenchPostgres,
  type BenchChild,
  type Stoppable,
} from './stack';
import { longLivedHistory, workflowIdOfPhone } from './history';

// `npm run bench`: starts the stack (Temporal dev server, Postgres, the product's worker and server as
// processes of their own, the Graph API fake inside a separate load-generator process) and runs the
// phases the options ask for: the sustained open-loop run, the search for the highest rate with
// end-to-end p99 ≤ 1 s, the same search on the Temporal reference and on the bare pipeline, closed-loop
// ceilings, or the scale run. Prints tables; writes results.json and plot.svg to --out.

const P99_BOUND_MS = 1000;
const APP_SECRET = 'bench-app-secret';
const ADMIN_TOKEN = 'bench-admin-token-of-at-least-32-characters';
const NAMESPACE = 'default';

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const logger = createLogger('warn', { role: 'bench' });
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-bench-'));
  // The embedded Postgres runs as the `postgres` user when we are root: it must be able to enter.
  fs.chmodSync(work, 0o755);
  const stops: Stoppable[] = [];
  const say = (line: string): void =>
    void process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const started = Date.now();

  try {
    const productConfig = loadConfig(process.env);
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
    say('compiling the product');
    const productProcess = compileProductProcess();
    say(
      `starting ${options.cluster ? "Temporal's own cluster on Postgres" : `Temporal server on SQLite (${binary})`}, Postgres${productConfig.databaseUrl ? ' (DATABASE_URL)' : ' (embedded)'}, bundling workflows`,
    );
    const postgresStarting = startBenchPostgres(work, logger, productConfig.databaseUrl);
    const temporalStarting: Promise<Stoppable & { address: string; pids?: Record<string, number | undefined> }> =
      options.cluster
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
    // Stopped last first: Temporal before the Postgres it may keep its data in.
    stops.push(postgres, temporal);

    // The product's environment: explicit credentials (no sandbox), timers long enough never to fire
    // during a run, so every bot message is an answer the bench can predict.
    const baseEnv: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
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
    delete baseEnv['NODE_OPTIONS'];

    const loadgen = await startLoadGenerator(baseEnv, work, say);
    stops.push(loadgen.child);
    const env = { ...baseEnv, WHATSAPP_API_BASE_URL: loadgen.graphBaseUrl };

    const profileDir = options.profile ? path.join(out, 'profiles') : undefined;
    const children: Record<string, BenchChild | undefined> = {};
    const startChild = async (name: string, role: string, extra: NodeJS.ProcessEnv = {}): Promise<BenchChild> => {
      const child = await forkBenchChild({
        name,
        script: productProcess,
        args: [role],
        env: { ...env, ...extra },
        logDir: work,
        ...(profileDir && (name === 'worker' || name === 'server') ? { cpuProfileDir: profileDir } : {}),
        onMessage: (m) => {
          const message = m as { type?: string; items?: [string, number][] };
          if (message.type === 'completions' && message.items)
            loadgen.send({ type: 'completions', items: message.items });
        },
      });
      children[name] = child;
      return child;
    };
    const stopChild = async (name: string): Promise<void> => {
      await children[name]?.stop();
      children[name] = undefined;
    };

    const temporalPids = temporal.pids ?? { temporal: temporal.pid };
    const monitor = new Monitor(() => ({
      ...Object.fromEntries(Object.entries(children).map(([name, child]) => [name, child?.pid])),
      loadgen: loadgen.child.pid,
      ...temporalPids,
    }));
    monitor.start();

    // The first of each keeps its plain name (worker, server), as the report and plot read them.
    const numbered = (role: string, i: number) => (i === 0 ? role : `${role}-${i + 1}`);
    const serverPorts = await Promise.all(Array.from({ length: options.servers }, () => freePort()));
    const serverPort = serverPorts[0]!;
    const engineTaskQueue = 'bench-conversations';
    const workerRole = options.workerOptions ? 'worker-tuned' : 'worker';
    const engineNeeded = options.scale || options.groups.some((g) => g !== 'reference' && g !== 'bare');
    const engineTarget: Target = {
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
          startChild(numbered('worker', i), workerRole, {
            TEMPORAL_TASK_QUEUE: engineTaskQueue,
            BENCH_WORKFLOW_BUNDLE: bundles.workflows,
            ...(options.workerOptions ? { BENCH_WORKER_OPTIONS: JSON.stringify(options.workerOptions) } : {}),
          }),
        ),
        ...serverPorts.map((port, i) =>
          startChild(numbered('server', i), 'server', { TEMPORAL_TASK_QUEUE: engineTaskQueue, PORT: String(port) }),
        ),
      ]);
      if (options.agentReplies) {
        const probe = await loadgen.probeAdmin(engineTarget.adminUrl!, ADMIN_TOKEN);
        agentReplies = probe.available;
        agentDetail = probe.detail;
        say(
          `admin chat-support route: ${probe.available ? 'answers, agent replies are in the mix' : `not available (${probe.detail}), agent replies left out`}`,
        );
      }
    }
    const { connection, client } = await connectTemporalClient(
      loadConfig(baseEnv).temporalSecurity,
      temporal.address,
      NAMESPACE,
    );

    const records: PhaseRecord[] = [];
    let phaseNumber = 0;
    const runPhase = async (
      name: string,
      group: string,
      target: Target,
      arrivals: PhaseSpec['arrivals'],
      extra: Partial<PhaseSpec> = {},
    ): Promise<PhaseRecord> => {
      phaseNumber += 1;
      const phonePrefix = `19${String(phaseNumber).padStart(2, '0')}`;
      const spec: PhaseSpec = {
        name,
        target,
        arrivals,
        conversations: options.conversations,
        phonePrefix,
        statuses: options.statuses,
        agentReplies: target.kind === 'webhook' && target.adminUrl !== undefined && agentReplies,
        drainS: 60,
        seed: options.seed + phaseNumber,
        ...extra,
      };
      monitor.phase = name;
      monitor.takeCpu();
      say(`phase ${name}: ${describeArrivals(arrivals)}`);
      const result = await loadgen.runPhase(spec);
      const cpu = monitor.takeCpu();
      const correctness =
        target.kind === 'webhook'
          ? await checkPhase(postgres.url, result, phonePrefix, target === engineTarget ? client : undefined)
          : undefined;
      if (target === engineTarget && result.slowest[0] !== undefined && result.slowest[0].firstMs > 2000) {
        await dumpHistory(
          client,
          postgres.url,
          result.slowest[0].phone,
          path.join(out, `slowest-${name.replace(/[^\w@-]/g, '_')}.json`),
        );
      }
      const record: PhaseRecord = {
        group,
        spec: { ...spec, target: { kind: target.kind } as Target },
        result,
        correctness,
        cpuSeconds: cpu,
      };
      records.push(record);
      say(summaryLine(record));
      // Let queues, statuses and the dev server's background work settle before the next phase.
      await sleep(3000);
      return record;
    };

    const search = async (
      label: string,
      group: string,
      target: Target,
      rates: number[],
    ): Promise<number | undefined> => {
      let best: number | undefined;
      for (const rate of rates) {
        // A pool of rate × 5 conversations, all started during the warm-up: each user writes about every
        // 5 s, and the step measures conversations that exist rather than a burst of new ones.
        const r = await runPhase(
          `${label}@${rate}`,
          group,
          target,
          { mode: 'open', rate, durationS: options.stepS, warmupS: 10, poisson: options.poisson },
          { conversations: Math.max(50, rate * 5) },
        );
        if (!passes(r)) break;
        best = rate;
      }
      return best;
    };

    let engineBest: number | undefined;
    let referenceBest: number | undefined;
    let bareBest: number | undefined;
    let longHistory: BenchResults['longHistory'];

    if (options.scale) {
      await runPhase(
        'scale',
        'scale',
        engineTarget,
        {
          mode: 'scale',
          rate: options.scaleRate,
          conversations: options.scaleConversations,
          touches: options.scaleTouches,
          recentWindow: 200,
        },
        { drainS: 120 },
      );
      await runPhase(
        'long-lived',
        'scale',
        engineTarget,
        { mode: 'long', rate: options.longRate, messages: options.longMessages },
        { drainS: 300, statuses: false },
      );
      const long = records[records.length - 1]!;
      if (long.result.busiestPhone)
        longHistory = await longLivedHistory(client, postgres.url, long.result.busiestPhone);
    } else {
      if (options.groups.includes('sustained')) {
        await runPhase(
          options.smoke ? 'smoke' : `sustained@${options.rate}`,
          'sustained',
          engineTarget,
          {
            mode: 'open',
            rate: options.rate,
            durationS: options.durationS,
            warmupS: options.warmupS,
            poisson: options.poisson,
          },
          options.smoke ? { drainS: 30 } : {},
        );
      }
      if (options.groups.includes('search'))
        engineBest = await search('engine', 'search', engineTarget, options.engineSteps);
      if (options.groups.includes('closed') && engineNeeded) {
        await runPhase('engine-closed', 'closed', engineTarget, {
          mode: 'closed',
          concurrency: options.closedConcurrency,
          durationS: options.closedS,
          warmupS: 5,
        });
      }
      if (options.groups.includes('reference')) {
        await startChild('reference-worker', 'reference-worker', {
          TEMPORAL_TASK_QUEUE: 'bench-reference',
          BENCH_WORKFLOW_BUNDLE: bundles.reference,
        });
        const target: Target = {
          kind: 'temporal',
          address: temporal.address,
          namespace: NAMESPACE,
          taskQueue: 'bench-reference',
        };
        await runPhase('reference-closed', 'reference', target, {
          mode: 'closed',
          concurrency: options.closedConcurrency,
          durationS: options.closedS,
          warmupS: 5,
        });
        referenceBest = await search('reference', 'reference', target, options.referenceSteps);
        await stopChild('reference-worker');
      }
      if (options.groups.includes('bare')) {
        const barePort = await freePort();
        await startChild('bare', 'bare', { PORT: String(barePort) });
        const target: Target = {
          kind: 'webhook',
          url: `http://127.0.0.1:${barePort}/api/webhook/whatsapp`,
          appSecret: APP_SECRET,
        };
        await runPhase('bare-closed', 'bare', target, {
          mode: 'closed',
          concurrency: options.closedConcurrency,
          durationS: options.closedS,
          warmupS: 5,
        });
        bareBest = await search('bare', 'bare', target, options.bareSteps);
        await stopChild('bare');
      }
    }

    monitor.phase = 'stopping';
    const errorsOf = (role: string) =>
      Object.entries(children)
        .filter(([name]) => name === role || name.startsWith(`${role}-`))
        .reduce((sum, [, child]) => sum + (child?.errors() ?? 0), 0);
    const errors = { worker: errorsOf('worker'), server: errorsOf('server') };
    await connection.close();
    for (const name of Object.keys(children)) await stopChild(name);
    monitor.stop();
    let profiles: Record<string, ProfileSummary> | undefined;
    if (profileDir) profiles = summarizeProfiles(profileDir);

    const results: BenchResults = {
      label: options.label,
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      machine: machine(binary),
      options: { ...options },
      agentReplies: { included: agentReplies, probe: agentDetail },
      phases: records,
      best: { engine: engineBest, reference: referenceBest, bare: bareBest },
      memory: { peakMb: monitor.peakMb, samples: monitor.samples },
      productLogErrors: errors,
      ...(longHistory ? { longHistory } : {}),
      ...(profiles ? { profiles } : {}),
    };
    fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(stripWamids(results), null, 1));
    const plot = writePlot(results, path.join(out, 'plot.svg'));
    printReport(results, (line) => process.stdout.write(line + '\n'));
    say(`results: ${path.join(out, 'results.json')}${plot ? `, plot: ${plot}` : ''}; logs: ${path.join(out, 'logs')}`);
    const failed = records.filter((r) => r.correctness !== undefined && !r.correctness.ok);
    if (failed.length > 0) {
      say(`CORRECTNESS FAILED in ${failed.map((r) => r.result.name).join(', ')}`);
      return 1;
    }
    return 0;
  } finally {
    for (const s of stops.reverse()) await s.stop().catch((err: unknown) => say(`stop failed: ${String(err)}`));
    // Keep the logs with the results; the databases and the bundle go.
    fs.mkdirSync(path.join(out, 'logs'), { recursive: true });
    for (const file of fs.readdirSync(work).filter((f) => f.endsWith('.log')))
      fs.copyFileSync(path.join(work, file), path.join(out, 'logs', file));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** A step passes when its end-to-end p99 is within 1 s and it kept up without losing anything. */
export function passes(r: PhaseRecord): boolean {
  const res = r.result;
  return (
    res.e2e.p99 <= P99_BOUND_MS &&
    res.skipped === 0 &&
    res.missingSends === 0 &&
    res.ackErrors === 0 &&
    res.throughput >= res.offered * 0.9 &&
    (r.correctness?.ok ?? true)
  );
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

interface LoadGenerator {
  child: BenchChild;
  graphBaseUrl: string;
  send(message: ToLoadGenerator): void;
  runPhase(spec: PhaseSpec): Promise<PhaseResult>;
  probeAdmin(url: string, token: string): Promise<{ available: boolean; detail: string }>;
}

async function startLoadGenerator(
  env: NodeJS.ProcessEnv,
  logDir: string,
  say: (line: string) => void,
): Promise<LoadGenerator> {
  let graphBaseUrl = '';
  const waiting: ((m: FromLoadGenerator) => boolean)[] = [];
  const child = await forkBenchChild({
    name: 'loadgen',
    script: path.join(__dirname, 'load-generator.ts'),
    env,
    logDir,
    onMessage: (raw) => {
      const m = raw as FromLoadGenerator;
      if (m.type === 'ready') graphBaseUrl = m.graphBaseUrl;
      if (m.type === 'progress') say(m.line);
      const index = waiting.findIndex((w) => w(m));
      if (index !== -1) waiting.splice(index, 1);
    },
  });
  const send = (message: ToLoadGenerator): void => {
    if (child.child.connected) child.child.send(message);
  };
  const expect = <T>(pick: (m: FromLoadGenerator) => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error('the load generator exited; see its log'));
      child.child.once('exit', onExit);
      waiting.push((m) => {
        const value = pick(m);
        if (value === undefined) return false;
        child.child.off('exit', onExit);
        resolve(value);
        return true;
      });
    });
  return {
    child,
    graphBaseUrl,
    send,
    runPhase(spec) {
      const done = expect((m) => (m.type === 'phase-done' ? m.result : undefined));
      send({ type: 'phase', spec });
      return done;
    },
    probeAdmin(url, token) {
      const done = expect((m) => (m.type === 'admin-probe' ? { available: m.available, detail: m.detail } : undefined));
      send({ type: 'probe-admin', url, token });
      return done;
    },
  };
}

function describeArrivals(a: PhaseSpec['arrivals']): string {
  if (a.mode === 'open') return `open loop, ${a.rate}/s for ${a.durationS} s after ${a.warmupS} s warm-up`;
  if (a.mode === 'closed')
    return `closed loop, ${a.concurrency} users for ${a.durationS} s after ${a.warmupS} s warm-up`;
  if (a.mode === 'scale') return `${a.conversations} conversations × ${a.touches} at ${a.rate}/s, then a second pass`;
  return `one conversation, ${a.messages} messages at ${a.rate}/s`;
}

function summaryLine(r: PhaseRecord): string {
  const x = r.result;
  const ok = r.correctness ? (r.correctness.ok ? 'correct' : `PROBLEMS: ${r.correctness.problems.join('; ')}`) : '';
  return (
    `${x.name}: ${x.throughput.toFixed(1)}/s answered, ack p50/p99 ${x.ack.p50}/${x.ack.p99} ms, ` +
    `e2e p50/p99/max ${x.e2e.p50}/${x.e2e.p99}/${x.e2e.max} ms, skipped ${x.skipped}, errors ${x.ackErrors}, ${ok}`
  );
}

function machine(binary: string): BenchResults['machine'] {
  let temporalVersion = 'unknown';
  try {
    temporalVersion = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // Reported as unknown.
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed version, read at run time
  const sdk = (require('@temporalio/worker/package.json') as { version: string }).version;
  return {
    nproc: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    temporalCli: temporalVersion,
    temporalSdk: sdk,
    os: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

function stripWamids(results: BenchResults): unknown {
  return {
    ...results,
    phases: results.phases.map((p) => ({ ...p, result: { ...p.result, wamids: p.result.wamids.length } })),
  };
}

function freePort(): Promise<number> {
  return findFreePort();
}

/** The slowest conversation's history, event by event, to see where its time went. */
async function dumpHistory(client: Client, databaseUrl: string, phone: string, file: string): Promise<void> {
  try {
    const workflowId = await workflowIdOfPhone(databaseUrl, phone);
    if (workflowId === undefined) return;
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const start = Number(history.events?.[0]?.eventTime?.seconds ?? 0) * 1000;
    const events = (history.events ?? []).map((e) => {
      const t = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
      return { id: Number(e.eventId), type: e.eventType, ms: t - start };
    });
    fs.writeFileSync(file, JSON.stringify({ phone, events }, null, 1));
  } catch {
    // Diagnostics only.
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type { Correctness };

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
