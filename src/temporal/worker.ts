import {
  DefaultLogger,
  type NativeConnection,
  Runtime,
  Worker,
  type LogEntry,
  type WorkerOptions as TemporalWorkerOptions,
} from '@temporalio/worker';
import type { DataConverter, WorkerDeploymentVersion } from '@temporalio/common';
import type { Activities } from '../../activities';
import type { Logger } from '../logger';
import { becomeCurrentOncePolling, bundleBuildId, DEPLOYMENT_NAME, type Promotion } from './deployment';
import { builtWorkflowBundle, bundleConversationWorkflows } from './workflow-bundle';

/** What the process-wide Temporal runtime was installed with; undefined until it is. */
let installed: { metricsAddress: string | undefined } | undefined;

export interface RuntimeTelemetry {
  /** Forward the SDK's debug and info lines too, not only its warnings and errors. */
  verbose?: boolean;
  /** ip:port where the SDK serves its own metrics (`/metrics`, names prefixed `temporal_`); unset: none. */
  metricsAddress?: string;
}

/**
 * Installs the Temporal runtime once per process: the SDK's own logs (worker, core, workflow and activity
 * `log`) forwarded into the product's logger and, with `metricsAddress`, its worker metrics served for
 * Prometheus. Below `debug` only warnings pass: the SDK's info lines (bundle listings) are noise.
 */
export function installRuntimeLogger(logger: Logger, telemetry: RuntimeTelemetry = {}): void {
  const { verbose = false, metricsAddress } = telemetry;
  if (installed) {
    // The SDK allows one runtime per process and keeps the first one's options: a second caller asking
    // for another metrics endpoint would silently get none.
    if (metricsAddress !== undefined && metricsAddress !== installed.metricsAddress) {
      throw new Error(
        `the Temporal runtime of this process is already installed ${installed.metricsAddress ? `with metrics on ${installed.metricsAddress}` : 'without metrics'}; cannot serve them on ${metricsAddress}`,
      );
    }
    return;
  }
  const forward = ({ level, message, meta }: LogEntry) => {
    // meta carries workflowId (`conversation-<digits>`); the logger masks the number.
    const attrs = { ...meta, source: 'temporal' };
    if (level === 'ERROR') logger.error(message, attrs);
    else if (level === 'WARN') logger.warn(message, attrs);
    else if (level === 'INFO') logger.info(message, attrs);
    else logger.debug(message, attrs);
  };
  Runtime.install({
    logger: new DefaultLogger(verbose ? 'DEBUG' : 'WARN', forward),
    // No shutdownSignals: the entry points own SIGINT and SIGTERM and stop the worker in their order. With
    // the SDK's defaults a signal stopped the worker twice, and the second stop failed ("Not running").
    shutdownSignals: [],
    ...(metricsAddress === undefined
      ? {}
      : {
          telemetryOptions: {
            metrics: {
              // Durations in seconds, like the product's own figures and Prometheus' base unit; names as
              // in Temporal's SDK metrics reference (no unit or _total suffixes).
              prometheus: { bindAddress: metricsAddress, useSecondsForDurations: true },
            },
          },
        }),
  });
  installed = { metricsAddress };
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: Activities;
  /** The payload codec (connect.ts `temporalDataConverter`): every payload leaves the worker encrypted. */
  dataConverter: DataConverter;
  /** Conversations kept in memory (WORKFLOW_CACHE_SIZE). */
  cacheSize: number;
  /** A bundle built beforehand (tests, the bench); otherwise the build's, or, run from the sources, one made at start. */
  workflowBundle?: { code: string } | { codePath: string };
  /** The worker's build id (EDUBOT_BUILD_ID); unset: derived from the workflow bundle. */
  buildId?: string;
  /** Worker options laid over the defaults below (the benchmark's tuning experiments). */
  tuning?: Partial<
    Omit<TemporalWorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'activities' | 'dataConverter'>
  >;
}

/** A conversation worker: a version of the Worker Deployment `edubot`. */
export type ConversationWorker = Worker & {
  readonly version: WorkerDeploymentVersion;
  /**
   * Settles once the worker polls and its version is current, or was left alone (deployment.ts); it
   * never rejects. Started at creation, so every worker takes part whoever runs it.
   */
  readonly promotion: Promise<Promotion>;
};

/** The worker that runs conversation workflows and their activities, as a version of the deployment. */
export async function createConversationWorker(options: WorkerOptions): Promise<ConversationWorker> {
  const bundle = options.workflowBundle ?? builtWorkflowBundle() ?? { code: await bundleConversationWorkflows() };
  const version: WorkerDeploymentVersion = {
    deploymentName: DEPLOYMENT_NAME,
    buildId: options.buildId ?? bundleBuildId(bundle),
  };
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    dataConverter: options.dataConverter,
    workflowBundle: bundle,
    // Every conversation is Pinned to the version it started on, unless its workflow says otherwise.
    workerDeploymentOptions: { useWorkerVersioning: true, version, defaultVersioningBehavior: 'PINNED' },
    // Measured here (BENCHMARKS.md): about 0.25–0.3 MB per cached conversation on a ~190 MB base. The cache
    // must hold the conversations active within a few minutes: when it does not, every message to an
    // evicted one replays its history, and at 40 messages/s over 1,000 conversations with 400 cached
    // the worker fell behind for good.
    maxCachedWorkflows: options.cacheSize,
    shutdownGraceTime: '10s',
    ...options.tuning,
  });
  const promotion = becomeCurrentOncePolling(options.connection.workflowService, {
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    version,
    workerState: () => worker.getState(),
  });
  return Object.assign(worker, { version, promotion });
}
