import { Context, log } from '@temporalio/activity';
import type { Config } from '../src/config';
import type { Queryable } from '../src/db/queryable';
import { pruneBatch } from '../src/db/retention';
import type { RetentionKind } from '../domain/retention';

// The retention workflow's one activity. How long each kind is kept comes from this worker's own
// configuration (RETENTION_*), not from the workflow's input: the schedule's input is fixed when the
// schedule is written and stored in Temporal, while the limits belong to the deployment that prunes, so
// a changed limit takes effect with the workers that read it, and the schedule never needs rewriting for it.

export type RetentionSettings = Config['retention'];

export interface PruneRetentionInput {
  kind: RetentionKind;
  /** Rows per batch: each batch is one transaction. */
  batchSize: number;
  /** Batches one call runs at most before it hands back to the workflow (which may continue as new). */
  maxBatches: number;
}

export interface PruneRetentionResult {
  deleted: number;
  /** The last batch came back short: nothing of this kind is left to prune. */
  done: boolean;
}

const KEEP_MS: Record<RetentionKind, keyof RetentionSettings> = {
  messages: 'messagesMs',
  media: 'mediaMs',
  audit: 'auditMs',
  quarantine: 'quarantineMs',
};

export interface RetentionActivities {
  pruneRetention(input: PruneRetentionInput): Promise<PruneRetentionResult>;
}

export function createRetentionActivities(
  db: Queryable,
  retention: RetentionSettings = {},
  now = () => Date.now(),
): RetentionActivities {
  return {
    /**
     * Prunes `kind` in batches until one comes back short or `maxBatches` ran, heartbeating after each
     * batch (a worker that dies mid-call is noticed within the heartbeat timeout, and a retry simply
     * goes on: what is older than the limit is still older). A kind with no limit is kept: nothing done.
     */
    async pruneRetention(input: PruneRetentionInput): Promise<PruneRetentionResult> {
      const keepMs = retention[KEEP_MS[input.kind]];
      if (keepMs === undefined) return { deleted: 0, done: true };
      const olderThan = new Date(now() - keepMs);
      const context = Context.current();
      let deleted = 0;
      for (let batch = 0; batch < input.maxBatches; batch++) {
        const result = await pruneBatch(db, input.kind, olderThan, input.batchSize);
        deleted += result.deleted;
        context.heartbeat({ deleted });
        if (!result.full) {
          log.info('retention pruned', { kind: input.kind, deleted });
          return { deleted, done: true };
        }
        // A cancelled run stops between batches; the batch that ran is committed and counted.
        context.cancellationSignal.throwIfAborted();
      }
      log.info('retention pruned', { kind: input.kind, deleted, more: true });
      return { deleted, done: false };
    },
  };
}
