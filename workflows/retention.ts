import * as wf from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { RETENTION_KINDS, type RetentionKind } from '../domain/retention';

// Retention, started daily by the Temporal Schedule `edubot-retention` (src/temporal/retention-schedule.ts):
// each kind of data pruned in bounded batches until a batch comes back short. The limits are the
// worker's (RETENTION_*, read by the activity); a kind with none is kept.

export interface RetentionInput {
  /** Rows per batch (one transaction each). */
  batchSize?: number;
  /** Batches per activity call. */
  maxBatchesPerCall?: number;
  /** Continue as new after this many history events (tests); otherwise when the server suggests it. */
  maxHistoryEvents?: number;
  /** Carried over continue-as-new: the kinds not finished yet, in order. */
  remaining?: RetentionKind[];
  /** Carried over continue-as-new: what earlier runs of this pruning removed. */
  deleted?: Partial<Record<RetentionKind, number>>;
}

/** Rows removed, by kind. */
export type RetentionResult = Record<RetentionKind, number>;

// A batch of 1,000 rows is a transaction of a few hundred milliseconds, short enough not to hold locks
// the webhook waits on for long; 20 of them per call keep the history to a few events per 20,000 rows.
const DEFAULT_BATCH_SIZE = 1000;
const DEFAULT_MAX_BATCHES_PER_CALL = 20;

const { pruneRetention } = wf.proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '15 minutes',
  // The activity heartbeats after every batch: a worker that died is noticed in a minute, not 15.
  heartbeatTimeout: '1 minute',
  // Postgres away is retried for about an hour and a half; past that, tomorrow's run starts afresh.
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 12 },
});

export async function retentionWorkflow(input: RetentionInput = {}): Promise<RetentionResult> {
  const batchSize = input.batchSize ?? DEFAULT_BATCH_SIZE;
  const maxBatches = input.maxBatchesPerCall ?? DEFAULT_MAX_BATCHES_PER_CALL;
  const deleted: RetentionResult = { messages: 0, media: 0, audit: 0, quarantine: 0, ...input.deleted };
  const remaining = [...(input.remaining ?? RETENTION_KINDS)];
  const historyFull = (): boolean =>
    input.maxHistoryEvents !== undefined
      ? wf.workflowInfo().historyLength >= input.maxHistoryEvents
      : wf.workflowInfo().continueAsNewSuggested;

  for (;;) {
    const kind = remaining[0];
    if (kind === undefined) break;
    const result = await pruneRetention({ kind, batchSize, maxBatches });
    deleted[kind] += result.deleted;
    if (result.done) remaining.shift();
    if (remaining.length > 0 && historyFull()) {
      await wf.continueAsNew<typeof retentionWorkflow>({ ...input, remaining, deleted });
    }
  }
  wf.log.info('retention done', { ...deleted });
  return deleted;
}

// Not Pinned like the conversations: a run lasts minutes, and each starts on whatever build is current,
// so no old build is kept running (or undrained) for it.
wf.setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, retentionWorkflow);
