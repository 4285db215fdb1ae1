import { CONVERSATION_STATE, LAST_INBOUND_AT, REGISTERED } from '../../workflows/search-attributes';
import { AdminClient } from '../helpers/admin-client';
import { textOf, TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { sleep } from '../helpers/wait';

// What an operator sees in Temporal's visibility store: after every state change of a whole student
// story, a query on ConversationState, Registered and LastInboundAt finds the conversation in exactly
// that state. Visibility is eventually consistent, so each check polls until a deadline.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

const VISIBILITY_DEADLINE_MS = 10_000;

/**
 * Waits until visibility lists this conversation, and only it, under `state` with `registered`, and
 * under no other state. `inbound` also asks for LastInboundAt to be the user's latest message: it is
 * when the state changed (a change is always published with it), not after every message.
 */
async function expectListed(user: TestUser, state: string, registered: boolean, inbound = true): Promise<void> {
  const workflowId = await user.workflowId();
  const scope = `TaskQueue = "${stack.config.taskQueue}" AND ExecutionStatus = "Running"`;
  let query = `${scope} AND ConversationState = "${state}" AND Registered = ${registered}`;
  if (inbound) {
    const latest = (await user.history()).filter((m) => m.direction === 'inbound').at(-1)?.waTimestamp;
    if (!latest) throw new Error('no inbound message stored');
    // WhatsApp's timestamps are whole seconds; the visibility store matches a datetime by range, not by text.
    const next = new Date(latest.getTime() + 1000);
    query += ` AND LastInboundAt >= "${latest.toISOString()}" AND LastInboundAt < "${next.toISOString()}"`;
  }
  const deadline = Date.now() + VISIBILITY_DEADLINE_MS;
  for (;;) {
    const found: string[] = [];
    for await (const execution of stack.client.workflow.list({ query })) found.push(execution.workflowId);
    const elsewhere = await stack.client.workflow.count(`${scope} AND ConversationState != "${state}"`);
    if (found.length === 1 && found[0] === workflowId && elsewhere.count === 0) return;
    if (Date.now() > deadline) {
      const { typedSearchAttributes: shown } = await stack.client.workflow.getHandle(workflowId).describe();
      throw new Error(
        `visibility did not list ${workflowId} for [${query}] within ${VISIBILITY_DEADLINE_MS} ms; ` +
          `found [${found.join(', ')}]; it shows ConversationState=${shown.get(CONVERSATION_STATE)} ` +
          `Registered=${shown.get(REGISTERED)} LastInboundAt=${shown.get(LAST_INBOUND_AT)?.toISOString()}`,
      );
    }
    await sleep(100);
  }
}

async function confirmPayment(reference: string, amount: number): Promise<void> {
  expect(await stack.confirmPayment(reference, amount)).toBe(200);
}

describe('search attributes', () => {
  it('show every state of a student story, with Registered and LastInboundAt, in visibility queries', async () => {
    const user = new TestUser(stack, newPhone(), 'Howard Smith');

    await user.say('Hello');
    await expectListed(user, 'IDLE', false);

    await user.tap('register');
    await expectListed(user, 'REGISTERING_NAME', false);
    await user.say('Howard Smith');
    await expectListed(user, 'REGISTERING_EMAIL', false);
    await user.say('howard@example.com');
    await expectListed(user, 'REGISTERING_CLASS', false);
    await user.say('Grade 10');
    await expectListed(user, 'REGISTERED', true);

    await user.pick('homework', 'Submit Homework');
    await expectListed(user, 'HOMEWORK_SUBJECT', true);
    await user.say('Mathematics');
    await expectListed(user, 'HOMEWORK_TYPE', true);
    await user.tap('homework_text', '📄 Text');
    await expectListed(user, 'HOMEWORK_CONTENT', true);
    await user.say('x = 4 because 2x = 8');
    await expectListed(user, 'HOMEWORK_SUBMITTED', true);
    await user.tap('main_menu');
    await expectListed(user, 'REGISTERED', true);

    await user.say('pay');
    await expectListed(user, 'PAYMENT_PENDING', true);
    const link = (await user.tap('payment_confirm', '✅ Confirm'))
      .map(textOf)
      .join('\n')
      .match(/\/pay\/(\S+)/);
    expect(link).not.toBeNull();
    await expectListed(user, 'PAYMENT_PENDING', true, false);
    await confirmPayment(link![1]!, 5000);
    await user.settled();
    expect(await user.state()).toBe('REGISTERED');
    await expectListed(user, 'REGISTERED', true);

    // A chat the student opens, answered and ended by an agent on the admin API.
    const agent = await AdminClient.agent(stack, 'Ada');
    await user.say('support');
    await expectListed(user, 'CHAT_SUPPORT_ACTIVE', true);
    expect((await agent.chat('send', user.phone, 'Hi Howard, how can I help?')).status).toBe(200);
    await expectListed(user, 'CHAT_SUPPORT_ACTIVE', true, false);
    expect((await agent.chat('end', user.phone)).status).toBe(200);
    await expectListed(user, 'REGISTERED', true);

    // A chat the agent opens, ended by the student.
    expect((await agent.chat('start', user.phone, 'Hello again')).status).toBe(200);
    await expectListed(user, 'CHAT_SUPPORT_ACTIVE', true);
    await user.say('end chat');
    await expectListed(user, 'REGISTERED', true);
  });
});
