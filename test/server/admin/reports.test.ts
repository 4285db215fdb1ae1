import { parseRateCard, type RateCard } from '../../../src/rate-card';
import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';
import {
  expectedFigures,
  insertChats,
  insertMessages,
  localDate,
  randomSource,
  servePriced,
  zonedMidnight,
  type Priority,
  type Range,
  type SeedChat,
  type SeedMessage,
} from './report-seed';

// GET /api/admin/reports/overview|agents|labels over a real Postgres, on chats and messages seeded
// with SQL across two weeks (a DST change in New York among them). Every expected figure is computed
// in the test from the seed (report-seed.ts), per range, zone, local day, filter, agent and label.

const RATE_CARD = parseRateCard('{"currency":"USD","marketing":0.025,"utility":0.004,"authentication":0.03}');
if (typeof RATE_CARD === 'string') throw new Error(RATE_CARD);
const card: RateCard = RATE_CARD;

let app: AdminApp;
let baseUrl: string;
let stopPriced: () => Promise<void>;
let agentToken: string;
const agentIds: number[] = [];
const labelled: Record<string, Set<string>> = { Maths: new Set(), Billing: new Set() };
const labelIds: Record<string, number> = {};
const chats: SeedChat[] = [];
const messages: SeedMessage[] = [];

const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 9, 29, 6); // 2026-10-29 06:00 UTC

beforeAll(async () => {
  app = await startAdminApp();
  agentToken = (await app.token('agent', 'Report Reader')).token;
  // The same app's routes with a rate card, as a server started with WHATSAPP_RATE_CARD serves them.
  const priced = await servePriced(app, card);
  baseUrl = priced.baseUrl;
  stopPriced = () => priced.stop();

  for (const name of ['Zainab', 'Bola', 'Chidi']) {
    const { rows } = await app.db.query<{ id: string }>('insert into agents (name) values ($1) returning id', [name]);
    agentIds.push(Number(rows[0]!.id));
  }
  for (const [name, color] of [
    ['Maths', '#336699'],
    ['Billing', '#993333'],
  ] as const) {
    const { rows } = await app.db.query<{ id: string }>(
      'insert into labels (name, color) values ($1, $2) returning id',
      [name, color],
    );
    labelIds[name] = Number(rows[0]!.id);
  }
  seed();
  for (const contactId of contacts) {
    await app.db.query('insert into contacts (id) values ($1)', [contactId]);
    await app.db.query('insert into conversations (contact_id) values ($1)', [contactId]);
  }
  for (const [name, contacts] of Object.entries(labelled)) {
    for (const contactId of contacts) {
      await app.db.query('insert into conversation_labels (contact_id, label_id) values ($1, $2)', [
        contactId,
        labelIds[name],
      ]);
    }
  }
  await insertChats(app.db, chats);
  await insertMessages(app.db, messages);
}, 120_000);

afterAll(async () => {
  await stopPriced?.();
  await app?.stop();
});

const contacts: string[] = [];

