import { quarantineItems } from '../../../src/db/quarantine';
import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// GET /api/admin/quarantine and the quarantine's figure in /metrics, over what the table holds.

let app: AdminApp;

beforeAll(async () => {
  app = await startAdminApp();
  await quarantineItems(app.db, [
    { source: 'webhook_message', reason: 'invalid_id', raw: { id: 'wamid.\0', type: 'text' } },
    { source: 'webhook_status', reason: 'unknown_status', raw: { id: 'wamid.A', status: 'deleted' } },
    { source: 'webhook_status', reason: 'invalid_id', raw: { id: '', status: 'read' } },
  ]);
});

afterAll(async () => {
  await app?.stop();
});

const asAdmin = (path: string) => app.request('GET', path, { token: TEST_ADMIN_TOKEN });

describe('GET /api/admin/quarantine', () => {
  it('lists what was set aside, newest first, with reason, source and the raw item, a page at a time', async () => {
    const first = await asAdmin('/api/admin/quarantine?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([
      {
        id: expect.any(Number),
        at: expect.any(String),
        source: 'webhook_status',
        reason: 'invalid_id',
        contactId: null,
        raw: '{"id":"","status":"read"}',
        rawTruncated: false,
      },
      expect.objectContaining({ source: 'webhook_status', reason: 'unknown_status' }),
    ]);
    expect(first.body.nextCursor).toEqual(expect.any(String));

    const rest = await asAdmin(`/api/admin/quarantine?limit=2&cursor=${first.body.nextCursor}`);
    expect(rest.body.items).toEqual([
      expect.objectContaining({
        source: 'webhook_message',
        reason: 'invalid_id',
        raw: '{"id":"wamid.\\u0000","type":"text"}',
      }),
    ]);
    expect(rest.body).not.toHaveProperty('nextCursor');
  });

  it('filters by source and by reason', async () => {
    const statuses = await asAdmin('/api/admin/quarantine?source=webhook_status');
    expect(statuses.body.items.map((i: { reason: string }) => i.reason)).toEqual(['invalid_id', 'unknown_status']);
    const invalid = await asAdmin('/api/admin/quarantine?reason=invalid_id');
    expect(invalid.body.items.map((i: { source: string }) => i.source)).toEqual(['webhook_status', 'webhook_message']);
  });

  it("filters a conversation's own items by its contact, named by a phone in any format, its id or its BSUID", async () => {
    const own = await app.contact({ phone: '15550007001', bsuid: 'NG.7001' });
    const other = await app.contact('15550007002');
    await quarantineItems(app.db, [
      {
        source: 'conversation',
        reason: 'step_failed',
        contactId: own,
        raw: { inbound: { waMessageId: 'wamid.S' } },
      },
      { source: 'conversation', reason: 'store_refused', contactId: other, raw: { event: { type: 'timer' } } },
    ]);
    for (const reference of ['+1 555 000 7001', own, 'NG.7001']) {
      const answer = await asAdmin(`/api/admin/quarantine?phone=${encodeURIComponent(reference)}`);
      expect(answer.body.items).toEqual([
        expect.objectContaining({ source: 'conversation', reason: 'step_failed', contactId: own }),
      ]);
    }
    expect((await asAdmin('/api/admin/quarantine?source=conversation')).body.items).toHaveLength(2);
    const unknown = await asAdmin('/api/admin/quarantine?phone=15550007999');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('conversation_not_found');
  });

  it('answers 400 to a query it does not understand', async () => {
    for (const query of ['reason=nonsense', 'source=sms', 'cursor=abc', 'limit=0']) {
      const answer = await asAdmin(`/api/admin/quarantine?${query}`);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_query' } });
    }
    const noContact = await asAdmin(`/api/admin/quarantine?phone=${encodeURIComponent('12 ab!')}`);
    expect(noContact.status).toBe(400);
    expect(noContact.body).toMatchObject({ status: 'error', error: { code: 'invalid_contact' } });
  });

  it('is for admins only: 401 without a token, 403 for an agent; each request is audited', async () => {
    expect((await app.request('GET', '/api/admin/quarantine')).status).toBe(401);
    const agent = await app.token('agent');
    const refused = await app.request('GET', '/api/admin/quarantine', { token: agent.token });
    expect(refused.status).toBe(403);
    expect(await lastAudit(app.db)).toMatchObject({ action: 'quarantine.list', outcome: 'forbidden' });

    await asAdmin('/api/admin/quarantine?reason=unknown_status&limit=5');
    const row = await lastAudit(app.db);
    expect(row).toMatchObject({ action: 'quarantine.list', outcome: 'ok', http_status: 200, actor: 'Admin' });
    expect(row!.details).toEqual({ reason: 'unknown_status', limit: 5 });
  });
});

describe('edubot_quarantined_total', () => {
  it('counts the quarantined items by reason, every reason shown', async () => {
    const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(text).toContain('# TYPE edubot_quarantined_total counter');
    expect(text).toMatch(/^edubot_quarantined_total\{reason="invalid_id"\} 2$/m);
    expect(text).toMatch(/^edubot_quarantined_total\{reason="unknown_status"\} 1$/m);
    expect(text).toMatch(/^edubot_quarantined_total\{reason="malformed"\} 0$/m);
    expect(text).toMatch(/^edubot_quarantined_total\{reason="step_failed"\} 1$/m);
  });
});
