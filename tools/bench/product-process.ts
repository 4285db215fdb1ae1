import { Worker } from '@temporalio/worker';
import pg from 'pg';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { runServer, runWorker, type Running } from '../../src/runtime';
import { connectTemporalWorker } from '../../src/temporal/connect';
import { installRuntimeLogger, type WorkerOptions } from '../../src/temporal/worker';
import { startBarePipeline } from './bare-pipeline';

// One process of the system under test, forked by run.ts so its RSS and CPU profile are its own:
//
//   worker            the product's runWorker (src/runtime.ts), unchanged
//   worker-tuned      the same worker with Worker options from BENCH_WORKER_OPTIONS (stretch experiments)
//   server            the product's runServer
//   reference-worker  the Temporal reference: a one-signal-one-local-activity workflow
//   bare              the bare pipeline: the same parsing, flow and Postgres writes without Temporal
//
// Configured by the product's own environment variables; BENCH_WORKFLOW_BUNDLE names a prebuilt bundle,
// and BENCH_PLAIN_PAYLOADS takes the payload codec out of the engine's processes (`--plain-payloads`).

// Postgres statements (round trips, BEGIN and COMMIT included) this process sends, counted at pg's
// Client.query, which the pool's queries also go through; sent to run.ts when the count changes, for
// the statements per inbound message by process (issue 27). Counting costs an increment per statement.
let pgStatements = 0;
// eslint-disable-next-line @typescript-eslint/unbound-method -- called with its client through Reflect.apply
const originalQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]): unknown {
  pgStatements += 1;
  return Reflect.apply(originalQuery, this, args);
} as typeof originalQuery;
let reported = -1;
setInterval(() => {
  if (pgStatements === reported) return;
  reported = pgStatements;
  process.send?.({ type: 'counters', pgStatements });
}, 250).unref();

type Role = 'worker' | 'worker-tuned' | 'server' | 'reference-worker' | 'bare';

const role = process.argv[2] as Role;
const config = loadConfig(process.env);
const logger = createLogger('warn', { role });
const bundlePath = process.env['BENCH_WORKFLOW_BUNDLE'];
const dataConverter = process.env['BENCH_PLAIN_PAYLOADS'] === '1' ? {} : undefined;
const fatal = (err: unknown): void => {
  logger.error('bench process failed', { error: err });
  process.exit(1);
};

async function start(): Promise<Running> {
  const databaseUrl = config.databaseUrl!;
  const temporalAddress = config.temporalAddress!;
  switch (role) {
    case 'worker':
      return runWorker(config, databaseUrl, temporalAddress, logger, fatal, {
        ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
        dataConverter,
      });
    case 'worker-tuned':
      // The product's worker with Worker options laid over its defaults: how each stretch experiment was measured.
      return runWorker(config, databaseUrl, temporalAddress, logger, fatal, {
        ...(bundlePath ? { workflowBundle: { codePath: bundlePath } } : {}),
        dataConverter,
        tuning: JSON.parse(process.env['BENCH_WORKER_OPTIONS'] ?? '{}') as WorkerOptions['tuning'],
      });
    case 'server':
      return runServer(config, databaseUrl, temporalAddress, logger, undefined, dataConverter);
    case 'reference-worker':
      return startReferenceWorker();
    case 'bare':
      return startBarePipeline(config, logger);
    default:
      throw new Error(`unknown role ${String(role)}: worker, worker-tuned, server, reference-worker or bare`);
  }
}

/** The reference: its no-op activity notes when it ran, and the notes go to run.ts every 20 ms. */
async function startReferenceWorker(): Promise<Running> {
  installRuntimeLogger(logger);
  // The reference stays what it always measured, Temporal alone: its payloads (synthetic numbers, no
  // product data) are not encrypted, so the engine/reference ratio shows the codec's cost.
  const connection = await connectTemporalWorker(config.temporalSecurity, config.temporalAddress!);
  let batch: [string, number][] = [];
  const flush = setInterval(() => {
    if (batch.length === 0) return;
    process.send?.({ type: 'completions', items: batch });
    batch = [];
  }, 20);
  const worker = await Worker.create({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: bundlePath! },
    activities: {
      async noop(phone: string): Promise<void> {
        batch.push([phone, Date.now()]);
      },
    },
    maxCachedWorkflows: 2000,
  });
  const running = worker.run().catch(fatal);
  return {
    async stop() {
      clearInterval(flush);
      worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

// Where the RSS goes (V8 heap, buffers, the rest: the Rust core and native memory), every 10 s in this
// process's log, for reading the worker's memory against its cache. MB are MiB, as in the monitor's figures.
function logMemory(): void {
  const mb = (bytes: number) => Math.round(bytes / 2 ** 20);
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  process.stderr.write(
    `memory ${JSON.stringify({ at: new Date().toISOString(), rss: mb(rss), heapTotal: mb(heapTotal), heapUsed: mb(heapUsed), external: mb(external), arrayBuffers: mb(arrayBuffers) })}\n`,
  );
}

start()
  .then((running) => {
    process.send?.({ type: 'ready', pid: process.pid });
    setInterval(logMemory, 10_000).unref();
    const stop = (): void =>
      void running
        .stop()
        .catch((err: unknown) => logger.error('stop failed', { error: err }))
        .finally(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    process.on('message', (m: { type?: string }) => {
      if (m.type === 'stop') stop();
    });
  })
  .catch(fatal);
