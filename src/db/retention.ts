import type { Queryable } from './queryable';
import { RETENTION_KINDS, type RetentionKind } from '../../domain/retention';

// Retention's deletes. The runtime role may delete nothing, so each kind is pruned by a function of
// migration 0016, run with the rights of the role that migrated; each call is one bounded batch in
// one transaction, and counts what it removed in retention_deleted as it commits.

export interface PruneBatch {
  /** Rows of the kind removed: messages, media files, audit rows or quarantined items. */
  deleted: number;
  /** Some table of the batch gave up `limit` rows: more may be left, so call again. */
  full: boolean;
}

const FUNCTIONS: Record<RetentionKind, string> = {
  messages: 'retention_prune_messages',
  media: 'retention_prune_media',
  audit: 'retention_prune_audit',
  quarantine: 'retention_prune_quarantine',
};

/**
 * Removes at most `limit` rows of `kind` stored before `olderThan` (and, for messages, at most
 * `limit` of each of their copies). Messages of a contact whose chat is open are never removed.
 */
export async function pruneBatch(
  db: Queryable,
  kind: RetentionKind,
  olderThan: Date,
  limit: number,
): Promise<PruneBatch> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`a batch limit is a positive integer, not ${limit}`);
  const { rows } = await db.query<{ deleted: number; batch_full: boolean }>(
    `select deleted, batch_full from ${FUNCTIONS[kind]}($1, $2)`,
    [olderThan, limit],
  );
  const row = rows[0]!;
  return { deleted: row.deleted, full: row.batch_full };
}

/** Rows retention has removed since the database was made, by kind: what /metrics counts. */
export async function retentionDeletedTotals(db: Queryable): Promise<Record<RetentionKind, number>> {
  const { rows } = await db.query<{ kind: RetentionKind; deleted: string }>(
    'select kind, deleted from retention_deleted',
  );
  const totals = Object.fromEntries(RETENTION_KINDS.map((kind) => [kind, 0])) as Record<RetentionKind, number>;
  for (const row of rows) if (row.kind in totals) totals[row.kind] = Number(row.deleted);
  return totals;
}
