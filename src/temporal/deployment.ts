import crypto from 'node:crypto';
import fs from 'node:fs';
import type { WorkflowService } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { State as WorkerState } from '@temporalio/worker';
import { grpcCode, GrpcStatus } from './grpc-status';

// Workers run as versions of one Worker Deployment (SPEC §9): a conversation's run is Pinned to the
// version it started on, so a deploy never replays old histories on new code. A version gets new
// conversations only once it is the deployment's current version, and Temporal refuses to make a
// version current before its workers poll (a current version nobody polls would strand every new
// conversation). So each worker, once it polls, makes its own version current — but only a version
// that has never been current or ramping, and only over an older one: a restarted old worker must never
// take the current version back, and a version an operator rolled back from or ramps is theirs to move.

/** The Worker Deployment every EduBot worker belongs to (fixed: SPEC §9). */
export const DEPLOYMENT_NAME = 'edubot';

/** What a build id may be: what Temporal accepts, and safe to quote in a visibility query. */
export const BUILD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;

const { TaskQueueType, WorkerDeploymentVersionStatus } = temporal.api.enums.v1;

/**
 * The build id of a workflow bundle: the first 16 hex digits of its SHA-256. The bundle is all the
 * workflow code a worker runs, so two workers share a build id exactly when their workflows behave alike.
 */
export function bundleBuildId(bundle: { code: string } | { codePath: string }): string {
  const code = 'code' in bundle ? bundle.code : fs.readFileSync(bundle.codePath);
  return crypto.createHash('sha256').update(code).digest('hex').slice(0, 16);
}

/** `edubot:<build id>`, as Temporal writes it in the `TemporalWorkerDeploymentVersion` search attribute. */
export function versionName(version: WorkerDeploymentVersion): string {
  return `${version.deploymentName}:${version.buildId}`;
}

/**
 * What a worker's process found once its version was polled:
 * - `made-current`: it made its version current;
 * - `current`: its version was current already (another worker of it made it so);
 * - `not-newest`: another version is current and this one is older, or has been current or ramping
 *   before (an operator moved away from it, or ramps it): it serves only the runs pinned to it;
 * - `stopped`: the worker stopped first; `failed`: Temporal did not answer as expected in time.
 */
export type Promotion =
  { outcome: 'made-current' | 'current' | 'not-newest' | 'stopped' } | { outcome: 'failed'; error: Error };

export interface PromotionOptions {
  namespace: string;
  taskQueue: string;
  version: WorkerDeploymentVersion;
  /** The worker's state: the wait ends when it stops. */
  workerState: () => WorkerState;
  /** How long after the worker runs its task queue may take to be listed (default 60 s). */
  timeoutMs?: number;
  /** Between two looks at Temporal (default 250 ms). */
  intervalMs?: number;
}

const ENDED: ReadonlySet<WorkerState> = new Set(['STOPPING', 'DRAINING', 'DRAINED', 'STOPPED', 'FAILED']);

/**
 * Waits until Temporal lists the worker's task queue (workflow and activity) under its version, then
 * makes the version current when the deployment has none, or has an older one and this version has
 * never been current or ramping. Never rejects: what happened is the answer.
 */
export async function becomeCurrentOncePolling(
  service: WorkflowService,
  options: PromotionOptions,
): Promise<Promotion> {
  const { namespace, version, workerState } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const intervalMs = options.intervalMs ?? 250;
  let deadline: number | undefined;
  let lastError: unknown;
  for (;;) {
    const state = workerState();
    if (ENDED.has(state)) return { outcome: 'stopped' };
    // A worker created but not yet run does not poll: the clock starts when it runs.
    if (state === 'RUNNING') deadline ??= Date.now() + timeoutMs;
    if (deadline !== undefined && Date.now() > deadline) {
      const reason = lastError instanceof Error ? lastError.message : 'Temporal did not list its task queue';
      return {
        outcome: 'failed',
        error: new Error(`version ${versionName(version)} did not become routable within ${timeoutMs} ms: ${reason}`, {
          cause: lastError,
        }),
      };
    }
    try {
      if (state === 'RUNNING' && (await pollsTaskQueue(service, namespace, version, options.taskQueue)))
        return { outcome: await promote(service, namespace, version) };
    } catch (error) {
      // Temporal restarting, or the deployment changed between our read and our write (the conflict
      // token: FAILED_PRECONDITION): look again.
      lastError = error;
    }
    // Unref'd: a worker that is never run must not keep its process alive through this wait.
    await new Promise((resolve) => setTimeout(resolve, intervalMs).unref());
  }
}

