import type { Db } from './pool';

// Admin API tokens. Only their SHA-256 is stored; nothing here ever returns the hash. Each token
// belongs to a person (agents); `name` is that person's name.

export type TokenRole = 'admin' | 'agent';

interface DbAdminToken {
  id: string;
  agent_id: string;
  name: string;
  role: TokenRole;
  created_at: Date;
  revoked_at: Date | null;
  last_used_at: Date | null;
  expires_at: Date | null;
}

export interface AdminToken {
  id: number;
  /** The person who holds the token. */
  agentId: number;
  /** That person's name. */
  name: string;
  role: TokenRole;
  createdAt: Date;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  /** When the token stops working; null: never. */
  expiresAt: Date | null;
}

const TOKEN_COLUMNS = 'id, agent_id, role, created_at, revoked_at, last_used_at, expires_at';
/** The columns of a token row `t` joined with its person `a`. */
const COLUMNS = 't.id, t.agent_id, a.name, t.role, t.created_at, t.revoked_at, t.last_used_at, t.expires_at';

/**
 * Whether the token row `t` still lets its holder in. Expiry is judged by the database's clock, so
 * every server and the assignment query agree on the same instant.
 */
export const ACTIVE_TOKEN = 't.revoked_at is null and (t.expires_at is null or t.expires_at > now())';

/** Told the id of every token revoked, by whichever process revoked it: open event streams of it close. */
export const TOKEN_REVOKED_CHANNEL = 'edubot_token_revoked';

function toToken(row: DbAdminToken): AdminToken {
  return {
    id: Number(row.id),
    agentId: Number(row.agent_id),
    name: row.name,
    role: row.role,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
  };
}

/**
 * Stores a token for the person named `name`: the one of that name if there is one, a new one
 * otherwise. One statement: two tokens made at once for a new name still get one person (the
 * upsert waits for the other's row and returns it).
 */
export async function insertToken(
  db: Db,
  input: { name: string; role: TokenRole; tokenHash: string; expiresAt: Date | null },
): Promise<AdminToken> {
  const { rows } = await db.query<DbAdminToken>(
    `with a as (
       insert into agents (name) values ($1) on conflict (name) do update set name = excluded.name returning id, name
     ),
     t as (
       insert into admin_tokens (agent_id, role, token_hash, expires_at)
       select id, $2, $3, $4 from a returning ${TOKEN_COLUMNS}
     )
     select ${COLUMNS} from t, a`,
    [input.name, input.role, input.tokenHash, input.expiresAt],
  );
  return toToken(rows[0]!);
}

/**
 * The token with this hash, revoked, expired or not, so the caller can tell why it is refused.
 * An active token's last_used_at moves at most once a minute: a console polling every second
 * should not turn every read into a write.
 */
export async function useTokenByHash(
  db: Db,
  tokenHash: string,
): Promise<(AdminToken & { expired: boolean }) | undefined> {
  const { rows } = await db.query<DbAdminToken & { expired: boolean }>(
    `with found as (
       select ${TOKEN_COLUMNS}, expires_at is not null and expires_at <= now() as expired
       from admin_tokens where token_hash = $1
     ),
     touched as (
       update admin_tokens u set last_used_at = now() from found
       where u.id = found.id and found.revoked_at is null and not found.expired
         and (found.last_used_at is null or found.last_used_at < now() - interval '1 minute')
     )
     select ${COLUMNS}, t.expired from found t join agents a on a.id = t.agent_id`,
    [tokenHash],
  );
  return rows[0] ? { ...toToken(rows[0]), expired: rows[0].expired } : undefined;
}

/** Every token, oldest first. */
export async function listTokens(db: Db): Promise<AdminToken[]> {
  const { rows } = await db.query<DbAdminToken>(
    `select ${COLUMNS} from admin_tokens t join agents a on a.id = t.agent_id order by t.id`,
  );
  return rows.map(toToken);
}

/**
 * Revokes a token; revoking it again keeps the first revocation time. Undefined for an unknown id.
 * The notification goes out when the statement commits, in the same round trip.
 */
export async function revokeToken(db: Db, id: number): Promise<AdminToken | undefined> {
  const { rows } = await db.query<DbAdminToken>(
    `with t as (
       update admin_tokens set revoked_at = coalesce(revoked_at, now()) where id = $1 returning ${TOKEN_COLUMNS}
     )
     select ${COLUMNS}, pg_notify('${TOKEN_REVOKED_CHANNEL}', t.id::text) from t join agents a on a.id = t.agent_id`,
    [id],
  );
  return rows[0] ? toToken(rows[0]) : undefined;
}

/** Whether a token still lets its holder in: it exists, is not revoked and has not expired. */
export async function isTokenActive(db: Db, id: number): Promise<boolean> {
  const { rows } = await db.query(`select 1 from admin_tokens t where t.id = $1 and ${ACTIVE_TOKEN}`, [id]);
  return rows.length > 0;
}
