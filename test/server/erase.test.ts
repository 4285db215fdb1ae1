import { WorkflowNotFoundError } from '@temporalio/client';
import { createToken } from '../../src/auth/tokens';
import { findPayment } from '../../src/db/payments';
import { conversationWorkflowId } from '../../workflows/messages';
import { eraseContactWorkflowId } from '../../workflows/erase-contact';
import { choices, TestUser, textOf } from '../helpers/conversation';
import { contactIdOf } from '../helpers/contacts';
import os from 'node:os';
import { dumpDatabase } from '../helpers/database-dump';
import { messagesChange, newPhone, statusWebhook, webhookBody } from '../helpers/fixtures';
import { TEST_PAYLOAD_KEYS } from '../helpers/payload-keys';
import { spawnTs } from '../helpers/spawn';
import { startTestStack, type TestStack } from '../helpers/stack';
import { readTestEnvironment } from '../helpers/test-env';
import { waitFor } from '../helpers/wait';

// POST /api/admin/contacts/{id}/erase on the real stack (SPEC §12): a student who registered, wrote,
// sent a photo, paid and has a note is erased; afterwards a full dump of the database holds nothing of
// them, Temporal holds no run of their conversation, the audit log holds one entry naming the contact
// id and who asked, and a message from the same number starts a new, empty conversation.

let stack: TestStack;
let adminToken: string;
let agentToken: string;

beforeAll(async () => {
  stack = await startTestStack();
  adminToken = (await createToken(stack.db, { name: 'Admin Ife', role: 'admin' })).token;
  agentToken = (await createToken(stack.db, { name: 'Agent Femi', role: 'agent' })).token;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON body freely
type Answer = { status: number; body: any };

async function call(method: string, path: string, body?: unknown, token: string | null = adminToken): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as unknown) : undefined };
}

/** Asks for the erasure until it answers something other than 202 (in progress). */
async function erase(reference: string, token?: string | null): Promise<Answer> {
  for (;;) {
    const answer = await call('POST', `/api/admin/contacts/${encodeURIComponent(reference)}/erase`, undefined, token);
    if (answer.status !== 202) return answer;
  }
}