/** Fourteen contacts, each with chats one after another over two weeks, and their messages. */
function seed(): void {
  const random = randomSource(20261207);
  for (let i = 0; i < 14; i++) contacts.push(`ct_${(0xa0000 + i).toString(16).padStart(20, '0')}`);
  contacts.forEach((contactId, i) => {
    if (i % 3 === 0) labelled.Maths!.add(contactId);
    if (i % 4 === 1) labelled.Billing!.add(contactId);
    let at = BASE + random.int(24) * HOUR;
    for (let n = 0; at < BASE + 14 * 24 * HOUR; n++) {
      const startedAt = new Date(at);
      const open = random.next() < 0.08;
      const lasting = (0.2 + random.next() * 30) * HOUR;
      const replied = random.next() < 0.85;
      const firstReplyAt = replied ? new Date(at + random.int(3 * HOUR)) : undefined;
      const endedAt = open ? undefined : new Date(Math.max(at + lasting, (firstReplyAt?.getTime() ?? 0) + 60_000));
      const chat: SeedChat = {
        contactId,
        startedAt,
        ...(endedAt ? { endedAt } : {}),
        ...(firstReplyAt ? { firstReplyAt, frtSeconds: random.int(5400) } : {}),
        ...(endedAt && random.next() < 0.9 ? { resolutionSeconds: random.int(86_400) } : {}),
        ...(random.next() < 0.7 ? { holderAgentId: random.pick(agentIds) } : {}),
        ...(random.next() < 0.8 ? { priority: random.pick<Priority>(['low', 'normal', 'high', 'urgent']) } : {}),
        ...(endedAt && random.next() < 0.6 ? { rating: 1 + random.int(5) } : {}),
      };
      if (firstReplyAt && random.next() < 0.8) {
        const met = random.next() < 0.6;
        chat.slaFirstResponse = met ? 'met' : 'breached';
        chat.firstResponseDueAt = new Date(at + (met ? 4 : 0.5) * HOUR);
      }
      if (endedAt && random.next() < 0.7) {
        const met = random.next() < 0.5;
        chat.slaResolution = met ? 'met' : 'breached';
        chat.resolutionDueAt = new Date(met ? endedAt.getTime() + HOUR : at + lasting / 2);
      }
      chats.push(chat);
      const until = endedAt?.getTime() ?? at + lasting;
      for (let k = random.int(7); k > 0; k--) {
        const sender = random.pick(['user', 'user', 'agent', 'bot', 'business_app'] as const);
        messages.push({
          contactId,
          sender,
          createdAt: new Date(at + random.next() * (until - at)),
          ...(sender !== 'user' && random.next() < 0.7 ? { pricing: randomPricing(random) } : {}),
        });
      }
      // A marketing message between chats: billed, but no chat's.
      messages.push({
        contactId,
        sender: 'bot',
        createdAt: new Date(until + HOUR),
        pricing: { category: 'marketing', type: 'regular', pricingModel: 'PMP', billable: true },
      });
      // A contact has at most one open chat: its last.
      if (open) break;
      at = until + 2 * HOUR + random.int(30) * HOUR;
    }
  });
}

function randomPricing(random: ReturnType<typeof randomSource>): NonNullable<SeedMessage['pricing']> {
  const category = random.pick(['service', 'utility', 'marketing', 'authentication', 'authentication-international']);
  // Before per-message pricing a status had no type, only the (deprecated) billable flag.
  if (random.next() < 0.15) return { category, billable: random.next() < 0.5, pricingModel: 'CBP' };
  const type = random.pick(['regular', 'regular', 'free_customer_service', 'free_entry_point']);
  return { category, type, billable: type === 'regular', pricingModel: 'PMP' };
}

