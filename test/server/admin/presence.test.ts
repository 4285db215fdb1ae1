import { AdminClient } from '../../helpers/admin-client';
import { TestUser } from '../../helpers/conversation';
import { newPhone } from '../../helpers/fixtures';
import { startTestStack, type TestStack } from '../../helpers/stack';

// Read receipts and the typing indicator an agent's console asks for, on the real stack: signed
// webhooks from the student, the workflow, Postgres, and the Graph API fake as WhatsApp.

let stack: TestStack;
let alice: AdminClient;
let bob: AdminClient;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await AdminClient.agent(stack, 'Alice');
  bob = await AdminClient.agent(stack, 'Bob');
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => stack.fake.reset());

const read = (agent: AdminClient, phone: string) => agent.request('POST', `/api/admin/conversations/${phone}/read`);
const typing = (agent: AdminClient, phone: string) => agent.request('POST', `/api/admin/conversations/${phone}/typing`);
const unreadCount = async (phone: string): Promise<number> =>
  (await alice.request('GET', `/api/admin/conversations/${phone}`)).body.conversation.unread;

/** A registered student in a chat an agent opened: the bot answers nothing of what they write now. */
async function studentInChat(user = new TestUser(stack, newPhone(), 'Howard Smith')): Promise<TestUser> {
  await user.register();
  expect((await alice.chat('start', user.phone, 'Hello from support')).status).toBe(200);
  expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
  return user;
}

async function lastInboundWamid(user: TestUser): Promise<string> {
  const inbound = (await user.history()).filter((m) => m.direction === 'inbound');
  return inbound[inbound.length - 1]!.waMessageId!;
}

/** Makes the last typing indicator to `user` look `seconds` older, as if that much time had passed. */
async function age(user: TestUser, seconds: number): Promise<void> {
  await stack.db.query(
    `update conversations set typing_sent_at = typing_sent_at - $2 * interval '1 second' where contact_id = $1`,
    [await user.contact(), seconds],
  );
}

