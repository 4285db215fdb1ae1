import crypto from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config';
import { ADMIN_AGENT_NAME, getAdminAgent } from '../db/agents';
import type { Db } from '../db/pool';
import { insertToken, useTokenByHash, type AdminToken } from '../db/tokens';

// Bearer tokens of the admin API: generated here, stored as SHA-256 only, checked on each request.

export const Role = z.enum(['admin', 'agent']);
export type Role = z.infer<typeof Role>;

/** Who made an admin request: the person holding the token. `tokenId` is absent for the environment's ADMIN_TOKEN. */
export interface Actor {
  /** The person's id (agents.id), the environment's ADMIN_TOKEN included. */
  agentId: number;
  /** The person's display name: what the audit log, the history and the student see. */
  name: string;
  role: Role;
  tokenId?: number;
}

/** The name of the person behind the environment's ADMIN_TOKEN. */
export const ENV_ADMIN_ACTOR = ADMIN_AGENT_NAME;

/** What the environment's ADMIN_TOKEN was called before tokens had people: old audit rows carry it. */
const LEGACY_ENV_ADMIN_ACTOR = 'ADMIN_TOKEN';

/** The actor name of requests without a valid token, in the audit log. */
export const ANONYMOUS_ACTOR = 'anonymous';

/** Who gives back the chats of someone whose last token expired, in the audit log and the history. */
export const EXPIRY_ACTOR = 'token expiry';

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

const RESERVED_NAMES = [ENV_ADMIN_ACTOR, LEGACY_ENV_ADMIN_ACTOR, ANONYMOUS_ACTOR, EXPIRY_ACTOR].map(readAs);

/**
 * The name of a token's holder: agents' messages are stored and sent under it, so it must read well
 * and be unambiguous. "Admin" is the environment's ADMIN_TOKEN alone, so no token may take it, nor
 * the names old audit rows and refused requests carry.
 */
export const AgentName = z
  .string()
  .trim()
  .min(1, 'name must not be empty')
  .max(100, 'name must be at most 100 characters')
  .regex(/^[^\p{Cc}\p{Cs}]+$/u, 'name must not contain control characters or unpaired surrogates')
  .refine((name) => !INVISIBLE.test(name), 'name must not contain invisible or direction characters')
  .refine((name) => !RESERVED_NAMES.includes(readAs(name)), {
    message: `name must not be ${ENV_ADMIN_ACTOR}, ${LEGACY_ENV_ADMIN_ACTOR}, ${ANONYMOUS_ACTOR} or ${EXPIRY_ACTOR}`,
  });
export type AgentName = z.infer<typeof AgentName>;

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

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * An agent's token works this long unless its maker says otherwise: agents sign in from shared or
 * personal devices and change jobs, and a forgotten token should not stay good for ever.
 */
export const AGENT_TOKEN_DAYS = 90;

/** No token is made for longer than this: a longer-lived credential is one nobody remembers to revoke. */
export const MAX_TOKEN_DAYS = 365;

/**
 * When a new token expires: the date asked for, else 90 days for an agent. An admin token made by
 * an admin does not expire unless asked: it is what scripts and the operators' tools run with, the
 * few who hold one manage (and revoke) tokens themselves, and an admin token lapsing unnoticed would
 * stop those tools. The environment's ADMIN_TOKEN has no row and never expires: it is rotated by
 * changing the environment.
 */
export function tokenExpiry(role: Role, asked: { expiresAt?: Date; expiresInDays?: number }, now: Date): Date | null {
  if (asked.expiresAt !== undefined) return asked.expiresAt;
  const days = asked.expiresInDays ?? (role === 'agent' ? AGENT_TOKEN_DAYS : undefined);
  return days === undefined ? null : new Date(now.getTime() + days * DAY_MS);
}

/**
 * How long a new token should work, as the API and the CLI take it: a number of days, or a date in
 * the future, at most MAX_TOKEN_DAYS away. Neither: the default of tokenExpiry.
 */
export const TokenLifetime = z
  .object({
    expiresInDays: z
      .number()
      .int('expiresInDays must be a whole number of days')
      .min(1, 'expiresInDays must be at least 1')
      .max(MAX_TOKEN_DAYS, `expiresInDays must be at most ${MAX_TOKEN_DAYS}`)
      .optional(),
    expiresAt: z.iso
      .datetime({ offset: true, error: 'expiresAt must be an ISO-8601 date and time, e.g. 2027-01-31T18:00:00Z' })
      .transform((text) => new Date(text))
      .refine((at) => at.getTime() > Date.now(), 'expiresAt must be in the future')
      .refine(
        (at) => at.getTime() <= Date.now() + MAX_TOKEN_DAYS * DAY_MS,
        `expiresAt must be at most ${MAX_TOKEN_DAYS} days from now`,
      )
      .optional(),
  })
  .refine((body) => body.expiresInDays === undefined || body.expiresAt === undefined, {
    message: 'give expiresInDays or expiresAt, not both',
    path: ['expiresAt'],
  });
export type TokenLifetime = z.infer<typeof TokenLifetime>;

/**
 * Creates and stores a token for the person named `name`, who is created unless someone of exactly
 * that name exists. The returned `token` is the only time the plain text exists.
 */
export async function createToken(
  db: Db,
  input: { name: string; role: Role } & TokenLifetime,
): Promise<{ token: string; info: AdminToken }> {
  const token = generateToken();
  const info = await insertToken(db, {
    name: input.name,
    role: input.role,
    tokenHash: hashToken(token),
    expiresAt: tokenExpiry(input.role, input, new Date()),
  });
  return { token, info };
}

export type TokenCheck =
  { ok: true; actor: Actor } | { ok: false; reason: 'unknown_token' | 'revoked_token' | 'expired'; tokenId?: number };

/** Checks a presented token: the environment's ADMIN_TOKEN first (constant time), then the table. */
export async function checkToken(db: Db, config: Pick<Config, 'adminToken'>, presented: string): Promise<TokenCheck> {
  const hash = hashToken(presented);
  if (config.adminToken.length > 0) {
    const given = Buffer.from(hash, 'hex');
    const expected = Buffer.from(hashToken(config.adminToken), 'hex');
    if (crypto.timingSafeEqual(given, expected)) {
      const admin = await getAdminAgent(db);
      return { ok: true, actor: { agentId: admin.id, name: admin.name, role: 'admin' } };
    }
  }
  // The lookup is by hash, so its timing tells nothing about any stored token.
  const token = await useTokenByHash(db, hash);
  if (!token) return { ok: false, reason: 'unknown_token' };
  if (token.revokedAt !== null) return { ok: false, reason: 'revoked_token', tokenId: token.id };
  if (token.expired) return { ok: false, reason: 'expired', tokenId: token.id };
  return { ok: true, actor: { agentId: token.agentId, name: token.name, role: token.role, tokenId: token.id } };
}
