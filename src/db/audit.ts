import type { Db } from './pool';

// The audit log: one row per admin request, refused ones included. Callers pass no message
// bodies and no tokens in `details`.

export interface AuditEntryInput {
  actor: string;
  actorTokenId?: number;
  role?: 'admin' | 'agent';
  action: string;
  contactId?: string;
  outcome: string;
  httpStatus: number;
  details?: Record<string, unknown>;
}

interface DbAuditEntry {
  id: string;
  at: Date;
  actor: string;
  actor_token_id: string | null;
  role: 'admin' | 'agent' | null;
  action: string;
  contact_id: string | null;
  outcome: string;
  http_status: number;
  details: Record<string, unknown>;
}

export interface AuditEntry {
  id: number;
  at: Date;
  actor: string;
  actorTokenId: number | null;
  role: 'admin' | 'agent' | null;
  action: string;
  contactId: string | null;
  outcome: string;
  httpStatus: number;
  details: Record<string, unknown>;
}

function toEntry(row: DbAuditEntry): AuditEntry {
  return {
    id: Number(row.id),
    at: row.at,
    actor: row.actor,
    actorTokenId: row.actor_token_id === null ? null : Number(row.actor_token_id),
    role: row.role,
    action: row.action,
    contactId: row.contact_id,
    outcome: row.outcome,
    httpStatus: row.http_status,
    details: row.details,
  };
}

export async function insertAuditEntry(db: Db, entry: AuditEntryInput): Promise<void> {
  await db.query(
    `insert into audit_log (actor, actor_token_id, role, action, contact_id, outcome, http_status, details)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.actor,
      entry.actorTokenId ?? null,
      entry.role ?? null,
      entry.action,
      entry.contactId ?? null,
      entry.outcome,
      entry.httpStatus,
      JSON.stringify(entry.details ?? {}),
    ],
  );
}

/** Newest first. `beforeId` is the keyset cursor: the id of the last entry of the previous page. */
export async function listAuditEntries(
  db: Db,
  filter: { contactId?: string; action?: string; beforeId?: number; limit: number },
): Promise<AuditEntry[]> {
  const { rows } = await db.query<DbAuditEntry>(
    `select id, at, actor, actor_token_id, role, action, contact_id, outcome, http_status, details
     from audit_log
     where ($1::text is null or contact_id = $1)
       and ($2::text is null or action = $2)
       and ($3::bigint is null or id < $3)
     order by id desc
     limit $4`,
    [filter.contactId ?? null, filter.action ?? null, filter.beforeId ?? null, filter.limit],
  );
  return rows.map(toEntry);
}
