import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { temporalDynamicConfig } from '../cluster/temporal-config';
import { NAMESPACE_REFRESH_MS, registerNamespace, retrying } from '../cluster/temporal-cluster';
import {
  resolveTemporalServer,
  temporalServerModuleDir,
  type TemporalServerBinaries,
} from '../cluster/temporal-server-build';
import { acceptsTcp, waitUntilServing } from '../../src/temporal/server-checks';
import { onProcessExit } from './exit-hooks';
import { GoBinaryPathError } from './go-binaries';
import { DEV_SERVER_DYNAMIC_CONFIG } from './temporal-dev-config';
import { devServerPorts } from './temporal-dev-ports';
import { temporalSqliteConfig } from './temporal-sqlite-config';
import { prepareSqliteDatabase } from './temporal-sqlite-schema';
import { startTemporalUi, type TemporalUi } from './temporal-ui';

// The one-machine Temporal of `npm start` and of the tests: Temporal's own server (the release the
// cluster runs), every service in one process, on a SQLite file whose schema Temporal's SQL tool made.
// The namespace and the product's search attributes are registered through the API before this
// resolves, so they exist before any workflow starts; the Web UI runs beside it unless headless.

export interface DevServer {
  /** `127.0.0.1:PORT`, the frontend gRPC address. */
  address: string;
  uiUrl?: string;
  pid?: number;
  /** SIGTERM, then SIGKILL after 10 s; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartDevServerOptions {
  /** Temporal's server and SQL tool; resolved (TEMPORAL_CLI_PATH, cache, PATH, Go build) when absent. */
  binaries?: TemporalServerBinaries;
  cacheDir: string;
  /** TEMPORAL_CLI_PATH: a temporal-server binary; a temporal-sql-tool beside it is used too. */
  cliPath?: string | undefined;
  /** Forwarded to the resolution: build with Go when nothing is found (default true). */
  build?: boolean;
  /** Forwarded to the resolution: where to look for the binaries and `go` (default PATH). */
  searchPath?: string;
  /** The SQLite file; its folder also receives the server's configuration (`temporal-server/`). */
  dbFile: string;
  /** 0 picks a free port. */
  port: number;
  /** Web UI port; a free one is picked when absent and the UI is on. */
  uiPort?: number;
  /** The codec server the Web UI asks to decrypt payloads. */
  codecEndpoint?: string;
  headless?: boolean;
  namespace: string;
  logger: Logger;
  /** Receives the server's stdout and stderr; otherwise the tail is kept for error messages. */
  logFile?: string;
  /** More dynamic config, over the product's own (the bench tries values this way). */
  dynamicConfig?: Readonly<Record<string, unknown>>;
}

/** Thrown when the server exits or does not answer in time; `output` is the end of its log. */
export class DevServerStartError extends Error {
  override name = 'DevServerStartError';
  constructor(
    message: string,
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(output === '' ? message : `${message}\n--- temporal server output (last lines) ---\n${output}`, options);
  }
}

/** Thrown when TEMPORAL_CLI_PATH is set but does not name an executable file. */
export class TemporalServerPathError extends Error {
  override name = 'TemporalServerPathError';
  constructor(
    readonly cliPath: string,
    readonly reason: string,
  ) {
    super(`TEMPORAL_CLI_PATH=${cliPath} ${reason}: point it at a temporal-server binary, or unset it`);
  }
}

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_TAIL_CHARS = 8_000;
/** Completed conversations' histories are kept this long, as the CLI's dev server kept them. */
const RETENTION_DAYS = 1;

/** TEMPORAL_CLI_PATH, then the cache, then PATH, then a one-off Go build into the cache. */
export async function resolveDevServerBinaries(options: {
  cliPath?: string | undefined;
  cacheDir: string;
  logger: Logger;
  build?: boolean;
  searchPath?: string;
}): Promise<TemporalServerBinaries> {
  const sibling =
    options.cliPath === undefined ? undefined : path.join(path.dirname(options.cliPath), 'temporal-sql-tool');
  try {
    return await resolveTemporalServer({
      serverPath: options.cliPath,
      // A build or a release keeps the two side by side; otherwise the cache's, PATH's or a build's.
      sqlToolPath: sibling !== undefined && fs.existsSync(sibling) ? sibling : undefined,
      routes: {
        named: 'set TEMPORAL_CLI_PATH to a temporal-server binary (with its temporal-sql-tool beside it)',
        elsewhere: 'set TEMPORAL_ADDRESS to an existing Temporal server (host:port)',
      },
      cacheDir: options.cacheDir,
      logger: options.logger,
      ...(options.build === undefined ? {} : { build: options.build }),
      ...(options.searchPath === undefined ? {} : { searchPath: options.searchPath }),
    });
  } catch (error) {
    if (error instanceof GoBinaryPathError && error.binary === 'temporal-server')
      throw new TemporalServerPathError(error.given, error.reason);
    throw error;
  }
}

