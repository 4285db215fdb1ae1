import { silentLogger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { installRuntimeLogger } from '../../src/temporal/worker';
import { newPhone, textWebhook } from '../helpers/fixtures';
import type { Spawned } from '../helpers/spawn';
import { workflowIdOf } from '../helpers/contacts';
import { startTestStack, type TestStack } from '../helpers/stack';
import { startWorkerProcess } from '../helpers/worker-spawn';
import { TEMPORAL_WORKER_EVENT_METRICS, TEMPORAL_WORKER_METRICS } from '../helpers/temporal-sdk-metrics';
import { waitFor } from '../helpers/wait';

// What the production worker (runWorker) tells an operator about itself, seen from outside: its
// process is its own, so the Temporal runtime it installs is the one under test and no other test's.

let stack: TestStack;
let worker: Spawned;
let metricsUrl: string;

beforeAll(async () => {
  stack = await startTestStack({}, { worker: false });
  const { config } = stack;
  const metricsAddress = `127.0.0.1:${await findFreePort()}`;
  metricsUrl = `http://${metricsAddress}/metrics`;
  worker = await startWorkerProcess(config, {
    TEMPORAL_METRICS_ADDRESS: metricsAddress,
    // The smallest cache, so a few conversations evict one another.
    WORKFLOW_CACHE_SIZE: '10',
  });
});

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGTERM');
    await worker.exited;
  }
  await stack?.stop();
});

/** The worker's log: one JSON object per line (it writes nothing else but its ready line). */
function logEntries(): Record<string, unknown>[] {
  return worker
    .output()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('the worker process', () => {
  // A send WhatsApp answers with a 500 is retried, and the activity logs a warning through the SDK,
  // which adds the workflow id: `conversation-<contact id>`, which holds no phone number.
  const phone = newPhone();

  beforeAll(async () => {
    stack.fake.failNext(1, { status: 500, body: { error: { message: 'Service unavailable', code: 2 } } });
    expect((await stack.postWebhook(textWebhook(phone, 'hello').body)).status).toBe(200);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length > 0, 30_000, 'the reply after the retry');
  });

  it('forwards the SDK log lines of a conversation under its contact, with no phone number', async () => {
    const retried = await waitFor(
      () => Promise.resolve(logEntries().find((entry) => entry.message === 'send failed, will retry')),
      'the forwarded activity warning',
    );
    expect(retried).toMatchObject({
      level: 'warn',
      source: 'temporal',
      workflowId: await workflowIdOf(stack.db, phone),
    });
    expect(retried.workflowId).toMatch(/^conversation-ct_[0-9a-f]{20}$/);
    expect(worker.output()).not.toContain(phone);
    expect(worker.output()).not.toContain(phone.slice(-7));
  });

  it('serves the SDK worker metrics of its task queue on TEMPORAL_METRICS_ADDRESS', async () => {
    // Eleven more conversations through a cache of ten evict the first; its next message misses the cache.
    const others = Array.from({ length: 10 + 1 }, () => newPhone());
    for (const other of others) expect((await stack.postWebhook(textWebhook(other, 'hi').body)).status).toBe(200);
    await stack.fake.waitFor(() => others.every((p) => stack.fake.sendsTo(p).length > 0), 60_000, 'every reply');
    const replies = stack.fake.sendsTo(phone).length;
    expect((await stack.postWebhook(textWebhook(phone, 'still there?').body)).status).toBe(200);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length > replies, 30_000, 'the evicted one answering');
    // The last one started is still cached: its next message hits.
    const recent = others[others.length - 1]!;
    expect((await stack.postWebhook(textWebhook(recent, 'and again').body)).status).toBe(200);
    await stack.fake.waitFor(() => stack.fake.sendsTo(recent).length > 1, 30_000, 'the cached one answering');

    // The SDK records some figures when a task finishes, after the reply has gone out.
    const expected = [...TEMPORAL_WORKER_METRICS, ...TEMPORAL_WORKER_EVENT_METRICS];
    let text = '';
    const missing = async () => {
      const response = await fetch(metricsUrl);
      expect(response.status).toBe(200);
      text = await response.text();
      const families = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
      return expected.filter((name) => !families.has(name));
    };
    await waitFor(async () => (await missing()).length === 0, 'every figure', 15_000).catch(() => undefined);
    expect(await missing()).toEqual([]);

    // Slots of this worker: the label names the test's own task queue.
    expect(text).toMatch(
      new RegExp(`^temporal_worker_task_slots_used\\{[^}]*task_queue="${stack.config.taskQueue}"`, 'm'),
    );
    expect(text).toMatch(/^temporal_workflow_task_schedule_to_start_latency_bucket\{/m);
    for (const digits of [phone, ...others]) expect(text).not.toContain(digits);
  });
});

describe("this test process's own Temporal runtime", () => {
  // startTestStack installed it, without metrics; the SDK keeps the first installer's options.
  it('refuses a second install that asks for metrics, rather than serving none', () => {
    expect(() => installRuntimeLogger(silentLogger, { metricsAddress: '127.0.0.1:9464' })).toThrow(
      /already installed without metrics; cannot serve them on 127\.0\.0\.1:9464/,
    );
    expect(() => installRuntimeLogger(silentLogger)).not.toThrow();
  });
});