async function get(path: string, token = TEST_ADMIN_TOKEN) {
  const response = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${token}` } });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the test reads the JSON answer freely
  return { status: response.status, body: (await response.json()) as any };
}

/** Local dates from the first to the last, inclusive. */
function datesBetween(first: string, last: string): string[] {
  const dates: string[] = [];
  for (let d = new Date(`${first}T00:00:00Z`); d.toISOString().slice(0, 10) <= last; d.setUTCDate(d.getUTCDate() + 1))
    dates.push(d.toISOString().slice(0, 10));
  return dates;
}

function nextDate(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The figure fields of an answer (without the cost), to compare with `expectedFigures`. */
function figuresOf(body: Record<string, unknown>) {
  const { chatsOpened, chatsClosed, firstResponse, resolution, sla, csat, messages, billable, pricingTypes } = body;
  return { chatsOpened, chatsClosed, firstResponse, resolution, sla, csat, messages, billable, pricingTypes };
}

function expectedCost(billable: Record<string, number>) {
  let total = 0;
  let unpricedMessages = 0;
  const byCategory: Record<string, number> = {};
  for (const [category, count] of Object.entries(billable)) {
    const price = card.prices[category];
    if (price === undefined) unpricedMessages += count;
    else {
      byCategory[category] = count * price;
      total += count * price;
    }
  }
  return { currency: 'USD', total, byCategory, unpricedMessages };
}

function expectCost(answer: { total: number; byCategory: Record<string, number> }, billable: Record<string, number>) {
  const expected = expectedCost(billable);
  expect(answer).toMatchObject({ currency: 'USD', unpricedMessages: expected.unpricedMessages });
  expect(answer.total).toBeCloseTo(expected.total, 6);
  expect(Object.keys(answer.byCategory).sort()).toEqual(Object.keys(expected.byCategory).sort());
  for (const [category, amount] of Object.entries(expected.byCategory))
    expect(answer.byCategory[category]).toBeCloseTo(amount, 6);
}

/** Messages written during one of these chats (from its start to its end, or on while open). */
const duringChats = (chatsOf: readonly SeedChat[]) => (m: SeedMessage) =>
  chatsOf.some(
    (c) =>
      c.contactId === m.contactId &&
      m.createdAt >= c.startedAt &&
      (c.endedAt === undefined || m.createdAt <= c.endedAt),
  );

describe('GET /api/admin/reports/overview', () => {
  it.each(['America/New_York', 'Asia/Kolkata'])(
    'answers every figure of the range and of each local day in %s, as computed from the seed',
    async (tz) => {
      const first = '2026-10-30';
      const last = '2026-11-08';
      const range: Range = { from: zonedMidnight(first, tz), to: zonedMidnight('2026-11-09', tz) };
      const { status, body } = await get(`/api/admin/reports/overview?from=${first}&to=2026-11-09&tz=${tz}`);
      expect(status).toBe(200);
      expect(body).toMatchObject({ status: 'success', from: range.from.toISOString(), to: range.to.toISOString(), tz });
      const expected = expectedFigures(chats, messages, range);
      expect(figuresOf(body)).toEqual(expected);
      // The seed reaches every kind of figure in this range, so none of these checks is vacuous.
      expect(expected.chatsOpened).toBeGreaterThan(20);
      expect(expected.sla.breached).toBeGreaterThan(0);
      expect(expected.csat.count).toBeGreaterThan(5);
      expect(Object.keys(expected.billable).length).toBeGreaterThan(2);
      expectCost(body.cost, expected.billable);

      const days = datesBetween(first, last);
      expect(body.byDay.map((d: { date: string }) => d.date)).toEqual(days);
      for (const [i, date] of days.entries()) {
        const day: Range = { from: zonedMidnight(date, tz), to: zonedMidnight(days[i + 1] ?? '2026-11-09', tz) };
        expect({ date, ...figuresOf(body.byDay[i]) }).toEqual({ date, ...expectedFigures(chats, messages, day) });
      }
      // New York's clocks went back on 1 November: that local day lasted 25 hours.
      if (tz === 'America/New_York') {
        expect(zonedMidnight('2026-11-02', tz).getTime() - zonedMidnight('2026-11-01', tz).getTime()).toBe(25 * HOUR);
      }
    },
  );

  it('takes date-times with an offset, and a day starting mid-range in the zone', async () => {
    const from = new Date(BASE + 50 * HOUR + 30 * 60_000);
    const to = new Date(BASE + 150 * HOUR);
    const { status, body } = await get(
      `/api/admin/reports/overview?from=${encodeURIComponent(from.toISOString().replace('Z', '+00:00'))}` +
        `&to=${to.toISOString()}&tz=Asia/Kolkata`,
    );
    expect(status).toBe(200);
    expect(figuresOf(body)).toEqual(expectedFigures(chats, messages, { from, to }));
    expect(body.byDay[0].date).toBe(localDate(from, 'Asia/Kolkata'));
    expect(body.byDay.at(-1).date).toBe(localDate(new Date(to.getTime() - 1), 'Asia/Kolkata'));
    expect(figuresOf(body.byDay[0])).toEqual(
      expectedFigures(chats, messages, {
        from,
        to: zonedMidnight(nextDate(localDate(from, 'Asia/Kolkata')), 'Asia/Kolkata'),
      }),
    );
  });

  it('filters by label (any case) and by the chat’s priority', async () => {
    const range: Range = { from: new Date(BASE), to: new Date(BASE + 16 * 24 * HOUR) };
    const query = `from=${range.from.toISOString()}&to=${range.to.toISOString()}&tz=UTC`;

    const maths = await get(`/api/admin/reports/overview?${query}&label=maths`);
    expect(maths.status).toBe(200);
    const inMaths = (x: { contactId: string }) => labelled.Maths!.has(x.contactId);
    const mathsExpected = expectedFigures(chats.filter(inMaths), messages.filter(inMaths), range);
    expect(figuresOf(maths.body)).toEqual(mathsExpected);
    expect(mathsExpected.chatsOpened).toBeLessThan(expectedFigures(chats, messages, range).chatsOpened);

    const urgent = await get(`/api/admin/reports/overview?${query}&priority=urgent`);
    const urgentChats = chats.filter((c) => c.priority === 'urgent');
    expect(figuresOf(urgent.body)).toEqual(
      expectedFigures(urgentChats, messages.filter(duringChats(urgentChats)), range),
    );
    // A chat from before priorities counts as normal.
    const normal = await get(`/api/admin/reports/overview?${query}&priority=normal&label=Billing`);
    const normalChats = chats.filter(
      (c) => (c.priority ?? 'normal') === 'normal' && labelled.Billing!.has(c.contactId),
    );
    expect(figuresOf(normal.body)).toEqual(
      expectedFigures(normalChats, messages.filter(duringChats(normalChats)), range),
    );

    const unknown = await get(`/api/admin/reports/overview?${query}&label=Physics`);
    expect(unknown.status).toBe(200);
    expect(unknown.body).toMatchObject({ chatsOpened: 0, messages: { student: 0, bot: 0, agent: 0 }, billable: {} });
  });

  it('defaults to the last 30 local days in UTC, and an agent may read it', async () => {
    const { status, body } = await get('/api/admin/reports/overview', agentToken);
    expect(status).toBe(200);
    expect(body.tz).toBe('UTC');
    expect(body.byDay).toHaveLength(30);
    expect(body.byDay.at(-1).date).toBe(new Date().toISOString().slice(0, 10));
    expect(body.from).toBe(`${body.byDay[0].date}T00:00:00.000Z`);
  });

  it('defaults to the zone of the business hours an admin set', async () => {
    await app.db.query(`insert into support_settings (name, value) values ('business_hours', $1)`, [
      JSON.stringify({ timezone: 'Asia/Kolkata', weekly: {}, holidays: [] }),
    ]);
    try {
      const { status, body } = await get('/api/admin/reports/overview?from=2026-11-01&to=2026-11-03');
      expect(status).toBe(200);
      expect(body).toMatchObject({
        tz: 'Asia/Kolkata',
        from: zonedMidnight('2026-11-01', 'Asia/Kolkata').toISOString(),
        to: zonedMidnight('2026-11-03', 'Asia/Kolkata').toISOString(),
      });
      expect(body.byDay.map((d: { date: string }) => d.date)).toEqual(['2026-11-01', '2026-11-02']);
    } finally {
      await app.db.query(`delete from support_settings where name = 'business_hours'`);
    }
  });

  it('records each read in the audit log with its filters', async () => {
    await get('/api/admin/reports/overview?from=2026-11-01&to=2026-11-02&tz=Africa/Lagos&priority=high', agentToken);
    expect(await lastAudit(app.db)).toMatchObject({
      actor: 'Report Reader',
      action: 'reports.read',
      outcome: 'ok',
      details: {
        from: zonedMidnight('2026-11-01', 'Africa/Lagos').toISOString(),
        to: zonedMidnight('2026-11-02', 'Africa/Lagos').toISOString(),
        tz: 'Africa/Lagos',
        priority: 'high',
      },
    });
  });

  it.each([
    ['from after to', 'from=2026-11-05&to=2026-11-01', /from must be before to/],
    ['from equal to to', 'from=2026-11-05&to=2026-11-05', /from must be before to/],
    ['a range over 400 days', 'from=2025-01-01&to=2026-11-01', /at most 400 days/],
    ['an unknown zone', 'tz=Mars/Olympus', /tz/],
    ['an offset for a zone', 'tz=%2B05:30', /tz/],
    [
      'an unknown zone with date-times',
      `from=${new Date(BASE).toISOString()}&to=${new Date(BASE + HOUR).toISOString()}&tz=Etc/Unknown`,
      /tz/,
    ],
    ['a date that is not one', 'from=2026-13-45', /from/],
    ['a day the month has not', 'from=2026-02-30&to=2026-03-05', /from/],
    ['a time without an offset', 'from=2026-11-01T10:00:00', /from/],
    ['an unknown priority', 'priority=critical', /priority/],
    ['an empty label', 'label=', /label/],
    ['a label with a NUL', 'label=a%00b', /label/],
    ['two labels', 'label=a&label=b', /label/],
  ])('refuses %s with 400 invalid_query', async (_case, query, message) => {
    const { status, body } = await get(`/api/admin/reports/overview?${query}`);
    expect(status).toBe(400);
    expect(body.error.code).toBe('invalid_query');
    expect(body.error.message).toMatch(message);
  });

  it('needs a token', async () => {
    const response = await fetch(`${baseUrl}/api/admin/reports/overview`);
    expect(response.status).toBe(401);
  });

  it('answers counts without a cost when no rate card is set', async () => {
    const { status, body } = await app.request('GET', '/api/admin/reports/overview?from=2026-10-29&to=2026-11-12', {
      token: TEST_ADMIN_TOKEN,
    });
    expect(status).toBe(200);
    expect(Object.keys(body.billable).length).toBeGreaterThan(0);
    expect(body).not.toHaveProperty('cost');
  });
});

describe('GET /api/admin/reports/agents and /labels', () => {
  const range: Range = {
    from: zonedMidnight('2026-10-31', 'Europe/London'),
    to: zonedMidnight('2026-11-10', 'Europe/London'),
  };
  const query = `from=2026-10-31&to=2026-11-10&tz=Europe/London`;

  it('answers the figures of each agent’s held chats and the messages written during them', async () => {
    const { status, body } = await get(`/api/admin/reports/agents?${query}`);
    expect(status).toBe(200);
    const names = ['Bola', 'Chidi', 'Zainab'];
    expect(body.agents.map((a: { name: string | null }) => a.name)).toEqual([...names, null]);
    for (const row of body.agents as { agentId: number | null; name: string | null; cost: never }[]) {
      const held = chats.filter((c) =>
        row.agentId === null ? c.holderAgentId === undefined : c.holderAgentId === row.agentId,
      );
      const expected = expectedFigures(held, messages.filter(duringChats(held)), range);
      expect({ name: row.name, ...figuresOf(row) }).toEqual({ name: row.name, ...expected });
      expectCost(row.cost, expected.billable);
    }
    expect(body.agents[0].agentId).toBe(agentIds[1]);
  });

  it('answers every label’s figures, for the conversations carrying it', async () => {
    const { status, body } = await get(`/api/admin/reports/labels?${query}`);
    expect(status).toBe(200);
    expect(body.labels.map((l: { name: string; color: string }) => [l.name, l.color])).toEqual([
      ['Billing', '#993333'],
      ['Maths', '#336699'],
    ]);
    for (const row of body.labels as { name: string; labelId: number }[]) {
      expect(row.labelId).toBe(labelIds[row.name]);
      const carries = (x: { contactId: string }) => labelled[row.name]!.has(x.contactId);
      expect(figuresOf(row)).toEqual(expectedFigures(chats.filter(carries), messages.filter(carries), range));
    }
    // The per-label row is the overview filtered by that label.
    const overview = await get(`/api/admin/reports/overview?${query}&label=Maths`);
    expect(figuresOf(overview.body)).toEqual(figuresOf(body.labels[1]));
  });
});
