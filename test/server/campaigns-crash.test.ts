import { AdminClient } from '../helpers/admin-client';
import { campaignReaches, crashFigures, feedStatuses, killInSendGap, seedStudents } from '../helpers/campaigns';
import type { Spawned } from '../helpers/spawn';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-spawn';
import { loadTemplates } from '../helpers/templates';

// A campaign whose worker is SIGKILLed three times at random moments: every student gets it exactly
// once, none is skipped. A kill after WhatsApp accepted a send and before its wamid was stored (the
// Graph API's gap; a campaign sends all the time, so a kill often lands in one) is closed by the
// send's biz_opaque_callback_data: WhatsApp's status webhook echoes the key and stores the wamid, and
// the recipient's retry after its lease finds it. Meta's status webhooks are played by `feedStatuses`
// (test/helpers/campaigns.ts); the test stack's fake posts none of its own. Each kill is aimed into
// the gap by `killInSendGap`: the fake answers accepted sends 2 s late around it.

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

it('reaches every student exactly once, with the worker SIGKILLed three times mid-campaign', async () => {
  const students = await seedStudents(stack.db, 200, { className: 'Crash' });
  const statuses = feedStatuses(stack.fake, async (body) => (await stack.postWebhook(body)).status);
  const admin = new AdminClient(stack, stack.config.adminToken);
  worker = await startWorkerProcess(stack.config);
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
    // Into the gap: the kill lands while at least one accepted send waits for its answer.
    const dying = worker;
    await killInSendGap(stack.fake, async () => {
      dying.child.kill('SIGKILL');
      await dying.exited;
    });
    killedAt.push(stack.fake.sends.length);
    worker = await startWorkerProcess(stack.config);
  }
  expect(killedAt[2]!).toBeLessThan(200);

  const done = await campaignReaches(admin, id, 'done', 240_000);
  expect(done.counts).toMatchObject({ queued: 0, sent: 200, failed: 0, skipped: 0 });
  await statuses.stop();
  const perStudent = students.map((s) => stack.fake.sendsTo(s.phone).length);
  expect(perStudent.filter((n) => n !== 1)).toEqual([]);
  const { claimedAgain, rescued } = await crashFigures(stack.db, id);
  console.warn(
    `campaign crash test: ${claimedAgain} recipient(s) claimed again, ${rescued} wamid(s) stored by a status, none sent twice`,
  );
  // Each kill left at least one accepted send unanswered: the gap was crossed, not missed.
  expect(rescued).toBeGreaterThanOrEqual(killedAt.length);
}, 400_000);
