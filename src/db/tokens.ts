import type { Db } from './pool';

// Admin API tokens. Only their SHA-256 is stored; nothing here ever returns the hash.

export type TokenRole = 'admin' | 'agent';

interface DbAdminToken {
  id: string;
  name: string;
  role: TokenRole;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

export interface AdminToken {
  id: number;
  name: string;
  role: TokenRole;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
}

const COLUMNS = 'id, name, role, created_at, revoked_at, last_used_at';

/** Told the id of every token revoked, by whichever process revoked it: open event streams of it close. */
export const TOKEN_REVOKED_CHANNEL = 'edubot_token_revoked';

function toToken(row: DbAdminToken): AdminToken {
  return {
    id: Number(row.id),
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

export async function insertToken(
  db: Db,
  input: { name: string; role: TokenRole; tokenHash: string },
): Promise<AdminToken> {
  const { rows } = await db.query<DbAdminToken>(
    `insert into admin_tokens (name, role, token_hash) values ($1, $2, $3) returning ${COLUMNS}`,
    [input.name, input.role, input.tokenHash],
  );
  return toToken(rows[0]!);
}

/**
 * The token with this hash, revoked or not, so the caller can tell "revoked" from "unknown".
 * An active token's last_used_at moves at most once a minute: a console polling every second
 * should not turn every read into a write.
 */
export async function useTokenByHash(db: Db, tokenHash: string): Promise<AdminToken | undefined> {
  const { rows } = await db.query<DbAdminToken>(
    `with found as (select ${COLUMNS} from admin_tokens where token_hash = $1),
     touched as (
       update admin_tokens t set last_used_at = now() from found
       where t.id = found.id and found.revoked_at is null
         and (found.last_used_at is null or found.last_used_at < now() - interval '1 minute')
     )
     select ${COLUMNS} from found`,
    [tokenHash],
  );
  return rows[0] ? toToken(rows[0]) : undefined;
}

/** Every token, oldest first. */
export async function listTokens(db: Db): Promise<AdminToken[]> {
  const { rows } = await db.query<DbAdminToken>(`select ${COLUMNS} from admin_tokens order by id`);
  return rows.map(toToken);
}

/**
 * Revokes a token; revoking it again keeps the first revocation time. Undefined for an unknown id.
 * The notification goes out when the statement commits, in the same round trip.
 */
export async function revokeToken(db: Db, id: number): Promise<AdminToken | undefined> {
  const { rows } = await db.query<DbAdminToken>(
    `with revoked as (
       update admin_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${COLUMNS}
     )
     select ${COLUMNS}, pg_notify('${TOKEN_REVOKED_CHANNEL}', id::text) from revoked`,
    [id],
  );
  return rows[0] ? toToken(rows[0]) : undefined;
}

/** Whether a token still lets its holder in: it exists and is not revoked. */
export async function isTokenActive(db: Db, id: number): Promise<boolean> {
  const { rows } = await db.query('select 1 from admin_tokens where id = $1 and revoked_at is null', [id]);
  return rows.length > 0;
}
