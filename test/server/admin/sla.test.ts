import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// GET/PUT /api/admin/sla (SPEC §7.6): targets per priority as durations on the wire, milliseconds of
// business time in the store; a warning share in (0, 1); escalation on or off. Agents read, admins
// write, every write audited and announced to the consoles.

const PATH = '/api/admin/sla';

let app: AdminApp;
let agent: string;

beforeAll(async () => {
  app = await startAdminApp();
  agent = (await app.token('agent', 'Agent Obi')).token;
});

afterAll(async () => {
  await app?.stop();
});

const put = (body: unknown, token = TEST_ADMIN_TOKEN) => app.request('PUT', PATH, { token, body });

const VALID = {
  firstResponse: { urgent: '15m', normal: '1h' },
  resolution: { normal: '1d', low: '3d' },
  warnAt: 0.8,
  escalate: true,
};

describe('SLA targets', () => {
  it('answers no targets until an admin sets some', async () => {
    const answer = await app.request('GET', PATH, { token: agent });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'success',
      firstResponse: {},
      resolution: {},
      warnAt: 0.8,
      escalate: false,
      updatedAt: null,
    });
  });

  it('stores targets in milliseconds, answers them as durations, audits the change and tells the consoles', async () => {
    const saved = await put({ ...VALID, firstResponse: { urgent: '15m', normal: '1.5h', high: '5400s' } });
    expect(saved.status).toBe(200);
    const expected = {
      firstResponse: { normal: '90m', high: '90m', urgent: '15m' },
      resolution: { low: '3d', normal: '1d' },
      warnAt: 0.8,
      escalate: true,
    };
    expect(saved.body).toMatchObject({ status: 'success', ...expected });

    const { rows } = await app.db.query<{ value: unknown }>(`select value from support_settings where name = 'sla'`);
    expect(rows[0]!.value).toEqual({
      firstResponse: { urgent: 900_000, normal: 5_400_000, high: 5_400_000 },
      resolution: { normal: 86_400_000, low: 259_200_000 },
      warnAt: 0.8,
      escalate: true,
    });
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'sla.set',
      actor: 'Admin',
      outcome: 'ok',
      http_status: 200,
      details: { targets: 5, warnAt: 0.8, escalate: true },
    });
    const { rows: events } = await app.db.query(`select payload from events where kind = 'support_settings'`);
    expect(events.map((e) => e.payload)).toEqual([{ setting: 'sla' }]);

    const read = await app.request('GET', PATH, { token: agent });
    expect(read.body).toEqual({ status: 'success', ...expected, updatedAt: saved.body.updatedAt });
  });

  it('clears every target with empty lists', async () => {
    const saved = await put({ firstResponse: {}, resolution: {}, warnAt: 0.5, escalate: false });
    expect(saved.status).toBe(200);
    expect((await app.request('GET', PATH, { token: agent })).body).toMatchObject({
      firstResponse: {},
      resolution: {},
      warnAt: 0.5,
      escalate: false,
    });
  });

  it.each([
    [
      'an unknown priority',
      { ...VALID, firstResponse: { someday: '1h' } },
      'firstResponse: Unrecognized key: "someday"',
    ],
    [
      'a target under a minute',
      { ...VALID, firstResponse: { normal: '30s' } },
      'firstResponse.normal: must be from 1m to 30d',
    ],
    ['a target over thirty days', { ...VALID, resolution: { low: '31d' } }, 'resolution.low: must be from 1m to 30d'],
    ['a target that is no duration', { ...VALID, resolution: { low: 'a week' } }, 'resolution.low: must be a duration'],
    ['a target as a number', { ...VALID, resolution: { low: 3600000 } }, 'resolution.low'],
    ['warnAt of 1', { ...VALID, warnAt: 1 }, 'warnAt: must be between 0 and 1'],
    ['warnAt of 0', { ...VALID, warnAt: 0 }, 'warnAt: must be between 0 and 1'],
    ['no escalate', { firstResponse: {}, resolution: {}, warnAt: 0.8 }, 'escalate'],
    ['an unknown field', { ...VALID, breachAt: 1 }, 'Unrecognized key: "breachAt"'],
  ])('refuses %s with a 400 saying what is wrong, and stores nothing', async (_case, body, message) => {
    const before = await app.request('GET', PATH, { token: agent });
    const refused = await put(body);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_sla');
    expect(refused.body.error.message).toContain(message);
    expect(await lastAudit(app.db)).toMatchObject({ action: 'sla.set', http_status: 400, outcome: 'invalid_sla' });
    expect((await app.request('GET', PATH, { token: agent })).body).toEqual(before.body);
  });

  it('lets only admins write (403 for an agent) and nobody without a token (401)', async () => {
    const byAgent = await put(VALID, agent);
    expect(byAgent.status).toBe(403);
    expect(await lastAudit(app.db)).toMatchObject({ action: 'sla.set', actor: 'Agent Obi', http_status: 403 });
    expect((await app.request('PUT', PATH, { body: VALID })).status).toBe(401);
    expect((await app.request('GET', PATH)).status).toBe(401);
  });
});
