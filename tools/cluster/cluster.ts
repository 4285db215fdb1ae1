import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';
import { createDb } from '../../src/db/pool';
import { startEmbeddedPostgres } from '../embedded/postgres';
import { startTemporalUi, type TemporalUi } from '../embedded/temporal-ui';
import type { Logger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { startGraphFake, type GraphFake } from '../sandbox/graph-fake';
import { generateClusterCertificates, type ClusterCertificates } from './certificates';
import { consecutivePorts } from './ports';
import { ProductProcess } from './product-processes';
import type { TemporalCluster, TemporalTopology } from './temporal-cluster';
import { startTemporalOnPostgres, withDatabase } from './temporal-on-postgres';
import { resolveTemporalServer } from './temporal-server-build';

// The product as production runs it, on one machine and without Docker: Temporal's own server on
// Postgres (several history shards, its services in one process or one each), N `start:server`
// processes on consecutive ports and M `start:worker` processes on one task queue, with the Graph API
// emulator standing in for WhatsApp. `npm run cluster` and the cluster tests both start it here.

export interface ClusterOptions {
  servers: number;
  workers: number;
  /** The first server's port; the others follow it. 0 picks free ones. */
  serverPort: number;
  /** The Temporal frontend's gRPC port; 0 picks a free one. */
  temporalPort: number;
  temporalTopology: TemporalTopology;
  /** Used when the cluster's databases are created; an existing cluster keeps its count. */
  historyShards: number;
  /** The product's database; undefined starts an embedded Postgres under `dir`. */
  databaseUrl: string | undefined;
  /** Temporal's databases on the same Postgres: this name and `<name>_visibility`. */
  temporalDatabase: string;
  namespace: string;
  taskQueue: string;
  retentionDays: number;
  /** Configuration, logs and the embedded Postgres's data. */
  dir: string;
  /** Per-user cache holding (or receiving) the Temporal server build. */
  cacheDir: string;
  /** As root with the default data folder, the embedded cluster may live under /var/lib/edubot. */
  relocatablePostgres?: boolean;
  /** A temporal-server and a temporal-sql-tool to use instead of the cached build. */
  temporalServerPath?: string;
  temporalSqlToolPath?: string;
  /** Run `npm run build` first (default true); false when dist/ was just built. */
  buildProduct?: boolean;
  /** More environment for the product's processes (timers, log level). */
  env?: Readonly<Record<string, string>>;
  /** Temporal dynamic config, key → value. */
  dynamicConfig?: Readonly<Record<string, unknown>>;
  /** The emulator posts sent/delivered/read statuses to the first server (default true). */
  statusCallbacks?: boolean;
  /** Temporal's Web UI on this port of 127.0.0.1 (0: a free one); absent: no UI. */
  webUiPort?: number;
  logger: Logger;
}

/** Generated for each start: the production entry points refuse the sandbox's well-known values. */
export interface ClusterSecrets {
  accessToken: string;
  appSecret: string;
  verifyToken: string;
  adminToken: string;
  paymentWebhookSecret: string;
}

export interface Cluster {
  postgres: { url: string; embedded: boolean; dataDir?: string };
  temporal: TemporalCluster;
  /** Temporal's Web UI, when asked for and it could start. */
  webUi: TemporalUi | undefined;
  emulator: GraphFake;
  servers: ProductProcess[];
  workers: ProductProcess[];
  /**
   * Starts one more worker on the task queue and adds it to `workers` (stopped with them): from `dist`,
   * another compiled product (another build of the workflow: a rolling deploy), or from dist/.
   */
  startWorker(options?: { dist?: string }): Promise<ProductProcess>;
  secrets: ClusterSecrets;
  /** The environment every product process got, before each role's own secrets (and a server's PORT). */
  env: Readonly<Record<string, string>>;
  logsDir: string;
  /** Servers, workers, the emulator, Temporal, then Postgres; safe to call twice. */
  stop(): Promise<void>;
}

export type Defer = (stop: () => Promise<void>) => void;

/** The WhatsApp phone number id the product sends from; the emulator accepts any. */
const PHONE_NUMBER_ID = '106000000000001';

/**
 * Starts everything; when a part fails, the parts already running are stopped before the error is
 * thrown. `defer` receives each part's stop as soon as the part runs, for callers (tests) that must stop
 * them even when this call is abandoned halfway.
 */
export async function startCluster(options: ClusterOptions, defer?: Defer): Promise<Cluster> {
  const stops: (() => Promise<void>)[] = [];
  const own = (stop: () => Promise<void>) => {
    let once: Promise<void> | undefined;
    const idempotent = () => (once ??= stop());
    stops.push(idempotent);
    defer?.(idempotent);
  };
  const stopAll = async () => {
    const errors: unknown[] = [];
    for (const stop of [...stops].reverse()) await stop().catch((error: unknown) => errors.push(error));
    if (errors.length > 0) throw new AggregateError(errors, `${errors.length} part(s) of the cluster did not stop`);
  };
  let stopping: Promise<void> | undefined;
  try {
    const cluster = await start(options, own);
    return { ...cluster, stop: () => (stopping ??= stopAll()) };
  } catch (error) {
    await stopAll().catch(() => undefined);
    throw error;
  }
}

async function start(options: ClusterOptions, own: Defer): Promise<Omit<Cluster, 'stop'>> {
  const { logger } = options;
  if (options.servers < 1 || options.workers < 1) throw new Error('a cluster needs at least one server and one worker');
  const root = repositoryRoot();
  const logsDir = path.join(options.dir, 'logs');
  fs.mkdirSync(logsDir, { recursive: true });

  const [binaries] = await Promise.all([
    resolveTemporalServer({
      serverPath: options.temporalServerPath,
      sqlToolPath: options.temporalSqlToolPath,
      cacheDir: options.cacheDir,
      logger,
    }),
    options.buildProduct === false ? Promise.resolve() : buildProduct(root, path.join(logsDir, 'build.log')),
  ]);

  const postgres = await providePostgres(options, own);
  // A new CA and certificates at every start: the frontend and the services' traffic need mTLS.
  const tls = generateClusterCertificates(path.join(options.dir, 'tls'));
  const temporal = await startTemporalOnPostgres({
    binaries,
    postgresUrl: postgres.url,
    temporalDatabase: options.temporalDatabase,
    historyShards: options.historyShards,
    topology: options.temporalTopology,
    frontendPort: options.temporalPort,
    namespace: options.namespace,
    retentionDays: options.retentionDays,
    dir: options.dir,
    ...(options.dynamicConfig === undefined ? {} : { dynamicConfig: options.dynamicConfig }),
    tls,
    logger,
  });
  own(() => temporal.stop());
  const webUi =
    options.webUiPort === undefined ? undefined : await startWebUi(options, options.webUiPort, temporal, tls, own);

  const db = createDb(postgres.url, logger);
  try {
    await migrate(db, logger);
  } finally {
    await db.close();
  }

  const secrets: ClusterSecrets = {
    accessToken: secret(),
    appSecret: secret(),
    verifyToken: secret(),
    adminToken: secret(),
    paymentWebhookSecret: secret(),
  };
  const firstPort = await consecutivePorts(options.servers, options.serverPort);
  const emulator = await startGraphFake({
    accessToken: secrets.accessToken,
    ...(options.statusCallbacks === false
      ? {}
      : {
          statusCallback: { url: `http://127.0.0.1:${firstPort}/api/webhook/whatsapp`, appSecret: secrets.appSecret },
        }),
  });
  own(() => emulator.close());

  const env: Record<string, string> = {
    ...inheritedEnvironment(),
    DATABASE_URL: postgres.url,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: options.namespace,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    // The client certificate: every product process connects to Temporal with mTLS.
    TEMPORAL_TLS_CERT: tls.client.certPath,
    TEMPORAL_TLS_KEY: tls.client.keyPath,
    TEMPORAL_TLS_CA: tls.client.caPath,
    TEMPORAL_TLS_SERVER_NAME: tls.client.serverName,
    TEMPORAL_PAYLOAD_KEYS: storedPayloadKey(options.dir),
    ...options.env,
  };
  // Each process gets the secrets it uses and no others, as in production.
  const serverEnv = (port: number): Record<string, string> => ({
    ...env,
    PORT: String(port),
    // A local cluster: its servers answer on the loopback interface only.
    HOST: '127.0.0.1',
    WHATSAPP_APP_SECRET: secrets.appSecret,
    WHATSAPP_VERIFY_TOKEN: secrets.verifyToken,
    ADMIN_TOKEN: secrets.adminToken,
    PAYMENT_WEBHOOK_SECRET: secrets.paymentWebhookSecret,
    // Templates, students' media, read receipts and typing: asked of WhatsApp by the server itself.
    WHATSAPP_API_BASE_URL: emulator.baseUrl,
    WHATSAPP_ACCESS_TOKEN: secrets.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    ...options.env,
  });
  const workerEnv: Record<string, string> = {
    ...env,
    WHATSAPP_API_BASE_URL: emulator.baseUrl,
    WHATSAPP_ACCESS_TOKEN: secrets.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    // Two malloc arenas, as the npm scripts and the image run the product.
    MALLOC_ARENA_MAX: process.env.MALLOC_ARENA_MAX ?? '2',
    ...options.env,
  };
  const product = (role: 'server' | 'worker', index: number, port?: number, dist?: string) =>
    new ProductProcess({
      role,
      index,
      root,
      ...(dist === undefined ? {} : { dist }),
      logsDir,
      env: port === undefined ? workerEnv : serverEnv(port),
      ...(port === undefined ? {} : { port }),
      temporal: {
        address: temporal.address,
        namespace: options.namespace,
        taskQueue: options.taskQueue,
        security: temporal.security,
      },
    });
  const workers = Array.from({ length: options.workers }, (_, i) => product('worker', i + 1));
  const servers = Array.from({ length: options.servers }, (_, i) => product('server', i + 1, firstPort + i));
  // Stopped before the emulator and Temporal (registered later, so stopped first): servers, then workers.
  own(() => Promise.all(workers.map((w) => w.stop())).then(() => undefined));
  own(() => Promise.all(servers.map((s) => s.stop())).then(() => undefined));
  await Promise.all([...workers, ...servers].map((p) => p.start()));
  const startWorker = async ({ dist }: { dist?: string } = {}) => {
    const worker = product('worker', workers.length + 1, undefined, dist);
    workers.push(worker);
    await worker.start();
    return worker;
  };

  return {
    postgres: {
      url: postgres.url,
      embedded: postgres.embedded,
      ...(postgres.dataDir ? { dataDir: postgres.dataDir } : {}),
    },
    temporal,
    webUi,
    emulator,
    servers,
    workers,
    startWorker,
    secrets,
    env,
    logsDir,
  };
}

/**
 * The Web UI on the cluster's frontend: the client certificate, and no write actions (SPEC §12), since
 * whoever reaches it could otherwise signal any conversation. Without it (no Go to build it with, a
 * crash) the cluster still runs, as `npm start` does.
 */
async function startWebUi(
  options: ClusterOptions,
  port: number,
  temporal: TemporalCluster,
  tls: ClusterCertificates,
  own: Defer,
): Promise<TemporalUi | undefined> {
  try {
    const ui = await startTemporalUi({
      cacheDir: options.cacheDir,
      frontendAddress: temporal.address,
      port: port || (await findFreePort()),
      namespace: options.namespace,
      dir: path.join(options.dir, 'temporal-ui'),
      logFile: path.join(options.dir, 'logs', 'temporal-ui.log'),
      tls: tls.client,
      disableWriteActions: true,
      logger: options.logger,
    });
    own(() => ui.stop());
    return ui;
  } catch (error) {
    options.logger.warn('the Temporal Web UI is not available: the cluster runs without it', {
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

async function providePostgres(
  options: ClusterOptions,
  own: Defer,
): Promise<{ url: string; embedded: boolean; dataDir?: string }> {
  if (options.databaseUrl !== undefined) {
    await ensureDatabase(options.databaseUrl);
    return { url: options.databaseUrl, embedded: false };
  }
  const pg = await startEmbeddedPostgres({
    dataDir: options.dir,
    port: await findFreePort(),
    relocatable: options.relocatablePostgres ?? false,
    logger: options.logger,
  });
  own(() => pg.stop());
  return { url: pg.url, embedded: true, dataDir: pg.clusterDir };
}

/** Creates the URL's database when its server lacks it, as a first start on a fresh Postgres needs. */
async function ensureDatabase(url: string): Promise<void> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  if (database === '' || database === 'postgres') return;
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if ((rowCount ?? 0) === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/**
 * The cluster's payload key (`id:base64`, as TEMPORAL_PAYLOAD_KEYS takes it): made once and kept in
 * `<dir>/payload-keys` (mode 0600), since the cluster's histories outlive a restart and must stay readable.
 */
function storedPayloadKey(dir: string): string {
  const file = path.join(dir, 'payload-keys');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const keys = `cluster-1:${randomBytes(32).toString('base64')}`;
  fs.writeFileSync(file, `${keys}\n`, { mode: 0o600, flag: 'wx' });
  return keys;
}

/** 32 random bytes: well past the 32 characters the production entry points ask of a token. */
function secret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The parent's environment without the product's own variables, which the cluster sets itself, and
 * without NODE_OPTIONS (a test runner's hooks do not belong in production processes).
 */
function inheritedEnvironment(): Record<string, string> {
  const product = /^(DATABASE_URL|TEMPORAL_|WHATSAPP_|ADMIN_TOKEN|PAYMENT_WEBHOOK_SECRET|PORT$|HOST$|NODE_OPTIONS$)/;
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && !product.test(entry[0]),
    ),
  );
}

/** `npm run build`: the compiled product and its workflow bundle, which the processes run. */
function buildProduct(root: string, logFile: string): Promise<void> {
  const log = fs.openSync(logFile, 'a');
  const child = spawn('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) return resolve();
      const tail = fs.readFileSync(logFile, 'utf8').slice(-3_000);
      reject(new Error(`npm run build exited with ${code} (log: ${logFile}):\n${tail}`));
    });
  });
}

/** The folder with package.json above this module, whether it runs from src/ or from dist/src/. */
function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
