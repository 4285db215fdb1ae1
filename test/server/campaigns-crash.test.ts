import { AdminClient } from '../helpers/admin-client';
import { campaignReaches, seedStudents } from '../helpers/campaigns';
import { spawnTs, type Spawned } from '../helpers/spawn';
import { startTestStack, type TestStack } from '../helpers/stack';
import { loadTemplates } from '../helpers/templates';
import { TEST_ENV_FILE_VARIABLE } from '../helpers/test-env';
import { sleep } from '../helpers/wait';

// A campaign whose worker is SIGKILLed three times at random moments: every student gets it, none is
// skipped. The only double the design admits is the Graph API's own gap (a kill after WhatsApp accepted
// a send, before its wamid was stored): such a send's messages row shows two attempts. A campaign sends
// all the time, so a kill lands in some send's gap often (one double in a run of three kills is usual);
// the test fails on any double outside that gap, and on more doubles than kills.

let stack: TestStack;
let worker: Spawned | undefined;

beforeAll(async () => {
  stack = await startTestStack({}, { worker: false });
  await loadTemplates(stack);
}, 120_000);

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  await stack?.stop();
}, 60_000);

async function startWorkerProcess(): Promise<Spawned> {
  const { config } = stack;
  const spawned = spawnTs('test/helpers/worker-process.ts', {
    PATH: process.env.PATH,
    [TEST_ENV_FILE_VARIABLE]: process.env[TEST_ENV_FILE_VARIABLE],
    DATABASE_URL: config.databaseUrl,
    TEMPORAL_ADDRESS: config.temporalAddress,
    TEMPORAL_TASK_QUEUE: config.taskQueue,
    WHATSAPP_API_BASE_URL: config.whatsapp.apiBaseUrl,
    WHATSAPP_ACCESS_TOKEN: config.whatsapp.accessToken,
    WHATSAPP_PHONE_NUMBER_ID: config.whatsapp.phoneNumberId,
    WHATSAPP_APP_SECRET: config.whatsapp.appSecret,
    WHATSAPP_VERIFY_TOKEN: config.whatsapp.verifyToken,
    ADMIN_TOKEN: config.adminToken,
    PAYMENT_WEBHOOK_SECRET: config.payment.webhookSecret,
  });
  await spawned.waitForOutput('worker ready');
  return spawned;
}

it('reaches every student, twice only in the crash gap, with the worker SIGKILLed three times mid-campaign', async () => {
  const students = await seedStudents(stack.db, 200, { className: 'Crash' });
  const admin = new AdminClient(stack, stack.config.adminToken);
  worker = await startWorkerProcess();
  const { id, recipients } = (
    await admin.request('POST', '/api/admin/campaigns', {
      name: 'crash',
      template: { name: 'homework_reminder', language: 'en', parameters: { '1': '{first_name}', '2': 'Physics' } },
      audience: { class: 'Crash' },
      ratePerSecond: 20,
    })
  ).body as { id: string; recipients: number };
  expect(recipients).toBe(200);

  const killedAt: number[] = [];
  for (let kill = 0; kill < 3; kill++) {
    const before = stack.fake.sends.length;
    // Mid-campaign: after some sends of this worker, at a random moment.
    await stack.fake.waitFor(() => stack.fake.sends.length >= before + 10, 90_000, 'sends before the kill');
    await sleep(Math.random() * 1000);
    worker.child.kill('SIGKILL');
    await worker.exited;
    killedAt.push(stack.fake.sends.length);
    worker = await startWorkerProcess();
  }
  expect(killedAt[2]!).toBeLessThan(200);

  const done = await campaignReaches(admin, id, 'done', 240_000);
  expect(done.counts).toMatchObject({ queued: 0, sent: 200, failed: 0, skipped: 0 });
  const perStudent = students.map((s) => stack.fake.sendsTo(s.phone).length);
  expect(perStudent.filter((n) => n === 0)).toEqual([]);
  // A double could only come from the crash gap; the rows then show the second attempt.
  const { rows } = await stack.db.query<{ contact_id: string }>(
    `select contact_id from messages where idempotency_key like $1 and attempts > 1`,
    [`campaign:${id}:%`],
  );
  const inGap = new Set(rows.map((r) => r.contact_id));
  const doubled = students.filter((s, i) => perStudent[i]! > 1).map((s) => s.contactId);
  expect(doubled.filter((c) => !inGap.has(c))).toEqual([]);
  expect(doubled.length).toBeLessThanOrEqual(killedAt.length);
  if (doubled.length > 0) console.warn(`campaign crash test: ${doubled.length} send(s) doubled in the crash gap`);
}, 400_000);
