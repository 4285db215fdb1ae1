import { findPayment } from '../../src/db/payments';
import { getStudent } from '../../src/db/users';
import { signPaystackBody } from '../../src/server/routes/payments';
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
    expect(await getStudent(stack.db, user.phone)).toMatchObject({ fullName: 'Grace Hopper', className: 'Grade 9' });
  });

  it('expires a payment that is not confirmed in time', async () => {
    const user = await registered('Alan Turing');
    await user.say('subscribe');
    const link = (await user.tap('payment_confirm')).map(textOf).join(' ').match(/pay\/(\S+)/);
    const reference = link![1]!;
    expect((await findPayment(stack.db, reference))?.status).toBe('pending');
    await waitFor(async () => (await findPayment(stack.db, reference))?.status === 'expired', 'the payment to expire', 15_000);
    await user.settled();
    expect(await user.state()).toBe('REGISTERED');

    // The money arrives late: the student paid, so the subscription starts all the same.
    const body = JSON.stringify({ event: 'charge.success', data: { reference, status: 'success', amount: 5000 } });
    const response = await fetch(`${stack.baseUrl}/api/payments/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-paystack-signature': signPaystackBody(body, stack.config.payment.webhookSecret) },
      body,
    });
    expect(response.status).toBe(200);
    await waitFor(async () => (await findPayment(stack.db, reference))?.status === 'confirmed', 'the late confirmation', 15_000);
    await user.settled();
    expect((await getStudent(stack.db, user.phone))?.subscriptionActiveUntil).not.toBeNull();
  });
});
