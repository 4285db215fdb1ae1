import fs from 'node:fs';
import path from 'node:path';
import { migrate } from '../../src/db/migrate';
import { createDb } from '../../src/db/pool';
import type { TemporalUi } from '../embedded/temporal-ui';
import type { Logger } from '../../src/logger';
import { startGraphFake, type GraphFake } from '../sandbox/graph-fake';
import { generateClusterCertificates } from './certificates';
import { buildProduct, providePostgres, repositoryRoot, startWebUi, type Defer } from './cluster-services';
import { consecutivePorts } from './ports';
import { newSecrets, productEnvironments } from './product-env';
import { ProductProcess } from './product-processes';
import type { TemporalCluster, TemporalTopology } from './temporal-cluster';
import { startTemporalOnPostgres } from './temporal-on-postgres';
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

export type { Defer };

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

  const secrets = newSecrets();
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

  const { env, serverEnv, workerEnv } = productEnvironments({
    options,
    postgresUrl: postgres.url,
    temporalAddress: temporal.address,
    tls: tls.client,
    secrets,
    whatsappBaseUrl: emulator.baseUrl,
  });
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