describe('POST /api/admin/conversations/:phone/read', () => {
  it('marks what the student wrote during the chat read with one receipt, then only what is new', async () => {
    const user = await studentInChat();
    await user.say('I cannot upload my homework');
    await user.say('It says the file is too big');
    await user.say('Are you there?');
    expect(await unreadCount(user.phone)).toBe(3);
    const latest = await lastInboundWamid(user);
    stack.fake.reset();

    const first = await read(alice, user.phone);
    expect(first).toMatchObject({ status: 200, body: { status: 'success', read: 3 } });
    // One receipt on the latest message: WhatsApp marks the earlier ones with it.
    expect(stack.fake.reads).toEqual([latest]);
    expect(await unreadCount(user.phone)).toBe(0);

    expect((await read(bob, user.phone)).body).toEqual({ status: 'success', read: 0 });
    expect(stack.fake.reads).toEqual([latest]);
    expect(stack.fake.requests).toBe(1);

    await user.say('Hello?');
    const newest = await lastInboundWamid(user);
    expect((await read(alice, user.phone)).body).toEqual({ status: 'success', read: 1 });
    expect(stack.fake.reads).toEqual([latest, newest]);
    // Nothing was sent to the student.
    expect(stack.fake.sends).toEqual([]);
  });

  it('counts nothing the bot already answered', async () => {
    const user = await new TestUser(stack, newPhone()).register();
    // The bot marked each message read as it answered it.
    expect(stack.fake.reads).toContain(await lastInboundWamid(user));
    stack.fake.reset();
    expect(await unreadCount(user.phone)).toBe(0);
    expect((await read(alice, user.phone)).body).toEqual({ status: 'success', read: 0 });
    expect(stack.fake.requests).toBe(0);
  });

  it('answers 502 with the WhatsApp code when WhatsApp refuses, and 503 when it does not answer, recording nothing', async () => {
    const user = await studentInChat();
    await user.say('One question');
    stack.fake.failNextRead(1, {
      status: 400,
      body: { error: { message: '(#131009) Parameter value is not valid', type: 'OAuthException', code: 131009 } },
    });
    const refused = await read(alice, user.phone);
    expect(refused).toMatchObject({
      status: 502,
      body: { status: 'error', error: { code: 'whatsapp_rejected', whatsappCode: 131009 } },
    });
    expect(await unreadCount(user.phone)).toBe(1);

    stack.fake.failNextRead(1, { status: 503 });
    const response = await fetch(`${stack.baseUrl}/api/admin/conversations/${user.phone}/read`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.config.adminToken}` },
    });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('unavailable');
    expect(await unreadCount(user.phone)).toBe(1);

    expect((await read(alice, user.phone)).body).toEqual({ status: 'success', read: 1 });
  });

  it('answers 404 for an unknown conversation, 400 for what names no contact and 401 without a token', async () => {
    expect((await read(alice, newPhone())).body.error.code).toBe('conversation_not_found');
    expect((await read(alice, 'not-a-phone')).body).toMatchObject({ error: { code: 'invalid_contact' } });
    const anonymous = await fetch(`${stack.baseUrl}/api/admin/conversations/${newPhone()}/read`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    expect(stack.fake.requests).toBe(0);
  });
});

describe('POST /api/admin/conversations/:phone/typing', () => {
  it('shows the indicator on the latest message at most once per 20 seconds, and counts it as a read', async () => {
    const user = await studentInChat();
    await user.say('Can you check my homework?');
    const latest = await lastInboundWamid(user);
    stack.fake.reset();

    expect((await typing(alice, user.phone)).body).toEqual({ status: 'success', typing: 'sent' });
    expect((await typing(alice, user.phone)).body).toEqual({ status: 'success', typing: 'recently_sent' });
    expect(stack.fake.typingIndicators).toEqual([latest]);
    // The indicator marked the message read: no receipt is needed for it any more.
    expect(await unreadCount(user.phone)).toBe(0);
    expect((await read(alice, user.phone)).body).toEqual({ status: 'success', read: 0 });
    expect(stack.fake.reads).toEqual([]);

    await age(user, 19);
    expect((await typing(bob, user.phone)).body.typing).toBe('recently_sent');
    await age(user, 2);
    expect((await typing(bob, user.phone)).body.typing).toBe('sent');
    expect(stack.fake.typingIndicators).toEqual([latest, latest]);
    expect(stack.fake.sends).toEqual([]);
  });

  it('sends one indicator when two agents ask at once', async () => {
    const user = await studentInChat();
    await user.say('Anyone?');
    stack.fake.reset();
    const answers = await Promise.all([typing(alice, user.phone), typing(bob, user.phone)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers.map((a) => a.body.typing).sort()).toEqual(['recently_sent', 'sent']);
    expect(stack.fake.typingIndicators).toHaveLength(1);
  });

  it('answers 409 outside a chat and sends nothing', async () => {
    const user = await new TestUser(stack, newPhone()).register();
    const refused = await typing(alice, user.phone);
    expect(refused).toMatchObject({ status: 409, body: { error: { code: 'not_in_chat_support' } } });
    expect(stack.fake.typingIndicators).toEqual([]);
  });

  it('answers 422 once the student last wrote more than 24 hours ago and sends nothing', async () => {
    // Every message of this student is dated 25 hours ago.
    const stale = new TestUser(stack, newPhone(), 'Stale Student');
    (stale as unknown as { seconds: number }).seconds = Math.floor(Date.now() / 1000) - 25 * 3600;
    await stale.register();
    await stale.say('support');
    expect(await stale.state()).toBe('CHAT_SUPPORT_ACTIVE');
    stack.fake.reset();
    const refused = await typing(alice, stale.phone);
    expect(refused).toMatchObject({ status: 422, body: { error: { code: 'outside_customer_service_window' } } });
    expect(stack.fake.typingIndicators).toEqual([]);
  });

  it('gives the turn back when WhatsApp refuses, so the next call sends', async () => {
    const user = await studentInChat();
    await user.say('Hello');
    stack.fake.reset();
    stack.fake.failNextRead(1, {
      status: 400,
      body: { error: { message: '(#131009) Parameter value is not valid', type: 'OAuthException', code: 131009 } },
    });
    const refused = await typing(alice, user.phone);
    expect(refused).toMatchObject({
      status: 502,
      body: { error: { code: 'whatsapp_rejected', whatsappCode: 131009 } },
    });
    expect(await unreadCount(user.phone)).toBe(1);
    stack.fake.failNextRead(1, { status: 500 });
    expect((await typing(alice, user.phone)).status).toBe(503);
    expect((await typing(alice, user.phone)).body.typing).toBe('sent');
    expect(stack.fake.typingIndicators).toHaveLength(1);
  });

  it('answers 404 for an unknown conversation and 401 without a token', async () => {
    expect((await typing(alice, newPhone())).status).toBe(404);
    const anonymous = await fetch(`${stack.baseUrl}/api/admin/conversations/${newPhone()}/typing`, {
      method: 'POST',
      // A source of its own: a source's refusals are audited once a minute, the first one at once.
      headers: {
        authorization: 'Bearer edb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        'x-forwarded-for': '198.18.0.7',
      },
    });
    expect(anonymous.status).toBe(401);
    const { rows } = await stack.db.query<{ action: string; outcome: string }>(
      `select action, outcome from audit_log where action = 'conversations.typing' order by id desc limit 1`,
    );
    expect(rows).toEqual([{ action: 'conversations.typing', outcome: 'unauthorized' }]);
  });
});
