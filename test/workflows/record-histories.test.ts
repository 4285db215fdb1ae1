import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { linkSender } from '../../src/db/contacts';
import { listMessages } from '../../src/db/messages';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { conversationWorkflowId, paymentConfirmedSignal } from '../../workflows/messages';
import { AdminClient } from '../helpers/admin-client';
import { textOf, TestUser } from '../helpers/conversation';
import { newPhone, textWebhook, webhookBody, messagesChange } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { readTestEnvironment } from '../helpers/test-env';
import { temporalDataConverter } from '../../src/temporal/connect';
import { testPayloadKeys } from '../helpers/payload-keys';
import { pngFile } from '../helpers/media-files';
import { loadTemplates } from '../helpers/templates';

// Histories recorded since payloads are encrypted hold them sealed under the tests' key.
const testDataConverter = temporalDataConverter(testPayloadKeys());

// Each scenario drives a live conversation through every kind of item (and continue-as-new), then
// replays its runs with the current workflow bundle. `npm run histories` records them (one set per
// scenario, replacing the last) under histories/, which test/workflows/replay.test.ts replays in the
// fast unit loop: record them again whenever the workflow changes. Only the current version's histories
// are kept: a release's runs are pinned to its own build (Worker Versioning), so no newer code ever
// replays them. Stored in protobuf binary form: jest's module registry breaks the SDK's proto3-JSON
// conversion.

const HISTORIES_DIR = path.join(__dirname, 'histories');
const { History } = temporal.api.history.v1;

let stack: TestStack;
const bundle = () => ({ code: fs.readFileSync(readTestEnvironment().workflowBundlePath, 'utf8') });

beforeAll(async () => {
  // Short enough to fire in the test; long enough that a continue-as-new between two messages (about a
  // second on a busy machine) does not time the registration out.
  stack = await startTestStack({ FLOW_IDLE_TIMEOUT: '3s' });
});

afterAll(async () => {
  await stack?.stop();
});

async function replay(histories: HistoryAndWorkflowId[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: bundle(), dataConverter: testDataConverter },
    histories,
  )) {
    if (result.error) errors.push(result.error);
  }
  return errors;
}

describe('workflow replay', () => {
  it('replays a live conversation, across continue-as-new, with the current code', async () => {
    const phone = newPhone();
    // Started before its first message (to continue as new early): its contact made first, as the
    // webhook would, which then finds it.
    const contactId = await linkSender(stack.db, { sender: { phone } });
    const workflowId = conversationWorkflowId(contactId);
    await stack.client.workflow.start('conversationWorkflow', {
      workflowId,
      taskQueue: stack.config.taskQueue,
      args: [{ contactId, maxHistoryEvents: 12 }],
    });
    // Text, a reaction (no reply), a batch of two, an unsupported type and a refused send.
    await stack.postWebhook(textWebhook(phone, 'hello').body);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 1, 20_000);
    await stack.postWebhook(
      webhookBody([
        messagesChange([{ from: phone, type: 'reaction', part: { reaction: { message_id: 'wamid.x', emoji: '👍' } } }]),
      ]),
    );
    await stack.postWebhook(
      webhookBody([
        messagesChange([
          { from: phone, part: { text: { body: 'one' } } },
          { from: phone, part: { text: { body: 'two' } } },
        ]),
      ]),
    );
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 3, 20_000);
    await stack.postWebhook(
      webhookBody([messagesChange([{ from: phone, type: 'unsupported', part: { unsupported: { type: 'edit' } } }])]),
    );
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 4, 20_000);
    stack.fake.failNext(1, {
      status: 400,
      body: { error: { code: 131026, message: '(#131026) Message undeliverable', type: 'OAuthException' } },
    });
    await stack.postWebhook(textWebhook(phone, 'last').body);
    await waitFor(async () => {
      const rows = await listMessages(stack.db, contactId);
      return rows[rows.length - 1]?.status === 'failed';
    }, 'the refused reply');

    const histories = await closedHistories(workflowId);
    expect(histories.length).toBeGreaterThan(1);
    expect(await replay(histories)).toEqual([]);
    record('core', histories);
  });

  it('replays a full-flow conversation with timers, a payment and an agent chat', async () => {
    const user = new TestUser(stack, newPhone(), 'Ada Obi');
    const contactId = await linkSender(stack.db, { sender: { phone: user.phone } });
    await stack.client.workflow.start('conversationWorkflow', {
      workflowId: conversationWorkflowId(contactId),
      taskQueue: stack.config.taskQueue,
      args: [{ contactId, maxHistoryEvents: 40 }],
    });
    await user.say('Hi');
    await user.tap('register');
    await user.say('Ada Obi');
    await user.say('ada@example.com');
    await user.say('JSS 2');
    await user.pick('homework');
    await user.say('English');
    await user.tap('homework_text');
    await user.say('My essay');
    await user.say('pay');
    const link = (await user.tap('payment_confirm'))
      .map(textOf)
      .join(' ')
      .match(/pay\/(\S+)/);
    await stack.client.workflow
      .getHandle(conversationWorkflowId(contactId))
      .signal(paymentConfirmedSignal, { reference: link![1]!, amount: 5000 });
    await user.settled();
    const agent = await AdminClient.agent(stack, `Agent ${user.phone}`);
    expect((await agent.chat('start', user.phone, 'Hello Ada')).status).toBe(200);
    await user.say('thanks');
    expect((await agent.chat('end', user.phone)).status).toBe(200);
    await user.pick('csat_4');
    // A sub-flow left silent: the flow-idle timer (3 s here) brings the user back to the menu.
    await user.tap('update_profile');
    await waitFor(async () => (await user.state()) === 'REGISTERED', 'the flow idle timeout', 15_000);

    const histories = await closedHistories(conversationWorkflowId(contactId));
    expect(histories.length).toBeGreaterThan(1);
    expect(await replay(histories)).toEqual([]);
    record('full-flow', histories);
  });
});

