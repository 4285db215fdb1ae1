import crypto from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import { insertToken, useTokenByHash, type AdminToken } from '../db/tokens';

// Bearer tokens of the admin API: generated here, stored as SHA-256 only, checked on each request.

export const Role = z.enum(['admin', 'agent']);
export type Role = z.infer<typeof Role>;

/** Who made an admin request. `tokenId` is absent for the ADMIN_TOKEN of the environment. */
export interface Actor {
  name: string;
  role: Role;
  tokenId?: number;
}

/** The actor name of the environment's ADMIN_TOKEN in the audit log and the transcript. */
export const ENV_ADMIN_ACTOR = 'ADMIN_TOKEN';

/** The actor name of requests without a valid token, in the audit log. */
export const ANONYMOUS_ACTOR = 'anonymous';

// Characters that show nothing or move what follows: zero-width spaces, direction overrides, line and
// paragraph separators. With them two names that differ read the same ("ADMIN\u200B_TOKEN" in the
// audit log). The zero-width joiner stays: emoji sequences such as 👩‍👩‍👧 are made with it.
const INVISIBLE = /(?!\u200d)[\p{Cf}\p{Zl}\p{Zp}]/u;

/** A name as it reads: compatibility forms folded (fullwidth letters), joiners dropped, any case. */
const readAs = (name: string) =>
  name
    .normalize('NFKC')
    .replace(/\u200d/g, '')
    .toLowerCase();

/** A token holder's name: agents' messages are stored under it, so it must read well and be unambiguous. */
export const TokenName = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters')
  .regex(/^[^\p{Cc}\p{Cs}]+$/u, 'name must not contain control characters or unpaired surrogates')
  .refine((name) => !INVISIBLE.test(name), 'name must not contain invisible or direction characters')
  .refine((name) => ![ENV_ADMIN_ACTOR.toLowerCase(), ANONYMOUS_ACTOR].includes(readAs(name)), {
    message: `name must not be ${ENV_ADMIN_ACTOR} or ${ANONYMOUS_ACTOR}`,
  });
export type TokenName = z.infer<typeof TokenName>;

// A recognisable prefix lets secret scanners and people tell an EduBot token at a glance.
const TOKEN_PREFIX = 'edb_';

/** A new token: 32 random bytes, base64url, behind the prefix. Shown once, never stored. */
export function generateToken(): string {
  return TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
}

/** Hex SHA-256: what admin_tokens.token_hash holds. A fast hash suffices for 256 random bits. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Creates and stores a token; the returned `token` is the only time the plain text exists. */
export async function createToken(
  db: Db,
  input: { name: string; role: Role },
): Promise<{ token: string; info: AdminToken }> {
  const token = generateToken();
  const info = await insertToken(db, { name: input.name, role: input.role, tokenHash: hashToken(token) });
  return { token, info };
}

export type TokenCheck =
  { ok: true; actor: Actor } | { ok: false; reason: 'unknown_token' | 'revoked_token'; tokenId?: number };

/** Checks a presented token: the environment's ADMIN_TOKEN first (constant time), then the table. */
export async function checkToken(db: Db, config: Pick<Config, 'adminToken'>, presented: string): Promise<TokenCheck> {
  const hash = hashToken(presented);
  if (config.adminToken.length > 0) {
    const given = Buffer.from(hash, 'hex');
    const expected = Buffer.from(hashToken(config.adminToken), 'hex');
    if (crypto.timingSafeEqual(given, expected)) return { ok: true, actor: { name: ENV_ADMIN_ACTOR, role: 'admin' } };
  }
  // The lookup is by hash, so its timing tells nothing about any stored token.
  const token = await useTokenByHash(db, hash);
  if (!token) return { ok: false, reason: 'unknown_token' };
  if (token.revokedAt !== null) return { ok: false, reason: 'revoked_token', tokenId: token.id };
  return { ok: true, actor: { name: token.name, role: token.role, tokenId: token.id } };
}