/** Starts the server and resolves once it serves the namespace with the search attributes in place. */
export async function startDevServer(options: StartDevServerOptions): Promise<DevServer> {
  const { logger } = options;
  const binaries = options.binaries ?? (await resolveDevServerBinaries(options));
  const started = Date.now();
  const dbFile = path.resolve(options.dbFile);
  const serverDir = path.join(path.dirname(dbFile), `${path.basename(dbFile, path.extname(dbFile))}-server`);
  fs.mkdirSync(path.join(serverDir, 'config'), { recursive: true });
  if (options.logFile !== undefined) fs.mkdirSync(path.dirname(path.resolve(options.logFile)), { recursive: true });

  const ports = await devServerPorts(options.port, path.join(serverDir, 'ports.json'));
  const port = ports.frontend.grpc;
  const address = `127.0.0.1:${port}`;
  await refuseTakenPorts(port, options);

  const schema = await writeServerFiles(options, binaries, { dbFile, serverDir, ports });

  let tail = '';
  const logFd = options.logFile === undefined ? undefined : fs.openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    const args = ['--root', serverDir, '--config', 'config', '--env', 'edubot', '--allow-no-auth', 'start'];
    child = spawn(binaries.server, args, { cwd: serverDir, stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'] });
  } finally {
    // The child holds its own copy of the descriptor.
    if (logFd !== undefined) fs.closeSync(logFd);
  }
  const keepTail = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keepTail);
  child.stderr?.on('data', keepTail);
  const output = (): string => (options.logFile === undefined ? tail : readTail(options.logFile));

  let ui: TemporalUi | undefined;
  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (stopping === undefined)
        logger.warn('temporal server exited', { code, signal, output: output().slice(-2_000) });
      resolve();
    });
  });
  const spawnFailed = new Promise<never>((_, reject) => {
    child.on('error', (error) =>
      reject(new DevServerStartError(`could not run ${binaries.server}: ${error.message}`, '', { cause: error })),
    );
  });
  const disposeExitHook = onProcessExit(() => child.kill('SIGTERM'));
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      await ui?.stop();
      disposeExitHook();
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(killer);
    })());

  const giveUp = new AbortController();
  try {
    const diedEarly = exited.then(() => {
      throw new DevServerStartError(`temporal server exited during start-up (exit code ${child.exitCode})`, output());
    });
    const serving = untilServing(address, port, options.namespace, giveUp.signal);
    // Only the first to settle matters; the losers must not surface later as unhandled rejections.
    for (const loser of [diedEarly, serving, spawnFailed]) loser.catch(() => undefined);
    await Promise.race([serving, diedEarly, spawnFailed]);
  } catch (error) {
    giveUp.abort();
    await stop();
    if (error instanceof DevServerStartError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DevServerStartError(`temporal server at ${address} did not serve within 60 s: ${reason}`, output(), {
      cause: error,
    });
  }

  if (options.headless !== true) ui = await startUi(options, address, path.dirname(dbFile));
  logger.info('temporal server ready', {
    address,
    uiUrl: ui?.url,
    pid: child.pid,
    startMs: Date.now() - started,
    dbFile,
    schema,
  });
  return {
    address,
    ...(ui === undefined ? {} : { uiUrl: ui.url }),
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop,
  };
}

/** Refuses ports someone else holds: otherwise the readiness probe could mistake their server for ours. */
async function refuseTakenPorts(port: number, options: StartDevServerOptions): Promise<void> {
  if (await acceptsTcp('127.0.0.1', port)) {
    throw new DevServerStartError(
      `port ${port} on 127.0.0.1 is taken (another Temporal server?): set TEMPORAL_ADDRESS=127.0.0.1:${port} ` +
        'to use that server, or TEMPORAL_DEV_PORT to another port',
      '',
    );
  }
  if (options.headless !== true && options.uiPort !== undefined && (await acceptsTcp('127.0.0.1', options.uiPort))) {
    throw new DevServerStartError(
      `Web UI port ${options.uiPort} on 127.0.0.1 is taken: set TEMPORAL_UI_PORT to another port`,
      '',
    );
  }
}

