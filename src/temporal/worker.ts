import { DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry, type WorkerOptions as TemporalWorkerOptions } from '@temporalio/worker';
import type { Activities } from '../../activities';
import type { Logger } from '../logger';

let runtimeInstalled = false;

/**
 * Forwards the Temporal SDK's own logs (worker, core, workflow `log`) into the product's logger, once
 * per process. Below `debug` only warnings pass: the SDK's info lines (bundle listings) are noise.
 */
export function installRuntimeLogger(logger: Logger, verbose = false): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const forward = ({ level, message, meta }: LogEntry) => {
    const attrs = { ...meta, source: 'temporal' };
    if (level === 'ERROR') logger.error(message, attrs);
    else if (level === 'WARN') logger.warn(message, attrs);
    else if (level === 'INFO') logger.info(message, attrs);
    else logger.debug(message, attrs);
  };
  Runtime.install({ logger: new DefaultLogger(verbose ? 'DEBUG' : 'WARN', forward) });
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** A bundle built once with bundleWorkflowCode (tests, prebuilt images); otherwise workflows are bundled at start. */
  workflowBundle?: { code: string } | { codePath: string };
  /** Worker options laid over the defaults below (the benchmark's tuning experiments). */
  tuning?: Partial<Omit<TemporalWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'activities'>>;
}

/** The worker that runs conversation workflows and their activities. */
export async function createConversationWorker(options: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...(options.workflowBundle
      ? { workflowBundle: options.workflowBundle }
      : { workflowsPath: require.resolve('../../workflows') }),
    // Measured here (BENCHMARKS.md): about 0.5 MB per cached conversation on a ~250 MB base, and the
    // worker at 560-650 MB with 600 cached. 400 keeps it under 600 MB however many numbers write; an
    // evicted conversation replays its history (bounded by continue-as-new) when it is next needed.
    maxCachedWorkflows: 400,
    shutdownGraceTime: '10s',
    ...options.tuning,
  });
}

export async function connectWorker(address: string): Promise<NativeConnection> {
  return NativeConnection.connect({ address });
}
