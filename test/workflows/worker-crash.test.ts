import { listMessages } from '../../src/db/messages';
import { contactIdOf } from '../helpers/contacts';
import { newPhone, textWebhook } from '../helpers/fixtures';
import type { Spawned } from '../helpers/spawn';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-spawn';
import { sleep, waitFor } from '../helpers/wait';

// The worker runs in its own process here, so it can be killed without warning.

let stack: TestStack;
let worker: Spawned | undefined;

beforeAll(async () => {
  stack = await startTestStack({}, { worker: false });
});

afterEach(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  worker = undefined;
  stack.fake.resumeSends();
  stack.fake.reset();
});

afterAll(async () => {
  await stack?.stop();
});

describe('a worker killed mid-conversation', () => {
  it('delivers the reply exactly once after a SIGKILL between accepting the webhook and sending', async () => {
    const phone = newPhone();
    worker = await startWorkerProcess(stack.config);
    stack.fake.pauseSends();
    expect((await stack.postWebhook(textWebhook(phone, 'hello').body)).status).toBe(200);

    // The worker is inside the send: WhatsApp has the request but has not answered.
    await stack.fake.waitForHeldSend(20_000);
    worker.child.kill('SIGKILL');
    await worker.exited;
    await stack.fake.waitFor(() => stack.fake.aborted === 1, 5_000, 'the dead worker to drop its request');
    stack.fake.resumeSends();

    worker = await startWorkerProcess(stack.config);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 1, 40_000, 'the reply after restart');
    await sleep(2000);
    expect(stack.fake.sendsTo(phone)).toHaveLength(1);

    const rows = await listMessages(stack.db, await contactIdOf(stack.db, phone));
    expect(rows.map((r) => [r.direction, r.status])).toEqual([
      ['inbound', 'received'],
      ['outbound', 'accepted'],
    ]);
    expect(rows[1]!.waMessageId).toBe(stack.fake.sendsTo(phone)[0]!.waMessageId);
    expect(rows[1]!.attempts).toBe(2);
  });

  it('answers a message accepted while no worker ran, once one starts', async () => {
    const phone = newPhone();
    expect((await stack.postWebhook(textWebhook(phone, 'anyone?').body)).status).toBe(200);
    await sleep(1000);
    expect(stack.fake.sendsTo(phone)).toHaveLength(0);

    worker = await startWorkerProcess(stack.config);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 1, 30_000, 'the reply');
    const rows = await waitFor(async () => {
      const list = await listMessages(stack.db, await contactIdOf(stack.db, phone));
      return list.length === 2 && list[1]!.status === 'accepted' ? list : undefined;
    }, 'stored reply');
    expect(rows[0]!.body).toBe('anyone?');
  });
});
