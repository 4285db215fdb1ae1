import type { Db } from './pool';
import type { Queryable } from './queryable';

// Erasing a student (SPEC §12). The deletes themselves are `edubot_erase_contact` (migration
// 0015_erasure.sql), a function that runs with its owner's rights because the runtime role may delete
// nothing; this module decides which contacts are the student's and runs them in one transaction.

/** Rows deleted (or, for payments, anonymised) per table: the function's answer, summed over contacts. */
export type ErasedRows = Record<string, number>;

export interface Erasure {
  /** The contacts erased: the one asked for, then any merged into it. */
  contactIds: string[];
  rows: ErasedRows;
}

/**
 * The contact and every contact merged into it (each merge left an empty contact behind, which may
 * still hold the conversation row's profile name, and whose Temporal runs hold the student's history).
 * Merges are known from the audit log; a merge older than its retention is not found.
 */
export async function contactsToErase(db: Queryable, contactId: string): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>(
    `with recursive merged(id) as (
       select $1::text
       union
       select a.details->>'from' from audit_log a join merged m on a.contact_id = m.id
        where a.action = 'contacts.merge' and a.outcome = 'ok' and a.details->>'from' ~ '^ct_[0-9a-f]{20}$'
     )
     select id from merged`,
    [contactId],
  );
  return [contactId, ...rows.map((row) => row.id).filter((id) => id !== contactId)];
}

/**
 * Erases the contacts in one transaction: every row about them deleted, payments anonymised, audit
 * details scrubbed of their identifiers. Erasing contacts already gone changes nothing, so a retry
 * is safe.
 */
export async function eraseContacts(db: Db, contactIds: readonly string[]): Promise<Erasure> {
  return db.withTransaction(async (client) => {
    const rows: ErasedRows = {};
    for (const id of contactIds) {
      const { rows: answer } = await client.query<{ counts: ErasedRows }>('select edubot_erase_contact($1) as counts', [
        id,
      ]);
      for (const [table, count] of Object.entries(answer[0]!.counts)) rows[table] = (rows[table] ?? 0) + count;
    }
    return { contactIds: [...contactIds], rows };
  });
}

/** Whether a contact exists (and so has not been erased). */
export async function contactExists(db: Queryable, contactId: string): Promise<boolean> {
  const { rows } = await db.query('select 1 from contacts where id = $1', [contactId]);
  return rows.length > 0;
}

/** Who asked for an erasure, as the audit log names people: no one's personal data beyond that. */
export interface ErasureRequester {
  actor: string;
  actorTokenId?: number;
  role?: 'admin';
}

/**
 * The erasure's one audit row (action `contact.erase`): the contact id, who asked, what was erased by
 * table, and the erasure's own id, which makes a retried write add nothing.
 */
export async function recordErasure(
  db: Queryable,
  entry: { contactId: string; requestedBy: ErasureRequester; erasureId: string; erasure: Erasure; runsDeleted: number },
): Promise<void> {
  const details = {
    erasureId: entry.erasureId,
    mergedContacts: entry.erasure.contactIds.filter((id) => id !== entry.contactId),
    rows: entry.erasure.rows,
    temporalRunsDeleted: entry.runsDeleted,
  };
  await db.query(
    `insert into audit_log (actor, actor_token_id, role, action, contact_id, outcome, http_status, details)
     select $1, $2, $3, 'contact.erase', $4, 'ok', 200, $5::jsonb
      where not exists (select 1 from audit_log
                         where action = 'contact.erase' and contact_id = $4 and details->>'erasureId' = $6)`,
    [
      entry.requestedBy.actor,
      entry.requestedBy.actorTokenId ?? null,
      entry.requestedBy.role ?? null,
      entry.contactId,
      JSON.stringify(details),
      entry.erasureId,
    ],
  );
}
