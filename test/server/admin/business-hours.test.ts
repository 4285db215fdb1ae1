import { ALWAYS_OPEN, type BusinessHours } from '../../../domain/business-hours';
import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// GET/PUT /api/admin/business-hours (SPEC §7.6): every agent reads the hours with whether the team is
// open and when that changes; only admins write them, each write checked, audited and announced to
// every console by a `support_settings` event. The app runs without BUSINESS_HOURS: always open.

const PATH = '/api/admin/business-hours';
const DAY_MS = 86_400_000;

let app: AdminApp;
let agent: string;

beforeAll(async () => {
  app = await startAdminApp();
  agent = (await app.token('agent', 'Agent Kemi')).token;
});

afterAll(async () => {
  await app?.stop();
});

const put = (body: unknown, token = TEST_ADMIN_TOKEN) => app.request('PUT', PATH, { token, body });

function everyDay(intervals: [string, string][]): BusinessHours['weekly'] {
  return {
    mon: intervals,
    tue: intervals,
    wed: intervals,
    thu: intervals,
    fri: intervals,
    sat: intervals,
    sun: intervals,
  };
}

/** The UTC calendar date `days` after today's. */
function utcDate(days: number): string {
  return new Date(Date.now() + days * DAY_MS).toISOString().slice(0, 10);
}

async function settingsEvents(): Promise<unknown[]> {
  const { rows } = await app.db.query<{ payload: unknown }>(
    `select payload from events where kind = 'support_settings' order by id`,
  );
  return rows.map((r) => r.payload);
}

describe('business hours', () => {
  it('answers the start-up default to an agent until an admin sets hours: always open, no change ahead', async () => {
    const answer = await app.request('GET', PATH, { token: agent });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      status: 'success',
      ...ALWAYS_OPEN,
      openNow: true,
      nextChange: null,
      updatedAt: null,
    });
  });

  it('stores what an admin puts, answers it with openNow and nextChange, audits it and tells the consoles', async () => {
    // Open round the clock but for two holidays, today and tomorrow: closed until the day after's midnight.
    const hours: BusinessHours = {
      timezone: 'UTC',
      weekly: everyDay([['00:00', '24:00']]),
      holidays: [
        { date: utcDate(0), name: 'Founders day of Ms Adaeze' },
        { date: utcDate(1), name: 'The day after' },
      ],
    };
    const reopens = `${utcDate(2)}T00:00:00.000Z`;

    const saved = await put(hours);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ status: 'success', ...hours, openNow: false, nextChange: reopens });
    expect(Date.parse(saved.body.updatedAt)).not.toBeNaN();

    const audit = await lastAudit(app.db);
    expect(audit).toMatchObject({ action: 'business_hours.set', actor: 'Admin', outcome: 'ok', http_status: 200 });
    expect(audit!.details).toEqual({ timezone: 'UTC', intervals: 7, holidays: 2, exceptions: 0 });
    expect(JSON.stringify(audit)).not.toContain('Adaeze');
    expect(await settingsEvents()).toEqual([{ setting: 'business_hours' }]);

    const read = await app.request('GET', PATH, { token: agent });
    const { message: _message, timestamp: _timestamp, ...savedHours } = saved.body as Record<string, unknown>;
    expect(read.body).toEqual(savedHours);
  });

  it('keeps exceptions and answers a team that never opens as closed with no change ahead', async () => {
    const hours: BusinessHours = {
      timezone: 'Africa/Lagos',
      weekly: everyDay([]),
      holidays: [],
      exceptions: [{ date: '2020-01-04', hours: [['09:00', '13:00']], name: 'A Saturday long gone' }],
    };
    const saved = await put(hours);
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ ...hours, openNow: false, nextChange: null });
    expect((await app.request('GET', PATH, { token: agent })).body).toMatchObject({ ...hours, openNow: false });
  });

  it.each([
    ['an unknown time zone', { ...ALWAYS_OPEN, timezone: 'Mars/Olympus' }, 'timezone: must be an IANA time zone name'],
    [
      'an interval closing before it opens',
      { ...ALWAYS_OPEN, weekly: { ...ALWAYS_OPEN.weekly, mon: [['17:00', '08:00']] } },
      'weekly.mon.0: must close after it opens',
    ],
    [
      'overlapping intervals',
      {
        ...ALWAYS_OPEN,
        weekly: {
          ...ALWAYS_OPEN.weekly,
          tue: [
            ['08:00', '12:00'],
            ['11:00', '13:00'],
          ],
        },
      },
      'weekly.tue.1: must start at or after the previous interval ends',
    ],
    ['a missing day', { ...ALWAYS_OPEN, weekly: { mon: [] } }, 'weekly.tue'],
    ['an unknown day', { ...ALWAYS_OPEN, weekly: { ...ALWAYS_OPEN.weekly, funday: [] } }, 'funday'],
    [
      'a holiday on no calendar date',
      { ...ALWAYS_OPEN, holidays: [{ date: '2026-02-30', name: 'Nope' }] },
      'holidays.0.date: must be a calendar date',
    ],
    [
      'a date listed twice',
      {
        ...ALWAYS_OPEN,
        holidays: [
          { date: '2026-12-25', name: 'Christmas' },
          { date: '2026-12-25', name: 'Again' },
        ],
      },
      '2026-12-25 is listed twice',
    ],
    ['a body that is no object', [1, 2], 'Invalid business hours'],
  ])('refuses %s with a 400 saying what is wrong, and stores nothing', async (_case, body, message) => {
    const before = await app.request('GET', PATH, { token: agent });
    const refused = await put(body);
    expect(refused.status).toBe(400);
    expect(refused.body.status).toBe('error');
    expect(refused.body.error.code).toBe('invalid_business_hours');
    expect(refused.body.error.message).toContain(message);
    expect(await lastAudit(app.db)).toMatchObject({ action: 'business_hours.set', http_status: 400 });
    const after = await app.request('GET', PATH, { token: agent });
    expect(after.body.updatedAt).toBe(before.body.updatedAt);
  });

  it('refuses a body that is not JSON with a 400', async () => {
    const refused = await put('{"timezone":');
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('invalid_json');
  });

  it('lets only admins write (403 for an agent) and nobody without a token (401)', async () => {
    const events = (await settingsEvents()).length;
    const byAgent = await put(ALWAYS_OPEN, agent);
    expect(byAgent.status).toBe(403);
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'business_hours.set',
      actor: 'Agent Kemi',
      outcome: 'forbidden',
      http_status: 403,
    });
    expect((await app.request('PUT', PATH, { body: ALWAYS_OPEN })).status).toBe(401);
    expect((await app.request('GET', PATH)).status).toBe(401);
    expect((await app.request('GET', PATH, { token: 'not-a-token' })).status).toBe(401);
    expect(await settingsEvents()).toHaveLength(events);
  });
});
