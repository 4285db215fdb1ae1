import { AdminClient } from '../helpers/admin-client';
import { TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

// Who holds a chat, on the real stack: the workflow is the single writer of the holder, so taking,
// handing over and giving back are answered as the conversation decided; the queue lists the chats
// no agent has answered yet.

let stack: TestStack;
let admin: AdminClient;
let ada: AdminClient;
let bo: AdminClient;

beforeAll(async () => {
  stack = await startTestStack();
  admin = new AdminClient(stack, stack.config.adminToken);
  [ada, bo] = await Promise.all([AdminClient.agent(stack, 'Ada'), AdminClient.agent(stack, 'Bo')]);
});

afterAll(async () => {
  await stack?.stop();
});

async function askingForSupport(name: string): Promise<TestUser> {
  const user = new TestUser(stack, newPhone(), name);
  await user.say('hello');
  await user.say('support');
  expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
  return user;
}

const assign = (client: AdminClient, phone: string, body?: unknown) =>
  client.request('POST', `/api/admin/conversations/${phone}/assign`, body);
const unassign = (client: AdminClient, phone: string) =>
  client.request('POST', `/api/admin/conversations/${phone}/unassign`);
const queue = async () => (await ada.request('GET', '/api/admin/queue')).body.queue as { phone: string }[];

describe('the queue and its figures', () => {
  it('lists waiting chats oldest first until an agent answers, and /metrics and /stats count them', async () => {
    const first = await askingForSupport('Kemi First');
    const second = await askingForSupport('Tolu Second');
    const answered = await askingForSupport('Ife Answered');
    expect((await ada.chat('send', answered.phone, 'Hello Ife')).status).toBe(200);

    const before = Date.now();
    const listed = await ada.request('GET', '/api/admin/queue');
    expect(listed.status).toBe(200);
    expect(listed.body.queue).toEqual([
      {
        contactId: await first.contact(),
        phone: first.phone,
        bsuid: null,
        username: null,
        name: 'Kemi First',
        waitingSince: expect.any(String),
        waitSeconds: expect.any(Number),
        holder: null,
        priority: 'normal',
        labels: [],
        // Asked for inside business hours (always open here): available at once, no SLA clock.
        availableAt: expect.any(String),
        sla: { escalated: false },
      },
      {
        contactId: await second.contact(),
        phone: second.phone,
        bsuid: null,
        username: null,
        name: 'Tolu Second',
        waitingSince: expect.any(String),
        waitSeconds: expect.any(Number),
        holder: null,
        priority: 'normal',
        labels: [],
        // Asked for inside business hours (always open here): available at once, no SLA clock.
        availableAt: expect.any(String),
        sla: { escalated: false },
      },
    ]);
    const oldest = (before - Date.parse(listed.body.queue[0].waitingSince)) / 1000;

    // Scraped fresh: the figures are read from Postgres when they are older than 5 s.
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    const text = await (await fetch(`${stack.baseUrl}/metrics`)).text();
    expect(text).toMatch(/^edubot_chat_queue_length 2$/m);
    const wait = Number(/^edubot_chat_queue_oldest_wait_seconds (\S+)$/m.exec(text)![1]);
    expect(wait).toBeGreaterThanOrEqual(oldest);
    expect(wait).toBeLessThan(oldest + 30);
    const stats = await ada.request('GET', '/api/admin/stats');
    expect(stats.body.queue).toEqual({ length: 2, oldestWaitSeconds: expect.any(Number) });
    expect(stats.body.queue.oldestWaitSeconds).toBeGreaterThanOrEqual(Math.floor(oldest));

    // Answered chats leave the queue; the figures follow.
    for (const user of [first, second]) expect((await bo.chat('send', user.phone, 'Hi')).status).toBe(200);
    expect((await queue()).map((c) => c.phone)).not.toContain(first.phone);
    expect((await ada.request('GET', '/api/admin/stats')).body.queue).toEqual({ length: 0, oldestWaitSeconds: 0 });
  });
});

describe('who holds a chat', () => {
  it('takes, refuses others, hands over and gives back, each change audited', async () => {
    const user = await askingForSupport('Nora Ade');
    const taken = await assign(ada, user.phone);
    expect(taken.status).toBe(200);
    expect(taken.body).toMatchObject({
      status: 'success',
      message: 'Chat assigned',
      holder: { agentId: ada.agentId, name: 'Ada' },
    });
    expect((await queue()).find((c) => c.phone === user.phone)).toMatchObject({ holder: { name: 'Ada' } });

    // Bo may neither take nor answer it; the refusal names Ada.
    for (const refused of [await assign(bo, user.phone), await bo.chat('send', user.phone, 'Me too')]) {
      expect(refused.status).toBe(409);
      expect(refused.body.error).toMatchObject({ code: 'held_by_other', holder: { name: 'Ada' } });
    }
    expect((await ada.chat('send', user.phone, 'Hi Nora')).status).toBe(200);
    expect((await queue()).map((c) => c.phone)).not.toContain(user.phone);

    // Handing over is the admin's: not Ada's, and not to someone who does not exist.
    expect((await assign(ada, user.phone, { agentId: bo.agentId })).status).toBe(403);
    const unknown = await assign(admin, user.phone, { agentId: 999_999 });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('agent_not_found');
    const handed = await assign(admin, user.phone, { agentId: bo.agentId });
    expect(handed.body).toMatchObject({ holder: { agentId: bo.agentId, name: 'Bo' } });
    expect((await ada.chat('send', user.phone, 'Still me')).status).toBe(409);
    expect((await bo.chat('send', user.phone, 'Bo here')).status).toBe(200);
    // The admin may still write in a chat someone else holds.
    expect((await admin.chat('send', user.phone, 'From the admin')).status).toBe(200);

    // Ada cannot give back Bo's chat; Bo can, and then whoever answers takes it.
    expect((await unassign(ada, user.phone)).status).toBe(409);
    const given = await unassign(bo, user.phone);
    expect(given.body).toMatchObject({ message: 'Chat given back', holder: null });
    expect((await ada.chat('send', user.phone, 'Back to me')).status).toBe(200);
    expect((await assign(bo, user.phone)).body.error).toMatchObject({ code: 'held_by_other', holder: { name: 'Ada' } });

    const audit = await admin.request('GET', '/api/admin/audit?action=chat.assign&limit=100');
    const contactId = await user.contact();
    const mine = audit.body.entries.filter((e: { contactId: string }) => e.contactId === contactId);
    expect(mine.map((e: { outcome: string }) => e.outcome).reverse()).toEqual([
      'ok',
      'held_by_other',
      'forbidden',
      'agent_not_found',
      'ok',
      'held_by_other',
    ]);
  });

  it('gives exactly one of 20 concurrent takes from 5 agents the chat', async () => {
    const user = await askingForSupport('Race Student');
    const agents = [ada, bo, ...(await Promise.all(['Cy', 'Di', 'Ed'].map((name) => AdminClient.agent(stack, name))))];
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => assign(agents[i % agents.length]!, user.phone)),
    );
    const ok = answers.filter((a) => a.status === 200);
    expect(ok).toHaveLength(1);
    const winner = ok[0]!.body.holder;
    for (const refused of answers.filter((a) => a.status !== 200)) {
      expect(refused.status).toBe(409);
      expect(['held_by_other', 'already_held']).toContain(refused.body.error.code);
      expect(refused.body.error.holder).toEqual(winner);
    }
  });

  it('answers 409 to taking a chat that is not open, and 400 to a body it does not understand', async () => {
    const user = new TestUser(stack, newPhone());
    await user.say('hello');
    expect((await assign(ada, user.phone)).body.error.code).toBe('not_in_chat_support');
    for (const body of [{ agentId: 'two' }, { agentId: -1 }, { agentId: 1.5 }, [1]]) {
      const answer = await assign(admin, user.phone, body);
      expect(answer.status).toBe(400);
    }
  });
});
