import type { DataConverter } from '@temporalio/common';
import {
  Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type ConnectionLike,
  type ScheduleOptions,
} from '@temporalio/client';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { GrpcStatus, grpcCode } from './grpc-status';

// The Temporal Schedule that starts the retention workflow daily (SPEC §12). Written by every worker at
// start, so the schedule always says what the running code means: created when missing, updated in
// place otherwise (a pause an operator set is kept), deleted when no RETENTION_* is set.

export const RETENTION_SCHEDULE_ID = 'edubot-retention';

/** The schedule: daily at 03:00 UTC, never two runs at once, a run missed by an outage taken within a day. */
export function retentionScheduleOptions(taskQueue: string): ScheduleOptions {
  return {
    scheduleId: RETENTION_SCHEDULE_ID,
    spec: { calendars: [{ comment: 'daily at 03:00 UTC', hour: 3, minute: 0 }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'retentionWorkflow',
      // Temporal appends each run's scheduled time to this id.
      workflowId: RETENTION_SCHEDULE_ID,
      taskQueue,
      // No input: the limits are the worker's (activities/retention.ts), so the schedule holds no payload.
      args: [],
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 day' },
  };
}

/** Whether any kind of data has a retention limit. */
export function retentionConfigured(retention: Config['retention']): boolean {
  return Object.values(retention).some((ms) => ms !== undefined);
}

export type ScheduleOutcome = 'created' | 'updated' | 'deleted' | 'absent';

/**
 * Makes the schedule match this configuration, whoever wrote it before: two workers starting at once
 * both end with the same schedule (one creates it, the other finds it and updates it).
 */
export async function ensureRetentionSchedule(
  client: Client,
  options: { taskQueue: string; retention: Config['retention'] },
): Promise<ScheduleOutcome> {
  const handle = client.schedule.getHandle(RETENTION_SCHEDULE_ID);
  // Nothing to prune: no schedule at all, rather than a daily run that does nothing.
  if (!retentionConfigured(options.retention)) {
    try {
      await handle.delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError || grpcCode(err) === GrpcStatus.NOT_FOUND) return 'absent';
      throw err;
    }
  }
  const wanted = retentionScheduleOptions(options.taskQueue);
  try {
    await client.schedule.create(wanted);
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await handle.update((previous) => ({
    spec: wanted.spec,
    action: wanted.action,
    policies: { ...previous.policies, ...wanted.policies },
    state: { paused: previous.state.paused, note: previous.state.note },
  }));
  return 'updated';
}

/**
 * The worker's start-up part: the schedule written over the worker's own connection. A failure is
 * logged, not fatal: the worker still serves the conversations, and its next start writes the schedule.
 */
export async function writeRetentionSchedule(
  connection: ConnectionLike,
  config: Pick<Config, 'temporalNamespace' | 'taskQueue' | 'retention'>,
  logger: Logger,
  dataConverter: DataConverter,
): Promise<ScheduleOutcome | undefined> {
  // The schedule's action carries no input, but every client encodes through the codec all the same.
  const client = new Client({ connection, namespace: config.temporalNamespace, dataConverter });
  try {
    const outcome = await ensureRetentionSchedule(client, { taskQueue: config.taskQueue, retention: config.retention });
    logger.info('retention schedule', { scheduleId: RETENTION_SCHEDULE_ID, outcome });
    return outcome;
  } catch (err) {
    logger.error('retention schedule not written: nothing is pruned until a worker writes it', {
      scheduleId: RETENTION_SCHEDULE_ID,
      error: err,
    });
    return undefined;
  }
}
