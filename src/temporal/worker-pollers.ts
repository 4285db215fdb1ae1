import type { Connection } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';

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

/** The pollers Temporal remembers on `taskQueue`, by kind, gathered from all of its partitions. */
export async function describePollers(
  connection: Connection,
  namespace: string,
  taskQueue: string,
): Promise<Record<PollerKind, Poller[]>> {
  // The enhanced mode (deprecated, still served) is the one that gathers every partition's pollers: the
  // default mode reports the root partition's only, while a worker's polls land on any partition.
  const { versionsInfo } = await connection.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    apiMode: DescribeTaskQueueMode.DESCRIBE_TASK_QUEUE_MODE_ENHANCED,
    taskQueueTypes: Object.values(TYPES),
    reportPollers: true,
  });
  const pollers = (type: temporal.api.enums.v1.TaskQueueType): Poller[] =>
    // Unversioned workers report under the build id ''; any other key is a versioned worker's.
    Object.values(versionsInfo ?? {}).flatMap((version) =>
      (version.typesInfo?.[type]?.pollers ?? []).map((p) => ({
        identity: p.identity ?? '',
        lastAccessMs: optionalTsToMs(p.lastAccessTime),
      })),
    );
  return { workflow: pollers(TYPES.workflow), activity: pollers(TYPES.activity) };
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
