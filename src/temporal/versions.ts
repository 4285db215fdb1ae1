import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { checkVersionSignal } from '../../workflows/messages';
import { DEPLOYMENT_NAME, describeDeployment, versionName } from './deployment';

// What operators ask of the Worker Deployment `edubot` (`npm run admin -- versions | drain | ramp |
// current`): its versions with the runs pinned to each, waking those runs so they move to the current
// version, moving the current and ramping versions by hand, and waiting until a version is drained.

const { WorkerDeploymentVersionStatus, VersionDrainageStatus } = temporal.api.enums.v1;

export type VersionStatus = 'inactive' | 'current' | 'ramping' | 'draining' | 'drained' | 'created' | 'unspecified';

export interface VersionReport {
  buildId: string;
  /** As Temporal reports it. */
  status: VersionStatus;
  /** Of new conversations, for a ramping version. */
  rampPercentage?: number;
  createdAt: Date | undefined;
  /** Open runs pinned to the version: what keeps it from being drained. */
  openRuns: number;
}

/** Thrown when an operator names a version the deployment does not have. */
export class UnknownVersionError extends Error {
  override name = 'UnknownVersionError';
  constructor(readonly buildId: string) {
    super(`deployment ${DEPLOYMENT_NAME} has no version ${buildId}`);
  }
}

/** Thrown when draining the version that takes new conversations (or some of them): nothing could move. */
export class ActiveVersionError extends Error {
  override name = 'ActiveVersionError';
  constructor(
    readonly buildId: string,
    readonly status: 'current' | 'ramping',
  ) {
    super(
      `version ${buildId} is the ${status} version: its runs have nowhere newer to go; make another version current first`,
    );
  }
}

/**
 * Temporal's own test for a version's open pinned runs (its drainage check), so that the count shown is
 * what keeps the version from being drained. Build ids are checked against BUILD_ID_PATTERN, which
 * allows no quote.
 */
export function pinnedRunsQuery(buildId: string): string {
  const version = versionName({ deploymentName: DEPLOYMENT_NAME, buildId });
  return `TemporalWorkerDeploymentVersion = '${version}' AND TemporalWorkflowVersioningBehavior = 'Pinned' AND ExecutionStatus = 'Running'`;
}

/** The versions of the deployment, oldest first; none when no worker has polled the namespace yet. */
export async function listVersions(client: Client): Promise<VersionReport[]> {
  const info = (await describeDeployment(client.workflowService, client.options.namespace))?.info;
  if (info === undefined) return [];
  const ramping = info.routingConfig?.rampingDeploymentVersion?.buildId;
  const reports: VersionReport[] = [];
  for (const summary of info.versionSummaries ?? []) {
    const buildId = summary.deploymentVersion?.buildId;
    if (!buildId) continue;
    const { count } = await client.workflow.count(pinnedRunsQuery(buildId));
    const status = statusName(summary.status);
    reports.push({
      buildId,
      status,
      ...(status === 'ramping' && buildId === ramping
        ? { rampPercentage: info.routingConfig?.rampingVersionPercentage ?? 0 }
        : {}),
      createdAt: optionalTsToDate(summary.createTime),
      openRuns: count,
    });
  }
  return reports.sort((a, b) => (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0));
}

/**
 * Signals `checkVersion` to every open run pinned to `buildId`, so that each, at its next idle point,
 * sees a newer version is current and continues as new onto it. Returns how many runs it reached (a run
 * that closed meanwhile is not counted). Refuses the current or ramping version and an unknown one.
 */
export async function drainVersion(client: Client, buildId: string): Promise<number> {
  const info = (await describeDeployment(client.workflowService, client.options.namespace))?.info;
  const summary = info?.versionSummaries?.find((s) => s.deploymentVersion?.buildId === buildId);
  if (summary === undefined) throw new UnknownVersionError(buildId);
  const status = statusName(summary.status);
  if (status === 'current' || status === 'ramping') throw new ActiveVersionError(buildId, status);
  let woken = 0;
  for await (const run of client.workflow.list({ query: pinnedRunsQuery(buildId) })) {
    try {
      // This run only: one that continued as new meanwhile is on its way already.
      await client.workflow.getHandle(run.workflowId, run.runId).signal(checkVersionSignal);
      woken++;
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
  return woken;
}

/** Sends `percent` of new conversations to `buildId` (0 keeps it ramping with none). */
export async function rampVersion(client: Client, buildId: string, percent: number): Promise<void> {
  await client.workflowService.setWorkerDeploymentRampingVersion({
    namespace: client.options.namespace,
    deploymentName: DEPLOYMENT_NAME,
    buildId,
    percentage: percent,
    identity: 'edubot-admin',
  });
}

/** Makes `buildId` the current version (a ramp's end, or a rollback); its workers must be polling. */
export async function makeVersionCurrent(client: Client, buildId: string): Promise<void> {
  await client.workflowService.setWorkerDeploymentCurrentVersion({
    namespace: client.options.namespace,
    deploymentName: DEPLOYMENT_NAME,
    buildId,
    identity: 'edubot-admin',
  });
}

export interface WaitOptions {
  /** Default 10 minutes: Temporal looks again every few minutes (VersionDrainageStatusRefreshInterval). */
  timeoutMs?: number;
  intervalMs?: number;
  signal?: AbortSignal;
}

/**
 * Resolves once Temporal reports the version drained: no open run is pinned to it, so its workers may
 * stop. Rejects after `timeoutMs`, saying what Temporal last reported.
 */
export async function waitUntilDrained(client: Client, buildId: string, options: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  for (;;) {
    options.signal?.throwIfAborted();
    const { workerDeploymentVersionInfo: info } = await client.workflowService.describeWorkerDeploymentVersion({
      namespace: client.options.namespace,
      deploymentVersion: { deploymentName: DEPLOYMENT_NAME, buildId },
    });
    if (info?.drainageInfo?.status === VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED) return;
    if (Date.now() > deadline) {
      const status = statusName(info?.status);
      throw new Error(`version ${buildId} was not drained in ${options.timeoutMs ?? 600_000} ms: it is ${status}`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1_000));
  }
}

const STATUS_NAMES: Record<number, VersionStatus> = {
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE]: 'inactive',
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT]: 'current',
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_RAMPING]: 'ramping',
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING]: 'draining',
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED]: 'drained',
  [WorkerDeploymentVersionStatus.WORKER_DEPLOYMENT_VERSION_STATUS_CREATED]: 'created',
};

function statusName(status: number | null | undefined): VersionStatus {
  return STATUS_NAMES[status ?? 0] ?? 'unspecified';
}
