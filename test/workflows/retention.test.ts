import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { loadConfig, type Config } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { createAppMetrics } from '../../src/metrics/app-metrics';
import { runWorker, type RunningWorker } from '../../src/runtime';
import { temporalDataConverter } from '../../src/temporal/connect';
import { ensureRetentionSchedule, RETENTION_SCHEDULE_ID } from '../../src/temporal/retention-schedule';
import type { RetentionResult } from '../../workflows/retention';
import { stopAtFileEnd } from '../helpers/cleanup';
import { createTestDatabase } from '../helpers/database';
import { registerTestNamespace } from '../helpers/namespace';
import { TEST_PAYLOAD_KEYS, testPayloadKeys } from '../helpers/payload-keys';
import {
  countRows,
  newContactId,
  seedAudit,
  seedChat,
  seedMedia,
  seedMessage,
  seedQuarantine,
} from '../helpers/retention-rows';
import { readTestEnvironment } from '../helpers/test-env';
import { waitFor } from '../helpers/wait';

// Retention as the product runs it: the worker writes the Temporal Schedule at start, a run of it (here
// triggered by hand, as an operator may) prunes what is older than the limits and /metrics counts it.
// In a namespace of its own: the schedule's id is the product's, one per namespace.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let config: Config;
let worker: RunningWorker;
let client: Client;

const RETENTION = {
  RETENTION_MESSAGES: '30d',
  RETENTION_MEDIA: '30d',
  RETENTION_AUDIT: '30d',
  RETENTION_QUARANTINE: '30d',
};

beforeAll(async () => {
  const shared = readTestEnvironment();
  const namespace = await registerTestNamespace();
  database = await createTestDatabase({ migrated: true });
  config = loadConfig({
    TEMPORAL_NAMESPACE: namespace,
    TEMPORAL_TASK_QUEUE: `retention-${namespace}`,
    TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    ...RETENTION,
  });
  const connection = await Connection.connect({ address: shared.temporalAddress });
  stopAtFileEnd(() => connection.close());
  client = new Client({ connection, namespace, dataConverter: temporalDataConverter(testPayloadKeys()) });
  worker = await runWorker(
    config,
    database.url,
    shared.temporalAddress,
    silentLogger,
    (err) => {
      throw err;
    },
    { workflowBundle: { codePath: shared.workflowBundlePath } },
  );
  stopAtFileEnd(() => worker.stop());
}, 120_000);

afterAll(async () => {
  await client?.schedule
    .getHandle(RETENTION_SCHEDULE_ID)
    .delete()
    .catch(() => undefined);
});

