import { linkSender } from '../../src/db/contacts';
import { listMessages } from '../../src/db/messages';
import { conversationQuery, conversationWorkflowId } from '../../workflows/messages';
import { CONVERSATION_STATE, LAST_INBOUND_AT, REGISTERED } from '../../workflows/search-attributes';
import { AdminClient } from '../helpers/admin-client';
import { workflowIdOf } from '../helpers/contacts';
import { textOf, TestUser } from '../helpers/conversation';
import { messagesChange, newPhone, textWebhook, webhookBody } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { sleep, waitFor } from '../helpers/wait';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function say(phone: string, text: string, id?: string): Promise<string> {
  const message = textWebhook(phone, text, id);
  expect((await stack.postWebhook(message.body)).status).toBe(200);
  return message.id;
}

describe('conversationWorkflow', () => {
  it('continues as new with its state and still ignores redeliveries from the earlier run', async () => {
    const phone = newPhone();
    // Started before its first message (to continue as new early): its contact made first, as the
    // webhook would, which then finds it.
    const contactId = await linkSender(stack.db, { sender: { phone } });
    const workflowId = conversationWorkflowId(contactId);
    const first = await stack.client.workflow.start('conversationWorkflow', {
      workflowId,
      taskQueue: stack.config.taskQueue,
      args: [{ contactId, maxHistoryEvents: 12 }],
    });

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      ids.push(await say(phone, `message ${i}`));
      await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === i + 1, 20_000, `reply ${i}`);
    }
    const handle = stack.client.workflow.getHandle(workflowId);
    const current = await handle.describe();
    expect(current.runId).not.toBe(first.firstExecutionRunId);
    expect(current.status.name).toBe('RUNNING');

    // Meta redelivers the first message after the run that saw it has continued as new.
    await say(phone, 'message 0', ids[0]);
    await sleep(1500);
    expect(stack.fake.sendsTo(phone)).toHaveLength(6);
    const inbound = (await listMessages(stack.db, contactId)).filter((m) => m.direction === 'inbound');
    expect(inbound.map((m) => m.body)).toEqual([
      'message 0',
      'message 1',
      'message 2',
      'message 3',
      'message 4',
      'message 5',
    ]);
    expect(await handle.query(conversationQuery)).toEqual({
      state: 'IDLE',
      registered: false,
      pending: 0,
      busy: false,
    });
  });

  it('keeps the ConversationState, Registered and LastInboundAt search attributes current', async () => {
    const phone = newPhone();
    const sentAt = Math.floor(Date.now() / 1000) - 5;
    expect((await stack.postWebhook(textWebhook(phone, 'hi', undefined, sentAt).body)).status).toBe(200);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 1, 20_000);
    // The webhook started the workflow of the contact it resolved the number to: its id holds no phone.
    const workflowId = await workflowIdOf(stack.db, phone);
    expect(workflowId).toMatch(/^conversation-ct_[0-9a-f]{20}$/);
    expect(workflowId).not.toContain(phone.slice(-7));

    const attributes = await waitFor(async () => {
      const { typedSearchAttributes } = await stack.client.workflow.getHandle(workflowId).describe();
      const state = typedSearchAttributes.get(CONVERSATION_STATE);
      return state === 'IDLE' ? typedSearchAttributes : undefined;
    }, 'the IDLE state attribute');
    expect(attributes.get(REGISTERED)).toBe(false);
    expect(attributes.get(LAST_INBOUND_AT)?.getTime()).toBe(sentAt * 1000);

    const listed = await waitFor(async () => {
      const found: string[] = [];
      for await (const w of stack.client.workflow.list({
        query: `ConversationState = "IDLE" AND WorkflowId = "${workflowId}"`,
      })) {
        found.push(w.workflowId);
      }
      return found.length > 0 ? found : undefined;
    }, 'the conversation in a visibility query');
    expect([...new Set(listed)]).toEqual([workflowId]);
  });

  it('answers every agent command that arrives while the run continues as new', async () => {
    const user = new TestUser(stack, newPhone(), 'Update Tester');
    const contactId = await linkSender(stack.db, { sender: { phone: user.phone } });
    await stack.client.workflow.start('conversationWorkflow', {
      workflowId: conversationWorkflowId(contactId),
      taskQueue: stack.config.taskQueue,
      args: [{ contactId, maxHistoryEvents: 20 }],
    });
    await user.say('Hi');
    await user.say('support');
    const agent = await AdminClient.agent(stack, 'Casey');
    const texts = Array.from({ length: 12 }, (_, i) => `reply ${i}`);
    const answers = await Promise.all(texts.map((text) => agent.chat('send', user.phone, text)));
    expect(answers.map((a) => a.status)).toEqual(texts.map(() => 200));
    await user.settled();

    const runs: string[] = [];
    for await (const run of stack.client.workflow.list({
      query: `WorkflowId = "${conversationWorkflowId(contactId)}"`,
    }))
      runs.push(run.runId);
    expect(runs.length).toBeGreaterThan(1);
    const delivered = stack.fake
      .sendsTo(user.phone)
      .map(textOf)
      .filter((t) => t.startsWith('🎧 Casey (Support Team): reply'));
    expect([...delivered].sort()).toEqual(texts.map((t) => `🎧 Casey (Support Team): ${t}`).sort());
    const stored = await stack.db.query<{ body: string }>(
      "select body from messages where contact_id = $1 and sender = 'agent' and body like '%reply%'",
      [contactId],
    );
    expect(stored.rows.map((r) => r.body).sort()).toEqual([...delivered].sort());
  });

  it('skips a redelivery the database knows even when the workflow has forgotten it', async () => {
    const user = new TestUser(stack, newPhone(), 'Forgetful');
    const first = textWebhook(user.phone, 'first message');
    expect((await stack.postWebhook(first.body)).status).toBe(200);
    await user.settled(async () =>
      (await listMessages(stack.db, await user.contact())).some((m) => m.waMessageId === first.id),
    );
    await stack.fake.waitFor(() => stack.fake.sendsTo(user.phone).length === 1, 20_000);
    // An operator ends the workflow: the next one starts with no memory of recent wamids.
    await stack.client.workflow.getHandle(await user.workflowId()).terminate('operator reset');

    const second = textWebhook(user.phone, 'second message');
    const batch = webhookBody([
      messagesChange([
        {
          from: user.phone,
          id: first.id,
          timestamp: Math.floor(Date.now() / 1000) - 5,
          part: { text: { body: 'first message' } },
        },
        { from: user.phone, id: second.id, part: { text: { body: 'second message' } } },
      ]),
    ]);
    expect((await stack.postWebhook(batch)).status).toBe(200);
    await user.settled(async () =>
      (await listMessages(stack.db, await user.contact())).some((m) => m.waMessageId === second.id),
    );
    await sleep(1000);

    // One reply for the new message; none again for the old one.
    expect(stack.fake.sendsTo(user.phone)).toHaveLength(2);
    const inbound = (await listMessages(stack.db, await user.contact())).filter((m) => m.direction === 'inbound');
    expect(inbound.map((m) => m.body)).toEqual(['first message', 'second message']);
  });
});
