import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { findFreePort } from '../net';
import { onProcessExit } from './exit-hooks';
import { resolveTemporalCli, TemporalCliUnavailableError } from './temporal-cli';
import { devServerArgs, dynamicConfigArgs, sqlitePragmaArgs } from './temporal-dev-server-args';
import { acceptsTcp, customSearchAttributeKeys, waitUntilServing } from '../temporal/server-checks';

// Runs `temporal server start-dev` as a child process: the one-machine Temporal of `npm start` and
// of the tests. Search attributes are registered by flags at boot, so they exist before any
// workflow starts.

export interface DevServer {
  /** `127.0.0.1:PORT`, the frontend gRPC address. */
  address: string;
  uiUrl?: string;
  pid?: number;
  /** SIGTERM, then SIGKILL after 10 s; safe to call twice. */
  stop(): Promise<void>;
}

export interface StartDevServerOptions {
  /** A temporal CLI; resolved with resolveTemporalCli (cache, PATH, Go build) when absent. */
  binary?: string;
  cacheDir: string;
  cliPath?: string | undefined;
  /** Forwarded to resolveTemporalCli: build with Go when nothing is found (default true). */
  build?: boolean;
  /** Forwarded to resolveTemporalCli: where to look for `temporal` and `go` (default PATH). */
  searchPath?: string;
  /** SQLite file; undefined keeps everything in memory. */
  dbFile?: string;
  /** 0 picks a free port. */
  port: number;
  /** Web UI port; a free one is picked when absent and the UI is on. */
  uiPort?: number;
  headless?: boolean;
  namespace: string;
  logger: Logger;
  /** Receives the server's stdout and stderr; otherwise the tail is kept for error messages. */
  logFile?: string;
}

/** Thrown when the dev server exits or does not answer in time; `output` is the end of its log. */
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

const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;
const OUTPUT_TAIL_CHARS = 8_000;

/** Starts a dev server and resolves once it answers gRPC calls with the namespace and search attributes in place. */
export async function startDevServer(options: StartDevServerOptions): Promise<DevServer> {
  const { logger } = options;
  let binary = options.binary;
  if (binary === undefined) {
    try {
      binary = await resolveTemporalCli({
        cliPath: options.cliPath,
        cacheDir: options.cacheDir,
        logger,
        ...(options.build === undefined ? {} : { build: options.build }),
        ...(options.searchPath === undefined ? {} : { searchPath: options.searchPath }),
      });
    } catch (error) {
      if (!(error instanceof TemporalCliUnavailableError)) throw error;
      return await startSdkDevServer(options, error);
    }
  }

  const started = Date.now();
  const port = options.port === 0 ? await findFreePort() : options.port;
  const uiPort = options.headless === true ? undefined : (options.uiPort ?? (await findFreePort()));
  for (const file of [options.dbFile, options.logFile]) {
    if (file !== undefined) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  }
  const args = devServerArgs({ ...options, port, uiPort });
  const address = `127.0.0.1:${port}`;
  // Otherwise the readiness probe could mistake someone else's server for ours.
  if (await acceptsTcp('127.0.0.1', port)) {
    throw new DevServerStartError(
      `port ${port} on 127.0.0.1 is taken (another Temporal server?): set TEMPORAL_ADDRESS=127.0.0.1:${port} ` +
        'to use that server, or TEMPORAL_DEV_PORT to another port',
      '',
    );
  }
  if (uiPort !== undefined && (await acceptsTcp('127.0.0.1', uiPort))) {
    throw new DevServerStartError(
      `Web UI port ${uiPort} on 127.0.0.1 is taken: set TEMPORAL_UI_PORT to another port`,
      '',
    );
  }

  let tail = '';
  const logFd = options.logFile === undefined ? undefined : fs.openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(binary, args, { stdio: ['ignore', logFd ?? 'pipe', logFd ?? 'pipe'] });
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

  let stopping: Promise<void> | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      if (stopping === undefined)
        logger.warn('temporal dev server exited', { code, signal, output: output().slice(-2_000) });
      resolve();
    });
  });
  const spawnFailed = new Promise<never>((_, reject) => {
    child.on('error', (error) =>
      reject(new DevServerStartError(`could not run ${binary}: ${error.message}`, '', { cause: error })),
    );
  });
  const disposeExitHook = onProcessExit(() => child.kill('SIGTERM'));
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
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
      throw new DevServerStartError(
        `temporal dev server exited during start-up (exit code ${child.exitCode})`,
        output(),
      );
    });
    const serving = waitUntilServing(address, options.namespace, START_TIMEOUT_MS, giveUp.signal);
    // Only the first to settle matters; the losers must not surface later as unhandled rejections.
    for (const loser of [diedEarly, serving, spawnFailed]) loser.catch(() => undefined);
    await Promise.race([serving, diedEarly, spawnFailed]);
  } catch (error) {
    giveUp.abort();
    await stop();
    if (error instanceof DevServerStartError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new DevServerStartError(`temporal dev server at ${address} did not answer within 60 s: ${reason}`, output(), {
      cause: error,
    });
  }

  const uiUrl = uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`;
  logger.info('temporal dev server ready', {
    address,
    uiUrl,
    pid: child.pid,
    startMs: Date.now() - started,
    dbFile: options.dbFile,
  });
  return {
    address,
    ...(uiUrl === undefined ? {} : { uiUrl }),
    ...(child.pid === undefined ? {} : { pid: child.pid }),
    stop,
  };
}

function readTail(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-OUTPUT_TAIL_CHARS);
  } catch {
    return '';
  }
}

/**
 * Last resort when no CLI can be found or built: the SDK's own dev server, which downloads a CLI
 * release from temporal.download (needs the Internet, which CI may have and this project's dev
 * machines do not).
 */
async function startSdkDevServer(
  options: StartDevServerOptions,
  unavailable: TemporalCliUnavailableError,
): Promise<DevServer> {
  const { logger } = options;
  logger.warn('no temporal CLI found: trying the Temporal SDK download', { reason: unavailable.reason });
  const headless = options.headless === true;
  try {
    // Loaded lazily: it pulls in the native worker runtime, which the usual path never needs.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable: { type: 'cached-download' },
        ip: '127.0.0.1',
        ...(options.port === 0 ? {} : { port: options.port }),
        ui: !headless,
        ...(headless || options.uiPort === undefined ? {} : { uiPort: options.uiPort }),
        namespace: options.namespace,
        ...(options.dbFile === undefined ? {} : { dbFilename: options.dbFile }),
        extraArgs: [...(options.dbFile === undefined ? [] : sqlitePragmaArgs()), ...dynamicConfigArgs()],
        searchAttributes: customSearchAttributeKeys(),
      },
    });
    let stopping: Promise<void> | undefined;
    const uiPort = headless ? undefined : (options.uiPort ?? Number(env.address.split(':').pop()) + 1000);
    logger.info('temporal dev server (SDK download) ready', { address: env.address });
    return {
      address: env.address,
      ...(uiPort === undefined ? {} : { uiUrl: `http://127.0.0.1:${uiPort}` }),
      stop: () => (stopping ??= env.teardown()),
    };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TemporalCliUnavailableError(
      unavailable.cachePath,
      `${unavailable.reason}; the SDK download failed too (${reason})`,
      {
        cause: error,
      },
    );
  }
}
