import { listChatSessions } from '../../src/db/chat-sessions';
import { listHomework } from '../../src/db/homework';
import { listQuarantined } from '../../src/db/quarantine';
import { inboundSignal } from '../../workflows/messages';
import { AdminClient } from '../helpers/admin-client';
import { choices, textOf, TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// Nothing depends on a run surviving, and nothing a run cannot store stops it: on the real stack
// (Temporal, Postgres, the Graph API fake), a conversation whose workflow an operator terminated goes
// on where it was, and a message Postgres refuses is set aside while the next is answered.

let stack: TestStack;
let agent: AdminClient;

beforeAll(async () => {
  stack = await startTestStack();
  agent = await AdminClient.agent(stack, 'Alice');
});

afterAll(async () => {
  await stack?.stop();
});

async function terminate(user: TestUser): Promise<void> {
  await stack.client.workflow.getHandle(await user.workflowId()).terminate('operator action');
}

async function submitTextHomework(user: TestUser, answer: string): Promise<string> {
  await user.pick('homework', 'Submit Homework');
  await user.say('Mathematics');
  await user.tap('homework_text', '📄 Text');
  const replies = await user.say(answer);
  expect(textOf(replies[0])).toContain('✅ Homework submitted for Mathematics!');
  return textOf(replies[0]);
}

describe('a conversation whose workflow was terminated', () => {
  it('goes on as the registered student, in the open chat, with new references', async () => {
    const user = await new TestUser(stack, newPhone(), 'Howard Smith').register();
    await user.say('support');
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
    const [opened] = await listChatSessions(stack.db, await user.contact());
    await terminate(user);

    // The next message starts a new run: it finds the chat open and the message goes to the agent.
    const replies = await user.say('are you still there?');
    expect(replies).toEqual([]);
    expect(await user.view()).toMatchObject({ state: 'CHAT_SUPPORT_ACTIVE', chatSessionKey: opened!.sessionKey });
    expect((await agent.chat('send', user.phone, 'Yes, I am here')).status).toBe(200);

    const ended = await user.say('end chat');
    expect(ended.some((r) => textOf(r).includes('Hey Howard! What would you like to do?'))).toBe(true);
    const sessions = await listChatSessions(stack.db, await user.contact());
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ sessionKey: opened!.sessionKey, endedBy: 'user' });

    // Two runs that each start over and take the same path: each homework gets a reference of its own.
    await terminate(user);
    const firstReceipt = await submitTextHomework(user, 'x = 4');
    await terminate(user);
    const secondReceipt = await submitTextHomework(user, 'y = 2');
    const homework = await listHomework(stack.db, await user.contact());
    expect(homework.map((h) => h.textBody)).toEqual(['x = 4', 'y = 2']);
    expect(firstReceipt).toContain(homework[0]!.reference);
    expect(secondReceipt).toContain(homework[1]!.reference);
  });

  it('starts a number Postgres has never seen from the welcome', async () => {
    const user = new TestUser(stack, newPhone());
    const replies = await user.say('hello');
    expect(textOf(replies[0])).toContain('Welcome to EduBot');
    expect(choices(replies[0])).toEqual(['register', 'faq', 'support']);
  });
});

describe('a message Postgres refuses', () => {
  it('is set aside with its conversation, the student is told, and the next message is answered', async () => {
    const user = new TestUser(stack, newPhone());
    await user.say('hello');
    // Signalled as a server that does not clean its input would: the webhook itself never lets U+0000 through.
    const waMessageId = `wamid.NUL${user.phone}`;
    const now = Date.now();
    await stack.client.workflow.getHandle(await user.workflowId()).signal(inboundSignal, {
      waMessageId,
      sender: { phone: user.phone },
      sentAt: now,
      receivedAt: now,
      content: { kind: 'text', text: 'null \0 byte' },
    });
    await waitFor(
      async () => (await listQuarantined(stack.db, { contactId: await user.contact(), limit: 5 })).length === 1,
      'the message to be set aside',
    );
    const [item] = await listQuarantined(stack.db, { contactId: await user.contact(), limit: 5 });
    expect(item).toMatchObject({ source: 'conversation', reason: 'store_refused', contactId: await user.contact() });
    expect(JSON.parse(item!.raw)).toMatchObject({ inbound: { waMessageId } });
    await user.settled();
    expect(textOf(stack.fake.sendsTo(user.phone).at(-1))).toContain("couldn't handle it");

    const replies = await user.say('menu');
    expect(replies).toHaveLength(1);
    expect(choices(replies[0])).toEqual(['register', 'faq', 'support']);
  });
});
