import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { onProcessExit } from '../embedded/exit-hooks';

// One process of the local cluster (a Temporal service, a product server or worker) with its output
// appended to a log file. Each runs in a process group of its own: Ctrl-C in a terminal then reaches
// only the cluster's parent, which stops the parts in order (servers, workers, Temporal, Postgres)
// instead of every process at once racing to lose its database.

export interface LoggedChild {
  readonly name: string;
  readonly pid: number | undefined;
  readonly logFile: string;
  /** Settles when the process has exited (or could not be started). */
  readonly exited: Promise<void>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
  /** Sends `signal` and resolves once the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** The end of its log, for error messages. */
  tail(chars?: number): string;
}

export interface SpawnLoggedOptions {
  name: string;
  command: string;
  args: readonly string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  logFile: string;
  /** How long a stop waits after SIGTERM before SIGKILL (default 20 s). */
  graceMs?: number;
}

export function spawnLogged(options: SpawnLoggedOptions): LoggedChild {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const fd = fs.openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', fd, fd],
      detached: true,
    });
  } finally {
    // The child holds its own copy of the descriptor.
    fs.closeSync(fd);
  }
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (error) => {
      spawnError = error;
      resolve();
    });
  });
  const alive = () => spawnError === undefined && child.exitCode === null && child.signalCode === null;
  // Exit handlers run synchronously: only a signal can be sent then.
  const disposeExitHook = onProcessExit(() => {
    if (alive()) child.kill('SIGTERM');
  });
  void exited.then(disposeExitHook);

  let stopping: Promise<void> | undefined;
  const kill = async (signal: NodeJS.Signals): Promise<void> => {
    if (alive()) child.kill(signal);
    await exited;
  };
  return {
    name: options.name,
    pid: child.pid,
    logFile: options.logFile,
    exited,
    running: alive,
    kill,
    stop: () =>
      (stopping ??= (async () => {
        if (!alive()) return;
        child.kill('SIGTERM');
        const killer = setTimeout(() => child.kill('SIGKILL'), options.graceMs ?? 20_000);
        await exited;
        clearTimeout(killer);
      })()),
    tail: (chars = 4_000) => {
      const error = spawnError === undefined ? '' : `could not run ${options.command}: ${spawnError.message}\n`;
      return error + readTail(options.logFile, chars);
    },
  };
}

function readTail(file: string, chars: number): string {
  try {
    const { size } = fs.statSync(file);
    const fd = fs.openSync(file, 'r');
    try {
      const length = Math.min(size, chars);
      const buffer = Buffer.alloc(length);
      fs.readSync(fd, buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}
