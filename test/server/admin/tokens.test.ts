import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// Token management over HTTP and the audit log reader.

let app: AdminApp;

beforeAll(async () => {
  app = await startAdminApp();
});

afterAll(async () => {
  await app?.stop();
});

const asAdmin = (method: string, path: string, body?: unknown) =>
  app.request(method, path, { token: TEST_ADMIN_TOKEN, body });

describe('tokens', () => {
  it('creates a token shown once, which works until it is revoked and then gets 401', async () => {
    const created = await asAdmin('POST', '/api/admin/tokens', { name: '  Agent Chidi ', role: 'agent' });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toMatchObject({ status: 'success', name: 'Agent Chidi', role: 'agent', revokedAt: null });
    const { token, id } = created.body as { token: string; id: number };
    expect(token).toMatch(/^edb_[A-Za-z0-9_-]{43}$/);

    const used = await app.request('GET', '/api/admin/conversations', { token });
    expect(used.status).toBe(200);
    const listed = await asAdmin('GET', '/api/admin/tokens');
    const entry = listed.body.tokens.find((t: { id: number }) => t.id === id);
    expect(entry).toEqual({
      id,
      agentId: created.body.agentId,
      name: 'Agent Chidi',
      role: 'agent',
      createdAt: expect.any(String),
      revokedAt: null,
      lastUsedAt: expect.any(String),
      expiresAt: created.body.expiresAt,
    });
    expect(JSON.stringify(listed.body)).not.toContain(token);

    const revoked = await asAdmin('DELETE', `/api/admin/tokens/${id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ status: 'success', id, revokedAt: expect.any(String) });
    expect((await app.request('GET', '/api/admin/conversations', { token })).status).toBe(401);

    // Revoking again is fine and keeps the first revocation time.
    const again = await asAdmin('DELETE', `/api/admin/tokens/${id}`);
    expect(again.status).toBe(200);
    expect(again.body.revokedAt).toBe(revoked.body.revokedAt);
  });

  it('makes a token for the person of that name, or a new person, and audits the request under the holder', async () => {
    const first = await asAdmin('POST', '/api/admin/tokens', { name: 'Agent Uche', role: 'agent' });
    const second = await asAdmin('POST', '/api/admin/tokens', { name: ' Agent Uche', role: 'admin' });
    const other = await asAdmin('POST', '/api/admin/tokens', { name: 'Agent Uchenna', role: 'agent' });
    expect([first.status, second.status, other.status]).toEqual([201, 201, 201]);
    expect(first.body.agentId).toEqual(expect.any(Number));
    expect(second.body.agentId).toBe(first.body.agentId);
    expect(other.body.agentId).not.toBe(first.body.agentId);

    // Both of Uche's tokens act as Uche.
    for (const { token } of [first.body, second.body] as { token: string }[]) {
      await app.request('GET', '/api/admin/conversations', { token });
      expect(await lastAudit(app.db)).toMatchObject({ actor: 'Agent Uche', action: 'conversations.list' });
    }
    await asAdmin('GET', '/api/admin/conversations');
    expect(await lastAudit(app.db)).toMatchObject({ actor: 'Admin', actor_token_id: null });
  });

  it('asks for a bearer token in the 401 answer, and accepts the scheme in any case', async () => {
    const refused = await app.request('GET', '/api/admin/tokens', { authorization: 'Basic YWRtaW46YWRtaW4=' });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="edubot-admin"');
    expect(
      (await app.request('GET', '/api/admin/tokens', { authorization: `bearer ${TEST_ADMIN_TOKEN}` })).status,
    ).toBe(200);
    expect((await app.request('GET', '/api/admin/tokens', { authorization: 'Bearer' })).status).toBe(401);
    expect(
      (await app.request('GET', '/api/admin/tokens', { authorization: `Bearer ${TEST_ADMIN_TOKEN} extra` })).status,
    ).toBe(401);
  });

  it('stores only the SHA-256 of a token, never the token', async () => {
    const { token, id } = (await asAdmin('POST', '/api/admin/tokens', { name: 'Hash check', role: 'admin' })).body as {
      token: string;
      id: number;
    };
    const { rows } = await app.db.query<{ text: string; token_hash: string }>(
      'select row_to_json(t)::text as text, token_hash from admin_tokens t where id = $1',
      [id],
    );
    expect(rows[0]!.text).not.toContain(token);
    expect(rows[0]!.text).not.toContain(token.slice(4));
    const crypto = await import('node:crypto');
    expect(rows[0]!.token_hash).toBe(crypto.createHash('sha256').update(token).digest('hex'));
    const everything = await app.db.query<{ text: string }>(
      `select string_agg(row_to_json(a)::text, '') as text from audit_log a`,
    );
    expect(everything.rows[0]!.text).not.toContain(token);
  });

  it('lets a new admin token manage tokens, and an agent token not', async () => {
    const admin = (await asAdmin('POST', '/api/admin/tokens', { name: 'Second admin', role: 'admin' })).body
      .token as string;
    const agent = (await asAdmin('POST', '/api/admin/tokens', { name: 'Plain agent', role: 'agent' })).body
      .token as string;
    expect((await app.request('GET', '/api/admin/tokens', { token: admin })).status).toBe(200);
    expect((await app.request('GET', '/api/admin/tokens', { token: agent })).status).toBe(403);
    expect(
      (await app.request('POST', '/api/admin/tokens', { token: agent, body: { name: 'x', role: 'admin' } })).status,
    ).toBe(403);
  });

  it.each([
    ['no name', { role: 'agent' }],
    ['an empty name', { name: '  ', role: 'agent' }],
    ['a reserved name', { name: 'admin_token', role: 'admin' }],
    ["the environment admin's name", { name: 'Admin', role: 'admin' }],
    ["the environment admin's name in other letters", { name: 'ＡＤＭＩＮ', role: 'agent' }],
    ['the anonymous name', { name: 'Anonymous', role: 'agent' }],
    ['a name over 100 characters', { name: 'n'.repeat(101), role: 'agent' }],
    ['a control character', { name: 'bad\nname', role: 'agent' }],
    ['U+0000', { name: 'bad\0name', role: 'agent' }],
    ['an unpaired surrogate', { name: 'bad\udc00name', role: 'agent' }],
    ['an unknown role', { name: 'Someone', role: 'owner' }],
  ])('answers 400 invalid_body to %s', async (_label, body) => {
    const answer = await asAdmin('POST', '/api/admin/tokens', body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_body' } });
  });

  it('answers 400 invalid_json to a body that is not JSON', async () => {
    const answer = await asAdmin('POST', '/api/admin/tokens', 'name=x&role=agent');
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_json');
  });

  it('answers 404 token_not_found for an unknown id and 400 for one that is not a number', async () => {
    const unknown = await asAdmin('DELETE', '/api/admin/tokens/999999');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('token_not_found');
    const bad = await asAdmin('DELETE', '/api/admin/tokens/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_token_id');
  });
});

const DAY_MS = 24 * 60 * 60 * 1000;
/** Days from now to an ISO date the API answered. */
const daysAway = (iso: string) => (Date.parse(iso) - Date.now()) / DAY_MS;

describe('token expiry', () => {
  it('gives an agent token 90 days unless asked, and an admin token no expiry unless asked', async () => {
    const agent = await asAdmin('POST', '/api/admin/tokens', { name: 'Agent Kemi', role: 'agent' });
    expect(agent.status).toBe(201);
    expect(daysAway(agent.body.expiresAt)).toBeCloseTo(90, 2);
    const admin = await asAdmin('POST', '/api/admin/tokens', { name: 'Admin Kola', role: 'admin' });
    expect(admin.body.expiresAt).toBeNull();

    const week = await asAdmin('POST', '/api/admin/tokens', { name: 'Agent Kemi', role: 'agent', expiresInDays: 7 });
    expect(daysAway(week.body.expiresAt)).toBeCloseTo(7, 2);
    const at = new Date(Date.now() + 30 * DAY_MS).toISOString();
    const dated = await asAdmin('POST', '/api/admin/tokens', { name: 'Admin Kola', role: 'admin', expiresAt: at });
    expect(dated.body.expiresAt).toBe(at);

    const listed = (await asAdmin('GET', '/api/admin/tokens')).body.tokens as { id: number; expiresAt: unknown }[];
    const expiryOf = (id: number) => listed.find((t) => t.id === id)?.expiresAt;
    expect([agent, admin, week, dated].map((t) => expiryOf(t.body.id))).toEqual(
      [agent, admin, week, dated].map((t) => t.body.expiresAt),
    );
  });

  it('refuses a token once it has expired with 401, its event stream included', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = await asAdmin('POST', '/api/admin/tokens', { name: 'Agent Brief', role: 'agent', expiresAt });
    expect(created.status).toBe(201);
    const { token } = created.body as { token: string };
    expect((await app.request('GET', '/api/admin/conversations', { token })).status).toBe(200);

    await new Promise((resolve) => setTimeout(resolve, Date.parse(expiresAt) - Date.now() + 200));
    expect((await app.request('GET', '/api/admin/conversations', { token })).status).toBe(401);
    expect((await app.request('GET', '/api/admin/events', { token })).status).toBe(401);
  });

  const inDays = (days: number) => new Date(Date.now() + days * DAY_MS).toISOString();
  it.each([
    ['no days', { expiresInDays: 0 }],
    ['more than 365 days', { expiresInDays: 366 }],
    ['part of a day', { expiresInDays: 1.5 }],
    ['days as text', { expiresInDays: '7' }],
    ['a date in the past', { expiresAt: inDays(-1) }],
    ['a date more than 365 days away', { expiresAt: inDays(366) }],
    ['a date without a time', { expiresAt: '2030-01-01' }],
    ['not a date', { expiresAt: 'tomorrow' }],
    ['both', { expiresInDays: 7, expiresAt: inDays(7) }],
  ])('answers 400 invalid_body to an expiry of %s', async (_label, expiry) => {
    const answer = await asAdmin('POST', '/api/admin/tokens', { name: 'Agent Odd', role: 'agent', ...expiry });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_body' } });
  });
});

describe('POST /api/admin/tokens/self/revoke', () => {
  it("revokes the caller's own token: it gets 401 afterwards, and the request is audited", async () => {
    const { token, id } = await app.token('agent', 'Agent Leaving');
    const other = await app.token('agent', 'Agent Staying');
    const answer = await app.request('POST', '/api/admin/tokens/self/revoke', { token });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'success', id, revokedAt: expect.any(String), chatsReturned: [] });
    expect(await lastAudit(app.db)).toMatchObject({
      actor: 'Agent Leaving',
      action: 'token.revoke_self',
      outcome: 'ok',
      details: { tokenId: id },
    });
    expect((await app.request('GET', '/api/admin/conversations', { token })).status).toBe(401);
    expect((await app.request('POST', '/api/admin/tokens/self/revoke', { token })).status).toBe(401);
    // Nobody else's token is touched.
    expect((await app.request('GET', '/api/admin/conversations', { token: other.token })).status).toBe(200);
  });

  it("answers 409 to the environment's ADMIN_TOKEN, which stays valid, and 401 without a token", async () => {
    const answer = await asAdmin('POST', '/api/admin/tokens/self/revoke');
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('token_not_revocable');
    expect((await asAdmin('GET', '/api/admin/tokens')).status).toBe(200);
    expect((await app.request('POST', '/api/admin/tokens/self/revoke')).status).toBe(401);
  });
});

describe('GET /api/admin/audit', () => {
  it("lists entries newest first, filtered by a contact's phone and by action, page by page", async () => {
    const agent = (await asAdmin('POST', '/api/admin/tokens', { name: 'Auditor target', role: 'agent' })).body
      .token as string;
    const phone = '15550006001';
    // Two students who wrote (the API names a contact, never a number that never wrote), with no
    // conversation stored yet: each request ends in a 404 that still names the contact.
    const contactId = await app.contact(phone);
    await app.contact('15550006002');
    for (let i = 0; i < 3; i++) await app.request('GET', `/api/admin/conversations/+${phone}`, { token: agent });
    await app.request('GET', '/api/admin/conversations/15550006002', { token: agent });
    await app.request('GET', '/api/admin/tokens', { token: agent });

    const byPhone = await asAdmin('GET', `/api/admin/audit?phone=${encodeURIComponent('+1 555-000-6001')}`);
    expect(byPhone.status).toBe(200);
    expect(byPhone.body.entries).toHaveLength(3);
    expect(byPhone.body.entries[0]).toMatchObject({
      actor: 'Auditor target',
      role: 'agent',
      action: 'conversations.get',
      contactId,
      outcome: 'conversation_not_found',
      httpStatus: 404,
    });
    const ids = byPhone.body.entries.map((e: { id: number }) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));

    const forbidden = await asAdmin('GET', '/api/admin/audit?action=token.list&limit=1');
    expect(forbidden.body.entries[0]).toMatchObject({ actor: 'Auditor target', outcome: 'forbidden', httpStatus: 403 });

    const first = await asAdmin('GET', `/api/admin/audit?phone=${contactId}&limit=2`);
    expect(first.body.entries).toHaveLength(2);
    const second = await asAdmin('GET', `/api/admin/audit?phone=${phone}&limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body.entries).toHaveLength(1);
    expect(second.body).not.toHaveProperty('nextCursor');
    expect([...first.body.entries, ...second.body.entries].map((e: { id: number }) => e.id)).toEqual(ids);
  });

  it.each([
    ['limit=500', 'invalid_query'],
    ['phone=a%20b', 'invalid_contact'],
    ['action=DROP%20TABLE', 'invalid_query'],
    ['cursor=-1', 'invalid_query'],
  ])('answers 400 to ?%s', async (query, code) => {
    const answer = await asAdmin('GET', `/api/admin/audit?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe(code);
  });

  it('answers 404 conversation_not_found to ?phone= of a number that never wrote', async () => {
    const answer = await asAdmin('GET', '/api/admin/audit?phone=15550006999');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('conversation_not_found');
  });
});