/** True once Temporal lists the task queue, for both workflow and activity tasks, under the version. */
async function pollsTaskQueue(
  service: WorkflowService,
  namespace: string,
  version: WorkerDeploymentVersion,
  taskQueue: string,
): Promise<boolean> {
  try {
    const described = await service.describeWorkerDeploymentVersion({ namespace, deploymentVersion: version });
    const types = new Set(
      (described.versionTaskQueues ?? []).filter((queue) => queue.name === taskQueue).map((queue) => queue.type),
    );
    return types.has(TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW) && types.has(TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY);
  } catch (error) {
    // The version exists once its first poll has been recorded.
    if (grpcCode(error) === GrpcStatus.NOT_FOUND) return false;
    throw error;
  }
}

/**
 * One decision against one read of the deployment. The write carries the read's conflict token, so
 * two versions starting at once cannot both act on what they read: the later write is refused.
 */
async function promote(
  service: WorkflowService,
  namespace: string,
  version: WorkerDeploymentVersion,
): Promise<'made-current' | 'current' | 'not-newest'> {
  const described = await describeDeployment(service, namespace);
  const summaries = described?.info.versionSummaries ?? [];
  const own = summaries.find((s) => s.deploymentVersion?.buildId === version.buildId);
  // Listed under its task queue but not yet in the deployment: Temporal is still registering it.
  if (described === undefined || own === undefined)
    throw new Error(`version ${versionName(version)} is not yet listed in its deployment`);
  const current = described.info.routingConfig?.currentDeploymentVersion;
  if (current?.buildId === version.buildId) return 'current';
  // Been current or ramping before (first activation), or ramping now: an operator's to move.
  if (own.firstActivationTime || own.status === WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING)
    return 'not-newest';
  if (current?.buildId) {
    const currentSummary = summaries.find((s) => s.deploymentVersion?.buildId === current.buildId);
    const [currentCreated, ownCreated] = [optionalTsToMs(currentSummary?.createTime), optionalTsToMs(own.createTime)];
    if (currentCreated === undefined || ownCreated === undefined || currentCreated >= ownCreated) return 'not-newest';
  }
  await service.setWorkerDeploymentCurrentVersion({
    namespace,
    deploymentName: version.deploymentName,
    buildId: version.buildId,
    conflictToken: described.conflictToken,
    identity: `edubot worker ${process.pid}`,
  });
  return 'made-current';
}

export interface DescribedDeployment {
  info: temporal.api.deployment.v1.IWorkerDeploymentInfo;
  /** For a write that must fail if the deployment changed since (the read-then-write of a decision). */
  conflictToken: Uint8Array | null | undefined;
}

/** The Worker Deployment `edubot` of `namespace`; undefined before any worker of it has polled there. */
export async function describeDeployment(
  service: WorkflowService,
  namespace: string,
): Promise<DescribedDeployment | undefined> {
  try {
    const described = await service.describeWorkerDeployment({ namespace, deploymentName: DEPLOYMENT_NAME });
    return described.workerDeploymentInfo
      ? { info: described.workerDeploymentInfo, conflictToken: described.conflictToken }
      : undefined;
  } catch (error) {
    // The deployment exists once a worker of it has polled.
    if (grpcCode(error) === GrpcStatus.NOT_FOUND) return undefined;
    throw error;
  }
}
