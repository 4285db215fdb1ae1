import { temporal } from '@temporalio/proto';
import { listChatSessions } from '../../src/db/chat-sessions';
import { findPayment } from '../../src/db/payments';
import { getStudent } from '../../src/db/users';
import { AdminClient } from '../helpers/admin-client';
import { textOf, TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// Durable timers on the real server, with short configured durations.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({ FLOW_IDLE_TIMEOUT: '1s', PAYMENT_TIMEOUT: '2s' });
});

afterAll(async () => {
  await stack?.stop();
});

async function registered(name: string): Promise<TestUser> {
  const user = new TestUser(stack, newPhone(), name);
  await user.say('Hi');
  await user.tap('register');
  await user.say(name);
  await user.say('student@example.com');
  // The flow idle timer restarts at every step, so quick answers are never cut off.
  await user.say('Grade 9');
  expect(await user.state()).toBe('REGISTERED');
  return user;
}

describe('flow timers', () => {
  it('returns a user silent inside a sub-flow to the resting state, keeping what was saved', async () => {
    const user = await registered('Grace Hopper');
    await user.tap('update_profile');
    expect(await user.state()).toBe('REGISTERING_NAME');
    await waitFor(async () => (await user.state()) === 'REGISTERED', 'the flow idle timeout', 15_000);
    await user.settled();
    expect(textOf(stack.fake.sendsTo(user.phone).at(-1))).toContain('Hey Grace! What would you like to do?');
    expect(await getStudent(stack.db, await user.contact())).toMatchObject({
      fullName: 'Grace Hopper',
      className: 'Grade 9',
    });
  });

  it('expires a payment that is not confirmed in time', async () => {
    const user = await registered('Alan Turing');
    await user.say('subscribe');
    const link = (await user.tap('payment_confirm'))
      .map(textOf)
      .join(' ')
      .match(/pay\/(\S+)/);
    const reference = link![1]!;
    expect((await findPayment(stack.db, reference))?.status).toBe('pending');
    await waitFor(
      async () => (await findPayment(stack.db, reference))?.status === 'expired',
      'the payment to expire',
      15_000,
    );
    await user.settled();
    expect(await user.state()).toBe('REGISTERED');

    // The money arrives late: the student paid, so the subscription starts all the same.
    expect(await stack.confirmPayment(reference, 5000)).toBe(200);
    await waitFor(
      async () => (await findPayment(stack.db, reference))?.status === 'confirmed',
      'the late confirmation',
      15_000,
    );
    await user.settled();
    expect((await getStudent(stack.db, await user.contact()))?.subscriptionActiveUntil).not.toBeNull();
  });
});

describe('one durable timer for the earliest deadline', () => {
  it('rings for a deadline that moved earlier than the one the timer was set for, and starts one timer, not one per message', async () => {
    // The flow idle timer is an hour here, the chat timers seconds: the chat's deadline comes first.
    const other = await startTestStack({ FLOW_IDLE_TIMEOUT: '1h', CHAT_IDLE_REMINDER: '1s', CHAT_IDLE_TIMEOUT: '2s' });
    try {
      const user = new TestUser(other, newPhone(), 'Ada Obi');
      await user.say('Hi');
      await user.tap('register');
      await user.say('Ada Obi');
      await user.say('ada@example.com');
      expect(await user.state()).toBe('REGISTERING_CLASS');
      const agent = await AdminClient.agent(other, 'Agent Timers');
      expect((await agent.chat('start', user.phone, 'Hello Ada')).status).toBe(200);
      await waitFor(
        async () => (await listChatSessions(other.db, await user.contact()))[0]?.endedBy === 'timeout',
        'the idle chat to close',
        15_000,
      );

      const events = (await other.client.workflow.getHandle(await user.workflowId()).fetchHistory()).events ?? [];
      const count = (type: temporal.api.enums.v1.EventType) => events.filter((e) => e.eventType === type).length;
      const { EventType } = temporal.api.enums.v1;
      // The messages inside registration moved the hour-long deadline each time, yet it had one timer,
      // cancelled only when the chat's earlier deadline came; every other timer rang (reminder, close).
      expect(count(EventType.EVENT_TYPE_TIMER_CANCELED)).toBe(1);
      expect(count(EventType.EVENT_TYPE_TIMER_FIRED)).toBeGreaterThanOrEqual(2);
      expect(count(EventType.EVENT_TYPE_TIMER_STARTED)).toBe(count(EventType.EVENT_TYPE_TIMER_FIRED) + 1);
    } finally {
      await other.stop();
    }
  });
});
