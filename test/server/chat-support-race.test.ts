import { listChatSessions } from '../../src/db/chat-sessions';
import { listMessages } from '../../src/db/messages';
import { AdminClient } from '../helpers/admin-client';
import { TestUser } from '../helpers/conversation';
import { newPhone, textWebhook } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

// User messages, two agents' sends and an agent's end racing on one conversation: the workflow is the
// only writer, so every accepted message is stored once and delivered once, and the end is final.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

it('stores and delivers every accepted message exactly once when users and agents race', async () => {
  const [alice, bob] = [await AdminClient.agent(stack, 'Alice'), await AdminClient.agent(stack, 'Bob')];
  const user = new TestUser(stack, newPhone(), 'Race Tester');
  await user.say('Hi');
  await user.say('support');
  expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');

  const userTexts = Array.from({ length: 4 }, (_, i) => `user message ${i}`);
  const agentSends = [
    ...Array.from({ length: 4 }, (_, i) => ({ agent: alice, name: 'Alice', text: `alice ${i}` })),
    ...Array.from({ length: 4 }, (_, i) => ({ agent: bob, name: 'Bob', text: `bob ${i}` })),
  ];
  // The admin may end the chat whichever agent took it first.
  const admin = new AdminClient(stack, stack.config.adminToken);
  const [webhooks, sends, end] = await Promise.all([
    Promise.all(userTexts.map((text) => stack.postWebhook(textWebhook(user.phone, text).body))),
    Promise.all(agentSends.map(({ agent, text }) => agent.chat('send', user.phone, text))),
    admin.chat('end', user.phone, 'Closing now'),
  ]);
  await user.settled();

  expect(webhooks.map((w) => w.status)).toEqual(userTexts.map(() => 200));
  expect(end.status).toBe(200);
  // Each send was decided by the workflow: delivered before the end, or refused (after the end, or
  // because the other agent's answer took the chat first).
  for (const response of sends) expect([200, 409]).toContain(response.status);

  const history = await listMessages(stack.db, await user.contact());
  const delivered = stack.fake.sendsTo(user.phone);
  sends.forEach((response, i) => {
    const body = `🎧 ${agentSends[i]!.name} (Support Team): ${agentSends[i]!.text}`;
    const rows = history.filter((m) => m.body === body);
    const onWhatsApp = delivered.filter((s) => s.content.kind === 'text' && s.content.text === body);
    if (response.status === 200) {
      expect(rows).toHaveLength(1);
      expect(onWhatsApp).toHaveLength(1);
      expect(rows[0]!.waMessageId).toBe(response.body.waMessageId);
      expect(rows[0]!.senderName).toBe(i < 4 ? 'Alice' : 'Bob');
    } else {
      expect(['not_in_chat_support', 'held_by_other']).toContain(response.body.error.code);
      expect([rows.length, onWhatsApp.length]).toEqual([0, 0]);
    }
  });
  for (const text of userTexts) expect(history.filter((m) => m.body === text)).toHaveLength(1);
  // No WhatsApp message was sent twice and no row was written twice.
  expect(new Set(delivered.map((s) => s.waMessageId)).size).toBe(delivered.length);
  const outbound = history.filter((m) => m.direction === 'outbound');
  expect(outbound.map((m) => m.waMessageId).sort()).toEqual(delivered.map((s) => s.waMessageId).sort());

  expect(await user.state()).toBe('IDLE');
  const sessions = await listChatSessions(stack.db, await user.contact());
  expect(sessions).toHaveLength(1);
  expect(sessions[0]).toMatchObject({ endedBy: 'Admin' });
  expect(sessions[0]!.endedAt).not.toBeNull();
});