/** Prepares the SQLite database (its schema, when the server does not) and writes the server's configuration. */
async function writeServerFiles(
  options: StartDevServerOptions,
  binaries: TemporalServerBinaries,
  {
    dbFile,
    serverDir,
    ports,
  }: { dbFile: string; serverDir: string; ports: Awaited<ReturnType<typeof devServerPorts>> },
): ReturnType<typeof prepareSqliteDatabase> {
  const schema = await prepareSqliteDatabase({
    sqlTool: binaries.sqlTool,
    dbFile,
    schemaDir: await sqliteSchemaDir(options),
    logFile: path.join(serverDir, 'temporal-sql-tool.log'),
  }).catch((error: unknown) => {
    throw new DevServerStartError(
      `could not prepare ${dbFile}`,
      error instanceof Error ? error.message : String(error),
      {
        cause: error,
      },
    );
  });
  const dynamicConfigFile = path.join(serverDir, 'config', 'dynamic-config.yaml');
  fs.writeFileSync(
    dynamicConfigFile,
    temporalDynamicConfig({ ...DEV_SERVER_DYNAMIC_CONFIG, ...options.dynamicConfig }),
  );
  fs.writeFileSync(
    path.join(serverDir, 'config', 'edubot.yaml'),
    temporalSqliteConfig({ dbFile, ports, dynamicConfigFile, setup: schema === 'server' }),
  );
  return schema;
}

/** Resolves once the server at `address` serves `namespace`, registered here if it was missing. */
async function untilServing(address: string, port: number, namespace: string, giveUp: AbortSignal): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  // A cheap TCP probe first: a gRPC connect to a closed port waits out its whole connect timeout.
  while (!(await acceptsTcp('127.0.0.1', port))) {
    giveUp.throwIfAborted();
    if (Date.now() > deadline) throw new Error(`nothing listens on ${address}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const added = await retrying(deadline, giveUp, () => registerNamespace(address, namespace, RETENTION_DAYS));
  await waitUntilServing(address, namespace, Math.max(1_000, deadline - Date.now()), giveUp);
  // A namespace added just now reaches the history and matching registries on their next refresh;
  // a workflow started before that would be refused.
  if (added) await new Promise((resolve) => setTimeout(resolve, 2 * NAMESPACE_REFRESH_MS));
}

/** `schema/sqlite/v3` of the server module, or undefined (no Go, or the module cannot be had). */
async function sqliteSchemaDir(options: StartDevServerOptions): Promise<string | undefined> {
  try {
    const dir = await temporalServerModuleDir(
      options.searchPath === undefined ? {} : { searchPath: options.searchPath },
    );
    if (dir === undefined) return undefined;
    const schemaDir = path.join(dir, 'schema', 'sqlite', 'v3');
    return fs.existsSync(path.join(schemaDir, 'temporal', 'schema.sql')) ? schemaDir : undefined;
  } catch (error) {
    options.logger.warn("the server module's SQLite schema was not found: the server sets up a new file itself", {
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

/** The Web UI beside the server; without one (no build possible, a crash) Temporal still serves. */
async function startUi(
  options: StartDevServerOptions,
  address: string,
  dataDir: string,
): Promise<TemporalUi | undefined> {
  try {
    return await startTemporalUi({
      cacheDir: options.cacheDir,
      frontendAddress: address,
      port: options.uiPort ?? (await findFreePort()),
      namespace: options.namespace,
      dir: path.join(dataDir, 'temporal-ui'),
      ...(options.logFile === undefined
        ? {}
        : { logFile: path.join(path.dirname(options.logFile), 'temporal-ui.log') }),
      logger: options.logger,
      ...(options.codecEndpoint === undefined ? {} : { codecEndpoint: options.codecEndpoint }),
      ...(options.build === undefined ? {} : { build: options.build }),
      ...(options.searchPath === undefined ? {} : { searchPath: options.searchPath }),
    });
  } catch (error) {
    options.logger.warn('the Temporal Web UI is not available: Temporal runs without it', {
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

function readTail(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-OUTPUT_TAIL_CHARS);
  } catch {
    return '';
  }
}