describe('workflow replay of what agents send and students change', () => {
  it('replays files, templates, reactions, edits and deletions in a chat, with the current code', async () => {
    await loadTemplates(stack);
    const user = new TestUser(stack, newPhone(), 'Ada Obi');
    const contactId = await linkSender(stack.db, { sender: { phone: user.phone } });
    await stack.client.workflow.start('conversationWorkflow', {
      workflowId: conversationWorkflowId(contactId),
      taskQueue: stack.config.taskQueue,
      args: [{ contactId, maxHistoryEvents: 30 }],
    });
    const agent = await AdminClient.agent(stack, `Agent ${user.phone}`);
    await user.say('Hi');
    await user.say('support');
    const file = await agent.upload(pngFile(2_000), 'step-1.png', 'image/png');
    const sent = await agent.request('POST', `/api/admin/conversations/${user.phone}/chat-support/send`, {
      attachment: { id: file.body.media.id, caption: 'Step 1' },
      message: 'Then try step 2',
    });
    expect(sent.status).toBe(200);
    await user.say('I wrote x = 3');
    const mine = (await listMessages(stack.db, contactId)).filter((m) => m.direction === 'inbound').pop()!;
    const change = (type: string, part: Record<string, unknown>) => user.send(type, part);
    await change('reaction', { reaction: { message_id: sent.body.waMessageId, emoji: '👍' } });
    await change('edit', {
      edit: { original_message_id: mine.waMessageId, message: { type: 'text', text: { body: 'I wrote x = 4' } } },
    });
    await change('revoke', { revoke: { original_message_id: mine.waMessageId } });
    expect((await agent.chat('end', user.phone)).status).toBe(200);
    const template = await agent.request('POST', `/api/admin/conversations/${user.phone}/template`, {
      name: 'support_follow_up',
      language: 'en',
      parameters: { first_name: 'Ada' },
    });
    expect(template.status).toBe(200);
    await user.say('Thanks, what is it?');
    expect((await agent.chat('send', user.phone, 'x = 4 is right')).status).toBe(200);
    expect((await agent.chat('end', user.phone)).status).toBe(200);

    const histories = await closedHistories(conversationWorkflowId(contactId));
    expect(histories.length).toBeGreaterThan(1);
    expect(await replay(histories)).toEqual([]);
    record('support-content', histories);
  });
});

/** Every run of a workflow, terminated first: a closed history ends where the workflow stopped. */
async function closedHistories(workflowId: string): Promise<HistoryAndWorkflowId[]> {
  await stack.client.workflow.getHandle(workflowId).terminate('recorded for replay');
  const histories: HistoryAndWorkflowId[] = [];
  for await (const run of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
    histories.push({
      workflowId,
      history: await stack.client.workflow.getHandle(workflowId, run.runId).fetchHistory(),
    });
  }
  return histories;
}

/** With RECORD_HISTORIES=1 (`npm run histories`), the scenario's runs replace its recorded histories. */
function record(scenario: string, histories: HistoryAndWorkflowId[]): void {
  if (process.env.RECORD_HISTORIES !== '1') return;
  fs.mkdirSync(HISTORIES_DIR, { recursive: true });
  for (const old of fs.readdirSync(HISTORIES_DIR).filter((f) => f.startsWith(`${scenario}-`))) {
    fs.rmSync(path.join(HISTORIES_DIR, old));
  }
  histories.forEach(({ history }, i) =>
    fs.writeFileSync(
      path.join(HISTORIES_DIR, `${scenario}-${i + 1}.history.bin`),
      History.encode(history as temporal.api.history.v1.IHistory).finish(),
    ),
  );
}
