import { listChatSessions, type ChatSessionRow } from '../../../src/db/chat-sessions';
import { AdminClient } from '../../helpers/admin-client';
import { TestUser } from '../../helpers/conversation';
import { fixtureJson, newPhone, statusWebhook } from '../../helpers/fixtures';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { sleep } from '../../helpers/wait';

// GET /api/admin/stats on the real stack: two phases of traffic split by an instant, so the time
// range filter is checked as well as every figure, the refusals and who may read them.

let stack: TestStack;
let admin: AdminClient;
let agent: AdminClient;

beforeAll(async () => {
  stack = await startTestStack();
  admin = new AdminClient(stack, stack.config.adminToken);
  agent = await AdminClient.agent(stack, 'Stats Agent');
});

afterAll(async () => {
  await stack?.stop();
});

const stats = (client: AdminClient, query = '') => client.request('GET', `/api/admin/stats${query}`);
const range = (from: Date, to: Date) => `?from=${from.toISOString()}&to=${to.toISOString()}`;
const seconds = (later: Date, earlier: Date) => (later.getTime() - earlier.getTime()) / 1000;
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

/** Counts by key, as a plain object. */
function tally(keys: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const key of keys) counts[key] = (counts[key] ?? 0) + 1;
  return counts;
}

describe('GET /api/admin/stats', () => {
  // What each phase did, noted as it happens; the expected figures are computed from these.
  interface Phase {
    inbound: string[];
    /** WhatsApp codes of agent sends the Graph API refused. */
    refused: string[];
    ratings: number[];
    /** Delivery reports posted for messages sent in this phase. */
    reports: { id: string; status: string; recipient: string; errorCode?: number }[];
  }
  const phases: Phase[] = [0, 1].map(() => ({ inbound: [], refused: [], ratings: [], reports: [] }));
  let sendsBefore = 0;
  let split: Date;
  let sessions: ChatSessionRow[];

  const say = (phase: number, user: TestUser, text: string) => (phases[phase]!.inbound.push('text'), user.say(text));
  const tap = (phase: number, user: TestUser, id: string) => (phases[phase]!.inbound.push('button'), user.tap(id));
  const rate = (phase: number, user: TestUser, rating: number) => {
    phases[phase]!.inbound.push('list');
    phases[phase]!.ratings.push(rating);
    return user.pick(`csat_${rating}`);
  };
  const refusedSend = async (phase: number, user: TestUser) => {
    const error = fixtureJson<{ error: { code: number } }>('send-error-131047.json');
    stack.fake.failNext(1, { status: 400, body: error });
    expect((await agent.chat('send', user.phone, 'Hello?')).status).toBe(502);
    phases[phase]!.refused.push(String(error.error.code));
  };

  beforeAll(async () => {
    // Phase 0: a chat answered by an agent, with one refused send, ended by the agent, rated 5.
    const ada = new TestUser(stack, newPhone(), 'Ada');
    await say(0, ada, 'Hi');
    await say(0, ada, 'support');
    await say(0, ada, 'I need help with fractions');
    const reply = await agent.chat('send', ada.phone, 'Sure, which exercise?');
    expect(reply.status).toBe(200);
    await refusedSend(0, ada);
    expect((await agent.chat('end', ada.phone)).status).toBe(200);
    await ada.settled();
    await rate(0, ada, 5);

    await sleep(50);
    split = new Date();
    sendsBefore = stack.fake.sends.length;
    await sleep(50);

    // Phase 1: a chat the user opens and ends without an answer, rated 2; an agent-started chat
    // still open, where the agent wrote first; a user who only said hello.
    const ben = new TestUser(stack, newPhone(), 'Ben');
    await say(1, ben, 'Hello');
    await say(1, ben, 'support');
    await say(1, ben, 'are you there');
    await tap(1, ben, 'end_chat');
    await rate(1, ben, 2);
    const cleo = new TestUser(stack, newPhone(), 'Cleo');
    await say(1, cleo, 'Hi');
    expect((await agent.chat('start', cleo.phone, 'Hi Cleo, about your homework')).status).toBe(200);
    await cleo.settled();
    await say(1, cleo, 'yes?');
    const dan = new TestUser(stack, newPhone(), 'Dan');
    await say(1, dan, 'Good morning');

    // Delivery reports, posted after the split: the agent's reply (sent in phase 0) read; Ben's
    // welcome delivered; Dan's welcome failed with its own code.
    phases[0]!.reports.push(
      { id: reply.body.waMessageId, status: 'delivered', recipient: ada.phone },
      { id: reply.body.waMessageId, status: 'read', recipient: ada.phone },
    );
    phases[1]!.reports.push(
      { id: stack.fake.sendsTo(ben.phone)[0]!.waMessageId, status: 'delivered', recipient: ben.phone },
      { id: stack.fake.sendsTo(dan.phone)[0]!.waMessageId, status: 'failed', recipient: dan.phone, errorCode: 131026 },
    );
    const now = Math.floor(Date.now() / 1000);
    const reports = phases.flatMap((p) => p.reports).map((r) => ({ ...r, timestamp: now }));
    expect((await stack.postWebhook(statusWebhook(reports))).status).toBe(200);

    sessions = (
      await Promise.all([ada, ben, cleo, dan].map(async (u) => listChatSessions(stack.db, await u.contact())))
    ).flat();
  });

  /** What the listed phases did, as the figures the route should report for them. */
  const expected = (...which: number[]) => {
    const of = which.map((i) => phases[i]!);
    const sendsOf = (phase: number) =>
      phase === 0 ? stack.fake.sends.slice(0, sendsBefore) : stack.fake.sends.slice(sendsBefore);
    const accepted = which.flatMap(sendsOf);
    const reports = of.flatMap((p) => p.reports);
    const reached = (...statuses: string[]) =>
      new Set(reports.filter((r) => statuses.includes(r.status)).map((r) => r.id)).size;
    const refused = of.flatMap((p) => p.refused);
    const inbound = tally(of.flatMap((p) => p.inbound));
    // Outbound: what WhatsApp accepted, plus the refused agent sends (texts).
    const outbound = tally([...accepted.map((s) => s.content.kind), ...refused.map(() => 'text')]);
    const failedCodes = reports.filter((r) => r.status === 'failed').map((r) => String(r.errorCode));
    return {
      messages: { inbound: sum(inbound), outbound: sum(outbound), byType: { inbound, outbound } },
      delivery: {
        sent: accepted.length,
        delivered: reached('delivered', 'read'),
        read: reached('read'),
        failed: reached('failed') + refused.length,
        deliveryRate: reached('delivered', 'read') / accepted.length,
      },
      errors: { byCode: tally([...refused, ...failedCodes]) },
      ratings: of.flatMap((p) => p.ratings),
    };
  };
  const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

  it('reports the last 24 hours by default, with every figure derived from what happened', async () => {
    const response = await stats(agent);
    expect(response.status).toBe(200);
    const body = response.body;
    expect(seconds(new Date(body.to), new Date(body.from))).toBe(24 * 3600);
    expect(Math.abs(seconds(new Date(), new Date(body.to)))).toBeLessThan(5);

    const ended = sessions.filter((s) => s.endedAt !== null);
    // Only Ada's chat was answered: in Cleo's the agent wrote first, Ben's had no agent at all.
    const answered = sessions.filter(
      (s) => s.firstAgentReplyAt && s.firstUserMessageAt && s.firstAgentReplyAt >= s.firstUserMessageAt,
    );
    expect(answered).toHaveLength(1);
    expect(body.chats).toEqual({
      started: sessions.length,
      ended: ended.length,
      active: sessions.length - ended.length,
      averageDurationSeconds: expect.closeTo(mean(ended.map((s) => seconds(s.endedAt!, s.startedAt))), 2),
      averageFirstResponseSeconds: expect.closeTo(
        mean(answered.map((s) => seconds(s.firstAgentReplyAt!, s.firstUserMessageAt!))),
        2,
      ),
      endedBy: { user: 1, agent: 1, timeout: 0 },
    });
    expect(ended.map((s) => s.endedBy).sort()).toEqual(['Stats Agent', 'user']);

    const all = expected(0, 1);
    expect(body.messages).toEqual(all.messages);
    expect(body.delivery).toEqual(all.delivery);
    expect(body.errors).toEqual(all.errors);
    expect(body.satisfaction).toEqual({
      ratings: all.ratings.length,
      average: mean(all.ratings),
      distribution: Object.fromEntries([1, 2, 3, 4, 5].map((r) => [`${r}`, all.ratings.filter((x) => x === r).length])),
    });
    expect(
      sessions
        .map((s) => s.rating)
        .filter((r) => r !== null)
        .sort(),
    ).toEqual([...all.ratings].sort());
  });

  it('counts only what falls in the range', async () => {
    // Each message counts where it was sent, however late its delivery report came.
    const later = await stats(admin, range(split, new Date(Date.now() + 1000)));
    expect(later.status).toBe(200);
    const phase1 = expected(1);
    expect(later.body).toMatchObject({ messages: phase1.messages, delivery: phase1.delivery, errors: phase1.errors });
    expect(later.body.chats).toMatchObject({ started: 2, ended: 1, active: 1 });
    expect(later.body.chats.endedBy).toEqual({ user: 1, agent: 0, timeout: 0 });
    expect(later.body.chats.averageFirstResponseSeconds).toBeNull();
    expect(later.body.satisfaction).toMatchObject({ ratings: phase1.ratings.length, average: mean(phase1.ratings) });

    const earlier = await stats(admin, range(new Date(split.getTime() - 3600_000), split));
    const phase0 = expected(0);
    expect(earlier.body).toMatchObject({ messages: phase0.messages, delivery: phase0.delivery, errors: phase0.errors });
    expect(earlier.body.chats).toMatchObject({ started: 1, ended: 1, active: 0 });
    expect(earlier.body.chats.endedBy).toEqual({ user: 0, agent: 1, timeout: 0 });
    expect(earlier.body.satisfaction).toMatchObject({ ratings: phase0.ratings.length, average: mean(phase0.ratings) });

    // A chat counts as active in a range that ends while it is open.
    const ben = sessions.find((s) => s.endedBy === 'user')!;
    const midChat = new Date((ben.startedAt.getTime() + ben.endedAt!.getTime()) / 2);
    const during = await stats(admin, range(new Date(midChat.getTime() - 60_000), midChat));
    expect(during.body.chats).toMatchObject({ active: 1, ended: 1 });

    const long_ago = await stats(admin, '?from=2020-01-01&to=2020-01-02T00:00:00%2B01:00');
    expect(long_ago.status).toBe(200);
    expect(long_ago.body).toMatchObject({
      from: '2020-01-01T00:00:00.000Z',
      to: '2020-01-01T23:00:00.000Z',
      chats: { started: 0, ended: 0, active: 0, averageDurationSeconds: null, averageFirstResponseSeconds: null },
      messages: { inbound: 0, outbound: 0, byType: { inbound: {}, outbound: {} } },
      delivery: { sent: 0, delivered: 0, read: 0, failed: 0, deliveryRate: null },
      errors: { byCode: {} },
      satisfaction: { ratings: 0, average: null, distribution: { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } },
    });

    // Only `to`: the 24 hours before it.
    const onlyTo = await stats(admin, '?to=2024-03-02T12:00:00Z');
    expect([onlyTo.body.from, onlyTo.body.to]).toEqual(['2024-03-01T12:00:00.000Z', '2024-03-02T12:00:00.000Z']);
  });

  it.each([
    ['an unparsable instant', '?from=yesterday'],
    ['an instant without an offset', '?from=2024-01-01T00:00:00'],
    ['a reversed range', '?from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z'],
    ['an empty range', '?from=2024-01-01T00:00:00Z&to=2024-01-01T00:00:00Z'],
    ['a range over 366 days', '?from=2023-01-01T00:00:00Z&to=2024-01-03T00:00:00Z'],
    ['a repeated parameter', '?from=2024-01-01T00:00:00Z&from=2024-01-02T00:00:00Z'],
  ])('answers 400 invalid_query for %s', async (_, query) => {
    const response = await stats(agent, query);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ status: 'error', error: { code: 'invalid_query' } });
  });

  it('accepts a range of exactly 366 days', async () => {
    expect((await stats(agent, '?from=2023-01-01T00:00:00Z&to=2024-01-02T00:00:00Z')).status).toBe(200);
  });

  it('needs a bearer token, lets agents and admins read, and audits every request', async () => {
    // From another address than the next refusal: one address's refusals get one audit row a minute.
    const anonymous = await fetch(`${stack.baseUrl}/api/admin/stats`, { headers: { 'x-forwarded-for': '198.18.0.1' } });
    expect(anonymous.status).toBe(401);
    expect((await stats(new AdminClient(stack, 'not-a-token'))).status).toBe(401);
    expect((await stats(agent)).status).toBe(200);
    expect((await stats(admin)).status).toBe(200);

    type AuditRow = { actor: string; outcome: string; http_status: number; details: { from?: string } };
    const { rows } = await stack.db.query<AuditRow>(
      `select actor, outcome, http_status, details from audit_log where action = 'stats.read' order by id desc limit 4`,
    );
    expect(rows.map((r) => [r.actor, r.outcome, r.http_status]).reverse()).toEqual([
      ['anonymous', 'unauthorized', 401],
      ['anonymous', 'unauthorized', 401],
      ['Stats Agent', 'ok', 200],
      ['Admin', 'ok', 200],
    ]);
    expect(rows[0]!.details.from).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});
