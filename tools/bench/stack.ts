import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';
import { createDb } from '../../src/db/pool';
import { onProcessExit } from '../embedded/exit-hooks';
import { startEmbeddedPostgres } from '../embedded/postgres';
import type { Logger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { startDevServer } from '../embedded/temporal-dev-server';
import { startTemporalOnPostgres } from '../cluster/temporal-on-postgres';
import { resolveTemporalServer, type TemporalServerBinaries } from '../cluster/temporal-server-build';

// The infrastructure of a bench run, started the way `npm start` starts it: Temporal's server on a WAL
// SQLite file (the product's own configuration, plus any dynamic config the bench is asked to try), Postgres (DATABASE_URL's cluster, in a database of its own, or an embedded one),
// the migrations; and the bench's child processes: the product's compiled, as `npm start` runs them,
// the load generator's with the TypeScript hook.

const ROOT = path.resolve(__dirname, '../..');
const REGISTER = path.join(ROOT, 'test/helpers/ts-register.cjs');

/**
 * Compiles the product with the bench's entry for its processes into dist/ (tsc, as `npm run build`
 * does) and returns that entry. Run through the TypeScript hook instead, a worker carried ≈ 46 MB more
 * (swc's native module, source maps) than the compiled product that `npm start` runs.
 */
export function compileProductProcess(): string {
  // The `tsc` command `npm run build` runs, whichever package provides it (`typescript` is kept at an
  // older major for typescript-eslint and has no bin/tsc).
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/.bin/tsc'), '-p', path.join(ROOT, 'tsconfig.bench.json')],
    { stdio: 'inherit' },
  );
  return path.join(ROOT, 'dist/tools/bench/product-process.js');
}

export interface Stoppable {
  pid?: number;
  stop(): Promise<void>;
}

/** The one-machine server as `npm start` runs it; `dynamicConfig` values (JSON) go over the product's. */
export async function startBenchDevServer(options: {
  binaries: TemporalServerBinaries;
  cacheDir: string;
  dir: string;
  namespace: string;
  dynamicConfig: Record<string, string>;
  logger: Logger;
}): Promise<Stoppable & { address: string }> {
  return await startDevServer({
    binaries: options.binaries,
    cacheDir: options.cacheDir,
    port: 0,
    headless: true,
    namespace: options.namespace,
    dbFile: path.join(options.dir, 'temporal.db'),
    logFile: path.join(options.dir, 'temporal.log'),
    dynamicConfig: Object.fromEntries(
      Object.entries(options.dynamicConfig).map(([key, value]) => [key, JSON.parse(value) as unknown]),
    ),
    logger: options.logger,
  });
}

/**
 * Temporal's own cluster (--cluster): four services in a process each, four history shards, on the
 * bench's Postgres in databases of its own (dropped at stop when that Postgres is DATABASE_URL's).
 */
export async function startBenchCluster(options: {
  dir: string;
  postgresUrl: string;
  external: boolean;
  cacheDir: string;
  namespace: string;
  dynamicConfig: Record<string, string>;
  logger: Logger;
}): Promise<Stoppable & { address: string; pids: Record<string, number | undefined> }> {
  const binaries = await resolveTemporalServer({ cacheDir: options.cacheDir, logger: options.logger });
  const temporalDatabase = `${new URL(options.postgresUrl).pathname.slice(1)}_temporal`;
  const cluster = await startTemporalOnPostgres({
    binaries,
    postgresUrl: options.postgresUrl,
    temporalDatabase,
    historyShards: 4,
    topology: 'per-service',
    frontendPort: 0,
    namespace: options.namespace,
    retentionDays: 1,
    dir: options.dir,
    dynamicConfig: Object.fromEntries(
      Object.entries(options.dynamicConfig).map(([key, value]) => [key, JSON.parse(value) as unknown]),
    ),
    logger: options.logger,
  });
  return {
    address: cluster.address,
    pids: Object.fromEntries(cluster.processes.map((p) => [p.name, p.pid])),
    async stop() {
      await cluster.stop();
      if (!options.external) return;
      for (const name of Object.values(cluster.databases))
        await adminQuery(options.postgresUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

/** A fresh migrated database: on DATABASE_URL's cluster (dropped at stop) or in an embedded cluster. */
export async function startBenchPostgres(
  dir: string,
  logger: Logger,
  databaseUrl: string | undefined,
): Promise<Stoppable & { url: string }> {
  let url: string;
  let stop: () => Promise<void>;
  if (databaseUrl !== undefined) {
    const name = `edubot_bench_${process.pid}_${Date.now()}`;
    await adminQuery(databaseUrl, `create database ${name}`);
    const parsed = new URL(databaseUrl);
    parsed.pathname = `/${name}`;
    url = parsed.toString();
    stop = () => adminQuery(databaseUrl, `drop database if exists ${name} with (force)`);
  } else {
    const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), logger });
    url = embedded.url;
    stop = () => embedded.stop();
  }
  const db = createDb(url, logger);
  try {
    await migrate(db, logger);
  } finally {
    await db.close();
  }
  return { url, stop };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface BenchChild extends Stoppable {
  child: ChildProcess;
  pid: number;
  /** Lines of its log at level error, counted as they are written. */
  errors(): number;
}

/**
 * Forks `script` (a .ts one with the TypeScript hook) and waits for its `{ type: 'ready' }` message. Its stderr
 * goes to `<logDir>/<name>.log`; `cpuProfileDir` turns on --cpu-prof.
 */
export async function forkBenchChild(options: {
  name: string;
  script: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  logDir: string;
  cpuProfileDir?: string;
  onMessage?: (message: unknown) => void;
}): Promise<BenchChild> {
  const execArgv = options.script.endsWith('.ts') ? ['--require', REGISTER] : [];
  if (options.cpuProfileDir !== undefined) {
    // One folder per process: the worker's workflow threads write profiles of their own next to the main thread's.
    execArgv.push('--cpu-prof', '--cpu-prof-dir', path.join(options.cpuProfileDir, options.name));
  }
  const child = fork(options.script, options.args ?? [], {
    execArgv,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const log = fs.createWriteStream(path.join(options.logDir, `${options.name}.log`));
  let errors = 0;
  const count = (chunk: Buffer): void => {
    log.write(chunk);
    errors += chunk.toString('utf8').split('"level":"error"').length - 1;
  };
  child.stdout!.on('data', count);
  child.stderr!.on('data', count);
  const ready = new Promise<void>((resolve, reject) => {
    child.on('message', (message: { type?: string }) => {
      if (message.type === 'ready') resolve();
      options.onMessage?.(message);
    });
    child.once('exit', (code) =>
      reject(
        new Error(
          `${options.name} exited with code ${code} before it was ready (log: ${options.logDir}/${options.name}.log)`,
        ),
      ),
    );
  });
  const stop = stopper(child, () => child.connected && child.send({ type: 'stop' }));
  try {
    await ready;
  } catch (err) {
    await stop();
    throw err;
  }
  return { child, pid: child.pid!, errors: () => errors, stop: () => stop().finally(() => log.end()) };
}

/** Asks politely (a message or SIGTERM), SIGKILLs after 20 s; also registered to run at exit. */
function stopper(child: ChildProcess, ask?: () => unknown): () => Promise<void> {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const dispose = onProcessExit(() => child.kill('SIGKILL'));
  let stopping: Promise<void> | undefined;
  return () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        if (ask === undefined || ask() === false) child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(killer);
      }
      dispose();
    })());
}
