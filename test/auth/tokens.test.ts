import { checkToken, createToken, generateToken, hashToken, TokenName } from '../../src/auth/tokens';
import type { Db } from '../../src/db/pool';
import { listTokens, revokeToken } from '../../src/db/tokens';
import { createTestDatabase } from '../helpers/database';

// Token generation, hashing and checking against the table and the environment's ADMIN_TOKEN.

let database: { db: Db; drop(): Promise<void> };
const config = { adminToken: 'env-admin-token' };

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});

afterAll(async () => {
  await database?.drop();
});

describe('generateToken and hashToken', () => {
  it('makes distinct, prefixed tokens of 256 random bits', () => {
    const tokens = new Set(Array.from({ length: 100 }, generateToken));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^edb_[A-Za-z0-9_-]{43}$/);
  });

  it('hashes to lowercase hex SHA-256', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('checkToken', () => {
  it("recognises the environment's ADMIN_TOKEN as an admin without a table row", async () => {
    expect(await checkToken(database.db, config, 'env-admin-token')).toEqual({
      ok: true,
      actor: { name: 'ADMIN_TOKEN', role: 'admin' },
    });
    expect(await checkToken(database.db, config, 'env-admin-tokeN')).toEqual({ ok: false, reason: 'unknown_token' });
  });

  it('recognises a stored token with its name and role, and marks it used', async () => {
    const { token, info } = await createToken(database.db, { name: 'Agent Bola', role: 'agent' });
    expect(info.lastUsedAt).toBeNull();
    expect(await checkToken(database.db, config, token)).toEqual({
      ok: true,
      actor: { name: 'Agent Bola', role: 'agent', tokenId: info.id },
    });
    const stored = (await listTokens(database.db)).find((t) => t.id === info.id)!;
    expect(stored.lastUsedAt).toBeInstanceOf(Date);
  });

  it('tells a revoked token from an unknown one', async () => {
    const { token, info } = await createToken(database.db, { name: 'Agent Gone', role: 'agent' });
    await revokeToken(database.db, info.id);
    expect(await checkToken(database.db, config, token)).toEqual({
      ok: false,
      reason: 'revoked_token',
      tokenId: info.id,
    });
    expect(await checkToken(database.db, config, generateToken())).toEqual({ ok: false, reason: 'unknown_token' });
  });

  it('keeps the plain token out of the table', async () => {
    const { token } = await createToken(database.db, { name: 'Agent Secret', role: 'admin' });
    const { rows } = await database.db.query<{ text: string }>(
      `select string_agg(row_to_json(t)::text, '') as text from admin_tokens t`,
    );
    expect(rows[0]!.text).not.toContain(token);
    expect(rows[0]!.text).toContain(hashToken(token));
  });
});

describe('TokenName', () => {
  it.each(['Ada', 'Agent Ada Obi', 'ada@example.com', 'Émile', 'Ada 👩‍👩‍👧', 'Ada 🇳🇬'])('accepts %j', (name) => {
    expect(TokenName.safeParse(name).success).toBe(true);
  });

  it.each([
    '',
    '   ',
    'ADMIN_TOKEN',
    'admin_token',
    'anonymous',
    'tab\there',
    'x'.repeat(101),
    // Names that read as another: invisible, direction and separator characters, fullwidth letters.
    'ADMIN\u200b_TOKEN',
    'Ada\u202eobI',
    'Ada\u2028Obi',
    'Ada\ufeffObi',
    'ＡＤＭＩＮ_ＴＯＫＥＮ',
    'anony\u200dmous',
  ])('refuses %j', (name) => {
    expect(TokenName.safeParse(name).success).toBe(false);
  });
});
