import type { Connection } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { DEPLOYMENT_NAME, describeDeployment, versionName } from './deployment';

// Whether Temporal sees a host's worker polling a task queue: the worker serves no HTTP, so its
// container's health check asks Temporal, the one party that knows whether the polls arrive.

const { DescribeTaskQueueMode, TaskQueueKind, TaskQueueType } = temporal.api.enums.v1;

/** Temporal keeps a poller in a task queue's list this long after its last poll (matching's poller history). */
export const POLLER_MEMORY_MS = 5 * 60_000;

export type PollerKind = 'workflow' | 'activity';

export interface Poller {
  identity: string;
  lastAccessMs: number | undefined;
}

const TYPES: Record<PollerKind, temporal.api.enums.v1.TaskQueueType> = {
  workflow: TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
  activity: TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
};

/**
 * The pollers Temporal remembers on `taskQueue`, by kind, gathered from all of its partitions: the
 * unversioned ones and those of every version of the Worker Deployment.
 */
export async function describePollers(
  connection: Connection,
  namespace: string,
  taskQueue: string,
): Promise<Record<PollerKind, Poller[]>> {
  // The enhanced mode (deprecated, still served) is the one that gathers every partition's pollers: the
  // default mode reports the root partition's only, while a worker's polls land on any partition. It
  // reports only the versions asked for, a deployment version by its `edubot:<build id>`.
  const { versionsInfo } = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    apiMode: DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED,
    versions: { buildIds: await deploymentVersions(connection, namespace), unversioned: true },
    taskQueueTypes: Object.values(TYPES),
    reportPollers: true,
  });
  const pollers = (type: temporal.api.enums.v1.TaskQueueType): Poller[] =>
    // Unversioned workers report under the build id '', a deployment version's under its name.
    Object.values(versionsInfo ?? {}).flatMap((version) =>
      (version.typesInfo?.[type]?.pollers ?? []).map((p) => ({
        identity: p.identity ?? '',
        lastAccessMs: optionalTsToMs(p.lastAccessTime),
      })),
    );
  return { workflow: pollers(TYPES.workflow), activity: pollers(TYPES.activity) };
}

/** `edubot:<build id>` of every version the deployment has; none before a worker of it polled. */
async function deploymentVersions(connection: Connection, namespace: string): Promise<string[]> {
  const described = await describeDeployment(connection.workflowService, namespace);
  return (described?.info.versionSummaries ?? []).flatMap(({ deploymentVersion: version }) =>
    version?.buildId ? [versionName({ deploymentName: DEPLOYMENT_NAME, buildId: version.buildId })] : [],
  );
}

/**
 * The kinds of task (workflow, activity) that no worker on `hostname` has polled for within the
 * poller memory. The SDK names a worker `<pid>@<hostname>`, and a container's hostname is its own.
 */
export function pollersMissing(pollers: Record<PollerKind, Poller[]>, hostname: string, now: number): PollerKind[] {
  const fromHost = (p: Poller) =>
    p.identity.endsWith(`@${hostname}`) && p.lastAccessMs !== undefined && now - p.lastAccessMs <= POLLER_MEMORY_MS;
  return (Object.keys(TYPES) as PollerKind[]).filter((kind) => !pollers[kind].some(fromHost));
}
