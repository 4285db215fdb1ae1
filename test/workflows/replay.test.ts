import fs from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { listMessages } from '../../src/db/messages';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { conversationWorkflowId } from '../../workflows/messages';
import { newPhone, textWebhook, webhookBody, messagesChange } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { readTestEnvironment } from '../helpers/test-env';

// Recorded histories are replayed through the current workflow code: a change that would make a
// running conversation non-deterministic fails here. UPDATE_HISTORIES=1 records a fresh set from the
// scenario below (do that only when a new behaviour lands, keeping the old files). Histories are
// stored in protobuf binary form: jest's module registry breaks the SDK's proto3-JSON conversion.

const HISTORIES_DIR = path.join(__dirname, 'histories');
const { History } = temporal.api.history.v1;

let stack: TestStack;
const bundle = () => ({ code: fs.readFileSync(readTestEnvironment().workflowBundlePath, 'utf8') });

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function replay(histories: HistoryAndWorkflowId[]): Promise<unknown[]> {
  const errors: unknown[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle() }, histories)) {
    if (result.error) errors.push(result.error);
  }
  return errors;
}

describe('workflow replay', () => {
  it('replays every recorded history with the current code', async () => {
    const files = fs.readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.history.bin'));
    expect(files.length).toBeGreaterThan(0);
    const histories = files.map((f) => ({
      workflowId: 'conversation-15550000000',
      history: History.decode(fs.readFileSync(path.join(HISTORIES_DIR, f))),
    }));
    expect(await replay(histories)).toEqual([]);
  });

  it('replays a live conversation, across continue-as-new, with the current code', async () => {
    const phone = newPhone();
    const workflowId = conversationWorkflowId(phone);
    await stack.client.workflow.start('conversationWorkflow', {
      workflowId,
      taskQueue: stack.config.taskQueue,
      args: [{ phone, maxHistoryEvents: 12 }],
    });
    // Text, a reaction (no reply), a batch of two, an unsupported type and a refused send.
    await stack.postWebhook(textWebhook(phone, 'hello').body);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 1, 20_000);
    await stack.postWebhook(
      webhookBody([messagesChange([{ from: phone, type: 'reaction', part: { reaction: { message_id: 'wamid.x', emoji: '👍' } } }])]),
    );
    await stack.postWebhook(
      webhookBody([messagesChange([{ from: phone, part: { text: { body: 'one' } } }, { from: phone, part: { text: { body: 'two' } } }])]),
    );
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 3, 20_000);
    await stack.postWebhook(webhookBody([messagesChange([{ from: phone, type: 'unsupported', part: { unsupported: { type: 'edit' } } }])]));
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 4, 20_000);
    stack.fake.failNext(1, { status: 400, body: { error: { code: 131026, message: '(#131026) Message undeliverable', type: 'OAuthException' } } });
    await stack.postWebhook(textWebhook(phone, 'last').body);
    await waitFor(async () => {
      const rows = await listMessages(stack.db, phone);
      return rows[rows.length - 1]?.status === 'failed';
    }, 'the refused reply');

    // A closed history ends where the workflow stopped; an open one would make the replayer run on.
    await stack.client.workflow.getHandle(workflowId).terminate('recorded for replay');
    const histories: HistoryAndWorkflowId[] = [];
    for await (const run of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      histories.push({ workflowId, history: await stack.client.workflow.getHandle(workflowId, run.runId).fetchHistory() });
    }
    expect(histories.length).toBeGreaterThan(1);
    expect(await replay(histories)).toEqual([]);

    if (process.env.UPDATE_HISTORIES === '1') {
      histories.forEach(({ history }, i) =>
        fs.writeFileSync(
          path.join(HISTORIES_DIR, `conversation-core-${i + 1}.history.bin`),
          History.encode(history as temporal.api.history.v1.IHistory).finish(),
        ),
      );
    }
  });
});
