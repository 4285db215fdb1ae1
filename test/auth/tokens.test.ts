import { AgentName, checkToken, createToken, generateToken, hashToken } from '../../src/auth/tokens';
import { canSignIn, getAdminAgent, getAgent, listAgents } from '../../src/db/agents';
import type { Db } from '../../src/db/pool';
import { isTokenActive, listTokens, revokeToken } from '../../src/db/tokens';
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
  it('recognises the environment\'s ADMIN_TOKEN as the admin person "Admin", without a token row', async () => {
    const { rows } = await database.db.query<{ id: string }>("select id from agents where name = 'Admin'");
    expect(rows).toHaveLength(1);
    expect(await checkToken(database.db, config, 'env-admin-token')).toEqual({
      ok: true,
      actor: { agentId: Number(rows[0]!.id), name: 'Admin', role: 'admin' },
    });
    expect(await checkToken(database.db, config, 'env-admin-tokeN')).toEqual({ ok: false, reason: 'unknown_token' });
  });

  it("recognises a stored token with its person's id and name and its role, and marks it used", async () => {
    const { token, info } = await createToken(database.db, { name: 'Agent Bola', role: 'agent' });
    expect(info.lastUsedAt).toBeNull();
    expect(await getAgent(database.db, info.agentId)).toEqual({ id: info.agentId, name: 'Agent Bola' });
    expect(await checkToken(database.db, config, token)).toEqual({
      ok: true,
      actor: { agentId: info.agentId, name: 'Agent Bola', role: 'agent', tokenId: info.id },
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

  it('tells an expired token from a revoked and an unknown one, and leaves its last use alone', async () => {
    const expiresAt = new Date(Date.now() + 1000);
    const { token, info } = await createToken(database.db, { name: 'Agent Brief', role: 'agent', expiresAt });
    expect(info.expiresAt).toEqual(expiresAt);
    expect((await checkToken(database.db, config, token)).ok).toBe(true);
    expect(await isTokenActive(database.db, info.id)).toBe(true);
    await database.db.query('update admin_tokens set last_used_at = null where id = $1', [info.id]);

    await new Promise((resolve) => setTimeout(resolve, expiresAt.getTime() - Date.now() + 100));
    expect(await checkToken(database.db, config, token)).toEqual({ ok: false, reason: 'expired', tokenId: info.id });
    expect(await isTokenActive(database.db, info.id)).toBe(false);
    expect((await listTokens(database.db)).find((t) => t.id === info.id)?.lastUsedAt).toBeNull();
  });

  it('lets a person sign in while any of their tokens is neither revoked nor expired', async () => {
    const first = await createToken(database.db, { name: 'Agent Two Keys', role: 'agent' });
    const second = await createToken(database.db, { name: 'Agent Two Keys', role: 'agent', expiresInDays: 1 });
    const agentId = first.info.agentId;
    expect(await canSignIn(database.db, agentId)).toBe(true);
    await revokeToken(database.db, first.info.id);
    expect(await canSignIn(database.db, agentId)).toBe(true);
    await database.db.query("update admin_tokens set expires_at = now() - interval '1 second' where id = $1", [
      second.info.id,
    ]);
    expect(await canSignIn(database.db, agentId)).toBe(false);
    // The environment's ADMIN_TOKEN has no row and never expires.
    expect(await canSignIn(database.db, (await getAdminAgent(database.db)).id)).toBe(true);
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

describe('createToken', () => {
  it('gives a token for a name that exists to that person, and one for a new name to a new person', async () => {
    const first = await createToken(database.db, { name: 'Ngozi Eze', role: 'agent' });
    const second = await createToken(database.db, { name: 'Ngozi Eze', role: 'admin' });
    const other = await createToken(database.db, { name: 'ngozi eze', role: 'agent' });
    expect(second.info.agentId).toBe(first.info.agentId);
    expect(second.info.id).not.toBe(first.info.id);
    expect(other.info.agentId).not.toBe(first.info.agentId);
    const people = await listAgents(database.db);
    expect(people.filter((p) => p.name === 'Ngozi Eze')).toEqual([{ id: first.info.agentId, name: 'Ngozi Eze' }]);
    expect(people.map((p) => p.id)).toEqual([...people.map((p) => p.id)].sort((a, b) => a - b));
  });

  it('makes one person of a new name however many tokens are made for it at once', async () => {
    const made = await Promise.all(
      Array.from({ length: 8 }, () => createToken(database.db, { name: 'Tunde at once', role: 'agent' })),
    );
    expect(new Set(made.map((m) => m.info.agentId)).size).toBe(1);
    expect(new Set(made.map((m) => m.info.id)).size).toBe(8);
    expect((await listAgents(database.db)).filter((p) => p.name === 'Tunde at once')).toHaveLength(1);
  });
});

describe('getAgent and getAdminAgent', () => {
  it('finds a person by id, the environment admin by its name, and nobody for an unknown id', async () => {
    const admin = await getAdminAgent(database.db);
    expect(admin.name).toBe('Admin');
    expect(await getAgent(database.db, admin.id)).toEqual(admin);
    expect(await getAgent(database.db, 999_999_999)).toBeUndefined();
  });
});

describe('AgentName', () => {
  it.each(['Ada', 'Agent Ada Obi', 'ada@example.com', 'Émile', 'Ada 👩‍👩‍👧', 'Ada 🇳🇬'])('accepts %j', (name) => {
    expect(AgentName.safeParse(name).success).toBe(true);
  });

  it.each([
    '',
    '   ',
    'ADMIN_TOKEN',
    'admin_token',
    'Admin',
    'ADMIN',
    ' admin ',
    'Ａｄｍｉｎ',
    'Ad\u200dmin',
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
    expect(AgentName.safeParse(name).success).toBe(false);
  });
});