async function describeStatus(workflowId: string): Promise<string | undefined> {
  try {
    return (await stack.client.workflow.getHandle(workflowId).describe()).status.name;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

async function listRuns(workflowId: string): Promise<string[]> {
  const runs: string[] = [];
  for await (const execution of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` }))
    runs.push(execution.runId);
  return runs;
}

it('erases everything about a student, in Postgres and Temporal, and the number starts afresh', async () => {
  const phone = newPhone();
  const name = 'Zanele Qwertyuiop';
  const email = 'zanele@example.com';
  const texts = ['My cousin Thabo lives on Marula Street 1187', 'the ultraviolet pangolin question'];
  const photo = Buffer.from('a photo of Zanele holding her exercise book, page 42');
  const noteText = 'Zanele asked about the bursary for her sister Nomsa';

  const user = await new TestUser(stack, phone, name).register();
  const contactId = await user.contact();
  for (const text of texts) await user.say(text);
  stack.fake.addMedia('media-erase-1', photo, 'image/jpeg');
  await user.tap('main_menu');
  await user.pick('homework');
  await user.pick('subject_physics', 'Physics');
  await user.tap('homework_image', '🖼️ Image');
  await user.photo('media-erase-1', 'my photo caption Ubuntu-77');
  await user.tap('main_menu');
  // A payment, confirmed.
  const offered = await user.say('pay');
  expect(choices(offered[offered.length - 1])).toContain('payment_confirm');
  const link = (await user.tap('payment_confirm', '✅ Confirm'))
    .map(textOf)
    .join('\n')
    .match(/https:\/\/checkout\.sandbox\.edubot\.local\/pay\/(\S+)/);
  const reference = link![1]!;
  expect(await stack.confirmPayment(reference, 5000)).toBe(200);
  await waitFor(async () => (await findPayment(stack.db, reference))?.status === 'confirmed', 'the payment');
  await user.settled();
  // An agent's note, a delivery status, a quarantined item naming the number, and an audit row of an
  // earlier release that named the student's phone.
  expect(
    (await call('POST', `/api/admin/conversations/${contactId}/notes`, { text: noteText }, agentToken)).status,
  ).toBe(201);
  // A label on the conversation: it goes with the student (the cascade), the label itself stays.
  expect((await call('POST', '/api/admin/labels', { name: 'Erasure check', color: '#123456' })).status).toBe(201);
  expect(
    (await call('PUT', `/api/admin/conversations/${contactId}/labels`, { labels: ['Erasure check'] }, agentToken))
      .status,
  ).toBe(200);
  const outbound = (await user.history()).filter((m) => m.direction === 'outbound' && m.waMessageId !== null);
  expect(
    (
      await stack.postWebhook(
        statusWebhook([
          {
            id: outbound[0]!.waMessageId!,
            status: 'delivered',
            timestamp: Math.floor(Date.now() / 1000),
            recipient: phone,
          },
        ]),
      )
    ).status,
  ).toBe(200);
  expect((await stack.postWebhook(webhookBody([messagesChange([{ from: phone, id: '', name }])]))).status).toBe(200);
  await stack.db.query(
    `insert into audit_log (actor, action, contact_id, outcome, http_status, details)
     values ('Admin Ife', 'conversations.get', $1, 'ok', 200, $2)`,
    [contactId, JSON.stringify({ phone, note: `looked up +${phone}` })],
  );

  const needles = [phone, name, email, ...texts, noteText, reference, photo.toString('hex'), 'Ubuntu-77'];
  // The dump sees the student before: a grep that finds nothing afterwards means something.
  const before = await dumpDatabase(stack.config.databaseUrl!);
  for (const needle of needles)
    expect({ needle, found: before.text.includes(needle) }).toEqual({ needle, found: true });
  expect(await listRuns(conversationWorkflowId(contactId))).not.toHaveLength(0);

  const answer = await erase(contactId);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ status: 'success', contactId, erasedContacts: [contactId] });
  expect(answer.body.rows).toMatchObject({ contacts: 1, profiles: 1, media: 1, notes: 1, paymentsAnonymised: 1 });
  expect(answer.body.rows.messages).toBeGreaterThan(10);
  expect(answer.body.rows.quarantine).toBeGreaterThanOrEqual(1);
  expect(answer.body.temporalRunsDeleted).toBeGreaterThanOrEqual(1);

  const after = await dumpDatabase(stack.config.databaseUrl!);
  const found = needles.filter((needle) => after.text.includes(needle));
  expect({ via: after.via, found }).toEqual({ via: after.via, found: [] });

  const { rows: labelled } = await stack.db.query('select 1 from conversation_labels where contact_id = $1', [
    contactId,
  ]);
  expect(labelled).toEqual([]);
  const { rows: labels } = await stack.db.query<{ name: string }>('select name from labels');
  expect(labels).toEqual([{ name: 'Erasure check' }]);

  // Temporal: no run of the conversation, open or closed.
  expect(await describeStatus(conversationWorkflowId(contactId))).toBeUndefined();
  expect(await listRuns(conversationWorkflowId(contactId))).toEqual([]);

  // One audit entry of the erasure: the contact id and who asked, nothing of the student.
  const { rows: entries } = await stack.db.query<{ actor: string; role: string; contact_id: string; details: unknown }>(
    `select actor, role, contact_id, details from audit_log where action = 'contact.erase'`,
  );
  expect(entries).toHaveLength(1);
  expect(entries[0]).toMatchObject({ actor: 'Admin Ife', role: 'admin', contact_id: contactId });
  expect(needles.filter((needle) => JSON.stringify(entries[0]).includes(needle))).toEqual([]);

  // The payment stays for the figures, linked to no one.
  const { rows: payments } = await stack.db.query<{ contact_id: string | null; amount: number; status: string }>(
    'select contact_id, amount, status from payments',
  );
  expect(payments).toEqual([{ contact_id: null, amount: 5000, status: 'confirmed' }]);

  // The same number again: a new contact, a new conversation, the welcome of a first hello.
  const again = new TestUser(stack, phone, 'Someone New');
  const replies = await again.say('Hi');
  expect(textOf(replies[0])).toContain('Welcome to EduBot');
  const newContact = await contactIdOf(stack.db, phone);
  expect(newContact).not.toBe(contactId);
  expect(await again.state()).toBe('IDLE');
  expect((await again.history()).filter((m) => m.direction === 'inbound')).toHaveLength(1);

  // Asking again for the erased id answers as the erasure did; the erasure's own history is not personal.
  const repeat = await erase(contactId);
  expect(repeat.status).toBe(200);
  expect(repeat.body.contactId).toBe(contactId);
  const history = JSON.stringify(
    await stack.client.workflow.getHandle(eraseContactWorkflowId(contactId)).fetchHistory(),
  );
  expect(needles.filter((needle) => history.includes(needle))).toEqual([]);
}, 240_000);

it('keeps an erasure asked for while no worker runs, and finishes it once one does: 202, then 200', async () => {
  const user = new TestUser(stack, newPhone(), 'Patient Student');
  await user.say('Hi');
  const contactId = await user.contact();
  await stack.stopWorker();
  try {
    const accepted = await call('POST', `/api/admin/contacts/${contactId}/erase`);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toMatchObject({ status: 'accepted', erasure: eraseContactWorkflowId(contactId) });
  } finally {
    await stack.startWorker();
  }
  const done = await erase(contactId);
  expect(done.status).toBe(200);
  expect(done.body.erasedContacts).toEqual([contactId]);
  // The second request joined the first: one erasure, one audit entry.
  expect(await listRuns(eraseContactWorkflowId(contactId))).toHaveLength(1);
  const { rows } = await stack.db.query(`select 1 from audit_log where action = 'contact.erase' and contact_id = $1`, [
    contactId,
  ]);
  expect(rows).toHaveLength(1);
  expect(await listRuns(conversationWorkflowId(contactId))).toEqual([]);
}, 120_000);

describe('who may erase', () => {
  it('refuses without a token (401), an agent (403) and an unknown contact (404), erasing nothing', async () => {
    const user = new TestUser(stack, newPhone(), 'Kept Student');
    await user.say('Hi');
    const contactId = await user.contact();

    expect((await erase(contactId, null)).status).toBe(401);
    const agent = await erase(contactId, agentToken);
    expect(agent.status).toBe(403);
    expect((await erase('ct_00000000000000000000')).status).toBe(404);
    expect((await erase('15550009999999')).status).toBe(404);
    expect((await erase('not a contact!')).status).toBe(400);

    expect(await contactIdOf(stack.db, user.phone)).toBe(contactId);
    expect(await describeStatus(conversationWorkflowId(contactId))).toBe('RUNNING');
    expect(await describeStatus(eraseContactWorkflowId(contactId))).toBeUndefined();
  });
});

describe('npm run admin -- erase', () => {
  /** Runs the admin CLI against the stack's database, Temporal and task queue. */
  async function adminCli(...args: string[]): Promise<{ code: number | null; output: string }> {
    const run = spawnTs(
      'src/bin/admin.ts',
      {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        DATABASE_URL: stack.config.databaseUrl,
        TEMPORAL_ADDRESS: readTestEnvironment().temporalAddress,
        TEMPORAL_NAMESPACE: stack.config.temporalNamespace,
        TEMPORAL_TASK_QUEUE: stack.config.taskQueue,
        TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
        LOG_LEVEL: 'warn',
      },
      args,
    );
    const code = await run.exited;
    return { code, output: run.output() };
  }

  it('erases a student named by phone, audited as the account that ran it', async () => {
    const user = new TestUser(stack, newPhone(), 'Cli Student');
    await user.say('Hi from the shell test');
    const contactId = await user.contact();
    const actor = `admin-cli:${os.userInfo().username}`;

    const erased = await adminCli('erase', `+${user.phone}`);
    expect(erased).toMatchObject({ code: 0 });
    expect(erased.output).toContain(`erased ${contactId}`);
    expect(await describeStatus(conversationWorkflowId(contactId))).toBeUndefined();
    const { rows } = await stack.db.query<{ action: string; actor: string; outcome: string }>(
      `select action, actor, outcome from audit_log where contact_id = $1 order by id`,
      [contactId],
    );
    expect(rows).toEqual([
      { action: 'contact.erase', actor, outcome: 'ok' },
      { action: 'contacts.erase', actor, outcome: 'ok' },
    ]);

    // Again by its contact id: erased already, said so; the phone names no one any more.
    expect(await adminCli('erase', contactId)).toMatchObject({ code: 0 });
    expect(await adminCli('erase', user.phone)).toMatchObject({ code: 1 });
  }, 120_000);
});
