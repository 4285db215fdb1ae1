import os from 'node:os';
import path from 'node:path';
import { connectTemporal } from '../../src/temporal/connect';
import { describePollers } from '../../src/temporal/worker-pollers';
import { spawnLogged, type LoggedChild } from './child-process';
import type { TemporalClientSecurity } from './temporal-cluster';

// The product's production processes as children of the cluster: `start:server` and `start:worker`
// run from dist/ exactly as the npm scripts run them (node dist/src/bin/start-*.js), so what the
// cluster exercises is what production deploys: compiled code and the build's workflow bundle, without
// the TypeScript hook's compiler in every process's memory.

export type ProductRole = 'server' | 'worker';

const ENTRY: Record<ProductRole, string> = {
  server: 'src/bin/start-server.js',
  worker: 'src/bin/start-worker.js',
};

const READY_TIMEOUT_MS = 60_000;

/** Thrown when a product process exits before it is ready, or is not ready in time. */
export class ProductProcessError extends Error {
  override name = 'ProductProcessError';
}

export interface ProductProcessOptions {
  role: ProductRole;
  /** 1-based, in the process's name (`server-1`) and log file. */
  index: number;
  /** The repository whose dist/ is run. */
  root: string;
  /** Another compiled product to run instead of `<root>/dist` (another build of the workflow, for upgrade tests). */
  dist?: string;
  env: NodeJS.ProcessEnv;
  logsDir: string;
  /** Servers only: the HTTP port (also in env.PORT). */
  port?: number;
  /** Workers only: where readiness is asked (the poller list of the task queue), and with what credentials. */
  temporal?: { address: string; namespace: string; taskQueue: string; security?: TemporalClientSecurity };
}

/** One server or worker, which a test may kill and start again. */
export class ProductProcess {
  readonly name: string;
  private child: LoggedChild | undefined;
  private starts = 0;

  constructor(private readonly options: ProductProcessOptions) {
    this.name = `${options.role}-${options.index}`;
  }

  get role(): ProductRole {
    return this.options.role;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get port(): number | undefined {
    return this.options.port;
  }

  /** The server's base URL. */
  get url(): string | undefined {
    return this.options.port === undefined ? undefined : `http://127.0.0.1:${this.options.port}`;
  }

  get logFile(): string {
    return path.join(this.options.logsDir, `${this.name}.log`);
  }

  running(): boolean {
    return this.child?.running() ?? false;
  }

  /** Starts the process and resolves once it serves (a server) or polls its task queue (a worker). */
  async start(): Promise<void> {
    if (this.running()) throw new ProductProcessError(`${this.name} is already running`);
    this.starts += 1;
    const child = spawnLogged({
      name: this.name,
      command: process.execPath,
      args: [path.join(this.options.dist ?? path.join(this.options.root, 'dist'), ENTRY[this.options.role])],
      cwd: this.options.root,
      env: this.options.env,
      logFile: this.logFile,
    });
    this.child = child;
    const died = child.exited.then(() => {
      throw new ProductProcessError(
        `${this.name} exited during start-up (log: ${this.logFile}):\n${child.tail(2_000)}`,
      );
    });
    const giveUp = new AbortController();
    const ready = this.options.role === 'server' ? this.serving(giveUp.signal) : this.polling(child, giveUp.signal);
    died.catch(() => undefined);
    ready.catch(() => undefined);
    try {
      await Promise.race([ready, died]);
    } catch (error) {
      giveUp.abort();
      await child.stop();
      throw error;
    }
  }

  /** SIGTERM (a graceful shutdown), SIGKILL after 20 s. */
  async stop(): Promise<void> {
    await this.child?.stop();
  }

  /** Sends `signal` (SIGKILL: a crash) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals): Promise<void> {
    await this.child?.kill(signal);
  }

  private async serving(signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer';
    while (Date.now() < deadline) {
      signal.throwIfAborted();
      try {
        const response = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) });
        if (response.ok) return;
        last = `HTTP ${response.status}: ${await response.text()}`;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await sleep(200);
    }
    throw new ProductProcessError(`${this.name} was not ready within ${READY_TIMEOUT_MS / 1000} s (${last})`);
  }

  /** A worker is ready once the server lists it among the task queue's pollers, by the SDK's default identity. */
  private async polling(child: LoggedChild, signal: AbortSignal): Promise<void> {
    const target = this.options.temporal;
    if (target === undefined) throw new ProductProcessError(`${this.name}: no Temporal to ask about its polling`);
    const identity = `${child.pid}@${os.hostname()}`;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    const connection = await connectTemporal(target.security ?? { tls: undefined, apiKey: undefined }, target.address);
    try {
      while (Date.now() < deadline) {
        signal.throwIfAborted();
        // Every partition's pollers: a real cluster splits a task queue into four.
        const { workflow: pollers } = await describePollers(connection, target.namespace, target.taskQueue);
        if (pollers.some((poller) => poller.identity === identity)) return;
        await sleep(200);
      }
    } finally {
      await connection.close();
    }
    throw new ProductProcessError(`${this.name} did not poll ${target.taskQueue} within ${READY_TIMEOUT_MS / 1000} s`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
