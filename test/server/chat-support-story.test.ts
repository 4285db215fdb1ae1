import { listChatSessions } from '../../src/db/chat-sessions';
import { listMessages } from '../../src/db/messages';
import { AdminClient } from '../helpers/admin-client';
import { choices, textOf, TestUser } from '../helpers/conversation';
import { fixtureJson, newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// Chat support end to end over HTTP: the user on WhatsApp (signed webhooks), agents on the admin API,
// real Temporal and Postgres, the Graph API fake as WhatsApp.

let stack: TestStack;
let alice: AdminClient;
let bob: AdminClient;

beforeAll(async () => {
  stack = await startTestStack({ CHAT_IDLE_REMINDER: '2s', CHAT_IDLE_TIMEOUT: '4s' });
  alice = await AdminClient.agent(stack, 'Alice');
  bob = await AdminClient.agent(stack, 'Bob');
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => stack.fake.reset());

async function registeredStudent(): Promise<TestUser> {
  const user = await new TestUser(stack, newPhone(), 'Howard Smith').register();
  expect(await user.state()).toBe('REGISTERED');
  return user;
}

const agentTexts = (user: TestUser) =>
  stack.fake
    .sendsTo(user.phone)
    .map(textOf)
    .filter((text) => /^🎧 .+ \(Support Team\): /.test(text));

describe('chat support', () => {
  it('runs a user-started chat with two agent replies, ended by the user, then rated', async () => {
    const user = await registeredStudent();
    let replies = await user.say('support');
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
    expect(choices(replies[replies.length - 1])).toEqual(['end_chat']);
    const afterOpen = stack.fake.sendsTo(user.phone).length;

    await user.say('I cannot upload my homework');
    await user.say("I'm done with question 3");
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
    // One acknowledgement per chat, not one per message.
    expect(stack.fake.sendsTo(user.phone).length - afterOpen).toBeLessThanOrEqual(1);

    const first = await alice.chat('send', user.phone, 'Hi Howard, which subject?');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'success', message: 'Message sent successfully' });
    expect(first.body.waMessageId).toMatch(/^wamid\./);
    expect(new Date(first.body.timestamp).toISOString()).toBe(first.body.timestamp);
    // Alice's answer took the chat: Bob is told who holds it, and only Alice answers on.
    const bobs = await bob.chat('send', user.phone, 'I can help too');
    expect(bobs.status).toBe(409);
    expect(bobs.body.error).toMatchObject({ code: 'held_by_other', holder: { name: 'Alice' } });
    expect((await alice.chat('send', user.phone, 'Try a smaller photo.')).status).toBe(200);
    expect(agentTexts(user)).toEqual([
      '🎧 Alice (Support Team): Hi Howard, which subject?',
      '🎧 Alice (Support Team): Try a smaller photo.',
    ]);

    replies = await user.tap('end_chat', '❌ End Chat');
    expect(await user.state()).toBe('REGISTERED');
    expect(replies.some((r) => textOf(r).includes('Hey Howard! What would you like to do?'))).toBe(true);
    const rating = replies.find((r) => choices(r).includes('csat_5'));
    expect(choices(rating)).toEqual(['csat_1', 'csat_2', 'csat_3', 'csat_4', 'csat_5']);
    await user.pick('csat_5');

    const [session] = await listChatSessions(stack.db, await user.contact());
    expect(session).toMatchObject({ startedBy: 'user', endedBy: 'user', rating: 5 });
    expect(session!.firstAgentReplyAt).not.toBeNull();
    expect(session!.firstUserMessageAt!.getTime()).toBeLessThanOrEqual(session!.firstAgentReplyAt!.getTime());

    // The history shows all of it, in order, with senders and delivery statuses.
    const history = await alice.history(user.phone);
    expect(history.status).toBe(200);
    const messages = history.body.messages as {
      direction: string;
      sender: string;
      senderName: string | null;
      body: string;
      status: string;
    }[];
    const chatPart = messages.slice(messages.findIndex((m) => m.body === 'support'));
    expect(chatPart.filter((m) => m.sender !== 'bot').map((m) => [m.sender, m.senderName, m.body])).toEqual([
      ['user', null, 'support'],
      ['user', null, 'I cannot upload my homework'],
      ['user', null, "I'm done with question 3"],
      ['agent', 'Alice', '🎧 Alice (Support Team): Hi Howard, which subject?'],
      ['agent', 'Alice', '🎧 Alice (Support Team): Try a smaller photo.'],
      ['user', null, '❌ End Chat'],
      ['user', null, expect.any(String)],
    ]);
    for (const m of messages) expect(m.status).toBe(m.direction === 'inbound' ? 'received' : 'accepted');
  });

  it('is started and ended by an agent, with the default closing text', async () => {
    const user = await registeredStudent();
    const started = await alice.chat('start', user.phone, 'Hello from support');
    expect(started.status).toBe(200);
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
    expect((await alice.chat('start', user.phone)).status).toBe(409);

    const ended = await alice.chat('end', user.phone);
    expect(ended.status).toBe(200);
    await user.settled();
    expect(await user.state()).toBe('REGISTERED');
    expect(agentTexts(user)).toEqual([
      '🎧 Alice (Support Team): Hello from support',
      '🎧 Alice (Support Team): Thank you for contacting support!',
    ]);
    const [session] = await listChatSessions(stack.db, await user.contact());
    expect(session).toMatchObject({ startedBy: 'Alice', endedBy: 'Alice' });
    // After the chat, sending is refused: there is no chat to send into.
    const refused = await bob.chat('send', user.phone, 'still there?');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('not_in_chat_support');
  });

  it('reminds an idle chat and closes it after the idle timeout', async () => {
    const user = await registeredStudent();
    await user.say('support');
    await waitFor(async () => (await user.state()) === 'REGISTERED', 'the idle chat to close', 20_000);
    await user.settled();
    const [session] = await listChatSessions(stack.db, await user.contact());
    expect(session).toMatchObject({ endedBy: 'timeout' });
    const texts = stack.fake.sendsTo(user.phone).map(textOf);
    const opened = texts.findIndex((t) =>
      choices(stack.fake.sendsTo(user.phone)[texts.indexOf(t)]).includes('end_chat'),
    );
    expect(opened).toBeGreaterThanOrEqual(0);
    expect(texts.slice(opened + 1).some((t) => t.includes('Hey Howard! What would you like to do?'))).toBe(true);
  });

  it('answers 404 for an unknown number and 502 with the code when WhatsApp refuses an agent message', async () => {
    expect((await alice.chat('send', newPhone(), 'hello')).status).toBe(404);

    const user = await registeredStudent();
    await user.say('support');
    stack.fake.failNext(1, { status: 400, body: fixtureJson('send-error-131047.json') });
    const refused = await alice.chat('send', user.phone, 'Are you there?');
    expect(refused.status).toBe(502);
    expect(refused.body.error).toMatchObject({ code: 'whatsapp_rejected', whatsappCode: 131047 });
    const stored = (await listMessages(stack.db, await user.contact())).find(
      (m) => m.body === '🎧 Alice (Support Team): Are you there?',
    );
    expect(stored).toMatchObject({ status: 'failed', errorCode: 131047, senderName: 'Alice' });
  });

  it('answers 502 for a start or an end whose text WhatsApp refused, with the state the chat is in', async () => {
    const user = await registeredStudent();
    stack.fake.failNext(1, { status: 400, body: fixtureJson('send-error-131047.json') });
    const start = await alice.chat('start', user.phone, 'Hello from the support team');
    expect(start.status).toBe(502);
    expect(start.body).toMatchObject({
      status: 'error',
      error: { code: 'whatsapp_rejected', whatsappCode: 131047 },
      state: 'CHAT_SUPPORT_ACTIVE',
    });
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');

    stack.fake.failNext(1, { status: 400, body: fixtureJson('send-error-131047.json') });
    const end = await alice.chat('end', user.phone, 'Goodbye');
    expect(end.status).toBe(502);
    expect(end.body).toMatchObject({ error: { code: 'whatsapp_rejected', whatsappCode: 131047 }, state: 'REGISTERED' });
    const [session] = await listChatSessions(stack.db, await user.contact());
    expect(session).toMatchObject({ endedBy: 'Alice' });
  });

  it('refuses with 422 when the user last wrote more than 24 hours ago', async () => {
    const user = new TestUser(stack, newPhone());
    await user.send('text', { text: { body: 'old message' } });
    // The user's only message is older than the window: send one dated 25 hours ago.
    const stale = new TestUser(stack, newPhone());
    (stale as unknown as { seconds: number }).seconds = Math.floor(Date.now() / 1000) - 25 * 3600;
    await stale.say('hello from yesterday');
    const refused = await alice.chat('start', stale.phone, 'Hi');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('outside_customer_service_window');
    expect(await stale.state()).toBe('IDLE');
  });

  it('returns the first answer again for a retried request with the same Idempotency-Key', async () => {
    const user = await registeredStudent();
    await user.say('support');
    const headers = { 'idempotency-key': `retry-${user.phone}` };
    const first = await alice.chat('send', user.phone, 'Only once please', headers);
    const again = await alice.chat('send', user.phone, 'Only once please', headers);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.body.waMessageId).toBe(first.body.waMessageId);
    expect(agentTexts(user)).toEqual(['🎧 Alice (Support Team): Only once please']);

    // The same key for another text or another command is refused, never answered as done.
    const otherText = await alice.chat('send', user.phone, 'Something else', headers);
    expect(otherText.status).toBe(422);
    expect(otherText.body.error.code).toBe('idempotency_key_reused');
    const otherCommand = await alice.chat('end', user.phone, undefined, headers);
    expect(otherCommand.status).toBe(422);
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
    expect(agentTexts(user)).toEqual(['🎧 Alice (Support Team): Only once please']);
  });

  it('authorises chat commands by credential on the real stack and audits each one', async () => {
    const user = await registeredStudent();
    await user.say('support');
    const admin = new AdminClient(stack, stack.config.adminToken);
    const revokedAgent = await AdminClient.agent(stack, 'Revoked Rita');
    const tokens = (await admin.request('GET', '/api/admin/tokens')).body.tokens as { id: number; name: string }[];
    const rita = tokens.find((t) => t.name === 'Revoked Rita')!;
    expect((await admin.request('DELETE', `/api/admin/tokens/${rita.id}`)).status).toBe(200);

    const anonymous = new AdminClient(stack, 'edb_not-a-real-token');
    // From two addresses: one address's refusals get one audit row a minute (auth-limiter.ts).
    expect((await anonymous.chat('send', user.phone, 'x', { 'x-forwarded-for': '198.18.0.1' })).status).toBe(401);
    expect((await revokedAgent.chat('send', user.phone, 'x', { 'x-forwarded-for': '198.18.0.2' })).status).toBe(401);
    expect((await alice.chat('send', user.phone, '')).status).toBe(400);
    expect((await alice.chat('send', user.phone, 'y'.repeat(4097))).status).toBe(400);
    expect((await admin.chat('send', user.phone, 'From the admin')).status).toBe(200);
    // Agents may not manage tokens or read the audit log.
    expect((await alice.request('GET', '/api/admin/audit')).status).toBe(403);

    const audit = await admin.request('GET', '/api/admin/audit?action=chat.send&limit=100');
    expect(audit.status).toBe(200);
    const entries = audit.body.entries as { actor: string; contactId: string | null; httpStatus: number }[];
    // A refused request is audited before its path is trusted: it names no conversation.
    expect(entries.filter((e) => e.actor === 'anonymous' && e.httpStatus === 401)).toHaveLength(2);
    const contactId = await user.contact();
    const forUser = entries.filter((e) => e.contactId === contactId).map((e) => [e.actor, e.httpStatus]);
    expect(forUser).toEqual(
      expect.arrayContaining([
        ['Alice', 400],
        ['Admin', 200],
      ]),
    );
    expect(forUser.filter(([actor, status]) => actor === 'Alice' && status === 400)).toHaveLength(2);
  });
});