describe('the retention schedule', () => {
  it('exists once the worker started: daily at 03:00 UTC, never two runs at once, on the task queue', async () => {
    const schedule = await client.schedule.getHandle(RETENTION_SCHEDULE_ID).describe();
    expect(schedule.spec.calendars).toHaveLength(1);
    expect(schedule.spec.calendars![0]).toMatchObject({
      hour: [{ start: 3, end: 3, step: 1 }],
      minute: [{ start: 0, end: 0, step: 1 }],
      second: [{ start: 0, end: 0, step: 1 }],
      dayOfMonth: [{ start: 1, end: 31, step: 1 }],
    });
    expect(schedule.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'retentionWorkflow',
      taskQueue: config.taskQueue,
    });
    expect(schedule.policies.overlap).toBe('SKIP');
    expect(schedule.state.paused).toBe(false);
    // The next run is tomorrow's (or today's) 03:00 UTC.
    const next = schedule.info.nextActionTimes[0]!;
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([3, 0, 0]);
  });

  it('is written again by the next start, which keeps a pause, and removed when no RETENTION_* is set', async () => {
    const handle = client.schedule.getHandle(RETENTION_SCHEDULE_ID);
    await handle.pause('paused by an operator');
    expect(await ensureRetentionSchedule(client, { taskQueue: config.taskQueue, retention: config.retention })).toBe(
      'updated',
    );
    expect((await handle.describe()).state.paused).toBe(true);

    expect(await ensureRetentionSchedule(client, { taskQueue: config.taskQueue, retention: {} })).toBe('deleted');
    await expect(handle.describe()).rejects.toThrow();
    expect(await ensureRetentionSchedule(client, { taskQueue: config.taskQueue, retention: {} })).toBe('absent');

    expect(await ensureRetentionSchedule(client, { taskQueue: config.taskQueue, retention: config.retention })).toBe(
      'created',
    );
    expect((await handle.describe()).state.paused).toBe(false);
  });

  it('prunes what is older than the limits when triggered, keeps the rest, and /metrics counts it', async () => {
    const { db } = database;
    const student = newContactId();
    const chatting = newContactId();
    for (let i = 0; i < 3; i++) await seedMessage(db, student, 40 + i);
    await seedMessage(db, student, 1);
    await seedMessage(db, chatting, 40);
    await seedChat(db, chatting, 35);
    await seedMedia(db, 'wa-media-old', 40);
    await seedMedia(db, 'wa-media-new', 1);
    for (let i = 0; i < 2; i++) await seedAudit(db, 40);
    await seedAudit(db, 1);
    await seedQuarantine(db, 40);
    await seedQuarantine(db, 1);

    const handle = client.schedule.getHandle(RETENTION_SCHEDULE_ID);
    await handle.trigger();
    const started = await waitFor(
      async () => (await handle.describe()).info.recentActions[0]?.action.workflow,
      'the triggered run',
      30_000,
    );
    const run = client.workflow.getHandle<() => Promise<RetentionResult>>(started.workflowId);
    expect(await run.result()).toEqual({ messages: 3, media: 1, audit: 2, quarantine: 1 });

    expect(await countRows(db, 'messages', 'contact_id = $1', [student])).toBe(1);
    expect(await countRows(db, 'messages', 'contact_id = $1', [chatting])).toBe(1);
    expect(await countRows(db, 'media')).toBe(1);
    expect(await countRows(db, 'audit_log')).toBe(1);
    expect(await countRows(db, 'quarantine')).toBe(1);

    const metrics = createAppMetrics({ db, logger: silentLogger, maxAgeMs: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('edubot_retention_deleted_total{kind="messages"} 3');
    expect(text).toContain('edubot_retention_deleted_total{kind="media"} 1');
    expect(text).toContain('edubot_retention_deleted_total{kind="audit"} 2');
    expect(text).toContain('edubot_retention_deleted_total{kind="quarantine"} 1');

    // Not Pinned to the build it ran on: a deploy leaves no run of it behind on an old version.
    const described = await run.describe();
    expect(described.raw.workflowExecutionInfo?.versioningInfo?.behavior).toBe(
      temporal.api.enums.v1.VersioningBehavior.VERSIONING_BEHAVIOR_AUTO_UPGRADE,
    );
  });
});

describe('retentionWorkflow', () => {
  it('goes on in a new run when its history grows long, and finishes every kind', async () => {
    const { db } = database;
    for (let i = 0; i < 3; i++) await seedAudit(db, 40);
    for (let i = 0; i < 2; i++) await seedQuarantine(db, 40);

    const workflowId = `retention-long-${Date.now()}`;
    const run = await client.workflow.start('retentionWorkflow', {
      taskQueue: config.taskQueue,
      workflowId,
      args: [{ batchSize: 1, maxBatchesPerCall: 1, maxHistoryEvents: 10 }],
    });
    expect(await run.result()).toEqual({ messages: 0, media: 0, audit: 3, quarantine: 2 });
    const first = await client.workflow.getHandle(workflowId, run.firstExecutionRunId).describe();
    expect(first.status.name).toBe('CONTINUED_AS_NEW');
    expect(await countRows(db, 'audit_log', "at < now() - interval '30 days'")).toBe(0);
    expect(await countRows(db, 'quarantine', "at < now() - interval '30 days'")).toBe(0);
  });
});
