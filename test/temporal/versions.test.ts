import type { Client, Connection } from '@temporalio/client';
import { listAuditEntries } from '../../src/db/audit';
import { silentLogger } from '../../src/logger';
import { runWorker, type RunningWorker } from '../../src/runtime';
import { connectTemporalClient } from '../../src/temporal/connect';
import { listVersions, pinnedRunsQuery, waitUntilDrained } from '../../src/temporal/versions';
import { newPhone, textWebhook } from '../helpers/fixtures';
import { TEST_PAYLOAD_KEYS, testTemporalSecurity } from '../helpers/payload-keys';
import { registerTestNamespace } from '../helpers/namespace';
import { spawnTs } from '../helpers/spawn';
import { startTestStack, type TestStack } from '../helpers/stack';
import { readTestEnvironment } from '../helpers/test-env';
import { waitFor } from '../helpers/wait';

// Two builds of the worker on one Temporal, and the operator's commands on them (`npm run admin --
// versions | drain | ramp | current`), each run as its own process and audited. The story runs in a
// namespace of its own: moving the current version of the shared namespace would move every other
// test file's conversations.

let namespace: string;
let stack: TestStack;
let connection: Connection;
let client: Client;
const workers: RunningWorker[] = [];
const workerFailures: unknown[] = [];

beforeAll(async () => {
  namespace = await registerTestNamespace();
  stack = await startTestStack({ TEMPORAL_NAMESPACE: namespace, EDUBOT_BUILD_ID: 'build-a' });
  ({ connection, client } = await connectTemporalClient(
    testTemporalSecurity(),
    readTestEnvironment().temporalAddress,
    namespace,
  ));
}, 60_000);

afterAll(async () => {
  for (const worker of workers) await worker.stop();
  expect(workerFailures).toEqual([]);
  await connection?.close();
  await stack?.stop();
});

/** Runs `npm run admin -- <args>` against the stack's database and this namespace. */
async function admin(...args: string[]): Promise<{ code: number | null; output: string }> {
  return adminOn(readTestEnvironment().temporalAddress, ...args);
}

async function adminOn(temporalAddress: string, ...args: string[]): Promise<{ code: number | null; output: string }> {
  const run = spawnTs(
    'src/bin/admin.ts',
    {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DATABASE_URL: stack.config.databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
      LOG_LEVEL: 'warn',
    },
    args,
  );
  const code = await run.exited;
  return { code, output: run.output() };
}

/** A production worker (runWorker) of build-b beside the stack's build-a, on the same database and queue. */
async function startBuildB(): Promise<RunningWorker> {
  const worker = await runWorker(
    { ...stack.config, buildId: 'build-b' },
    stack.config.databaseUrl!,
    readTestEnvironment().temporalAddress,
    silentLogger,
    (error) => workerFailures.push(error),
    { workflowBundle: { codePath: readTestEnvironment().workflowBundlePath } },
  );
  workers.push(worker);
  return worker;
}

/** The newest audit row of `action`. */
async function lastAudit(action: string) {
  const [entry] = await listAuditEntries(stack.db, { action, limit: 1 });
  return entry;
}

/** Starts a conversation and waits for its welcome: its run is then pinned to the current version. */
async function converse(): Promise<string> {
  const phone = newPhone();
  expect((await stack.postWebhook(textWebhook(phone, 'Hi').body)).status).toBe(200);
  await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length === 1, 20_000, 'the welcome reply');
  return phone;
}

/** Waits until the versions show what `expected` says of them (visibility trails the runs a little). */
function versionsShow(expected: Record<string, { status: string; openRuns: number }>) {
  return waitFor(
    async () => {
      const versions = await listVersions(client);
      const shown = Object.fromEntries(versions.map((v) => [v.buildId, { status: v.status, openRuns: v.openRuns }]));
      return JSON.stringify(shown) === JSON.stringify(expected) ? versions : undefined;
    },
    `versions ${JSON.stringify(expected)}`,
  );
}

it('lists the version its worker made current, with the conversation pinned to it', async () => {
  await converse();
  await versionsShow({ 'build-a': { status: 'current', openRuns: 1 } });

  const listed = await admin('versions');
  expect(listed.code).toBe(0);
  expect(listed.output).toMatch(/^build id +status +created +open runs$/m);
  expect(listed.output).toMatch(/^build-a +current +\d{4}-\d\d-\d\dT[\d:.]+Z +1$/m);
  expect(await lastAudit('versions.list')).toMatchObject({
    actor: expect.stringMatching(/^admin-cli:/) as unknown,
    outcome: 'ok',
    httpStatus: 200,
  });
}, 60_000);

it('refuses to drain the current version, one the deployment does not have, or with no Temporal to ask', async () => {
  const temporal = readTestEnvironment().temporalAddress;
  const refusals = [
    [temporal, 'build-a', 'version build-a is the current version', 'active_version', 409],
    [temporal, 'build-z', 'deployment edubot has no version build-z', 'unknown_version', 404],
    ['127.0.0.1:1', 'build-a', 'no Temporal server answers at 127.0.0.1:1', 'temporal_unavailable', 503],
  ] as const;
  for (const [address, buildId, message, outcome, httpStatus] of refusals) {
    const refused = await adminOn(address, 'drain', buildId);
    expect(refused.output).toContain(message);
    expect(refused.code).toBe(1);
    expect(await lastAudit('version.drain')).toMatchObject({ outcome, httpStatus });
  }

  const malformed = await admin('drain', "build-a' OR 'x");
  expect(malformed.code).toBe(2);
  expect(malformed.output).toContain('usage: npm run admin');
}, 60_000);

it('makes a second build current once it polls, keeps the first listed with its run, and never hands it back', async () => {
  const b = await startBuildB();
  expect(b.version).toEqual({ deploymentName: 'edubot', buildId: 'build-b' });
  await versionsShow({ 'build-a': { status: 'draining', openRuns: 1 }, 'build-b': { status: 'current', openRuns: 0 } });

  // A restarted worker of the older build leaves the current version where it is.
  await stack.stopWorker();
  await stack.startWorker();
  await converse();
  await versionsShow({ 'build-a': { status: 'draining', openRuns: 1 }, 'build-b': { status: 'current', openRuns: 1 } });

  const listed = await admin('versions');
  expect(listed.code).toBe(0);
  expect(listed.output).toMatch(/^build-a +draining +\S+ +1\nbuild-b +current +\S+ +1$/m);
  // Not drained while a run is pinned to it.
  await expect(waitUntilDrained(client, 'build-a', { timeoutMs: 2_000 })).rejects.toThrow(
    'version build-a was not drained in 2000 ms: it is draining',
  );
}, 90_000);

it('drain wakes every run pinned to the old version, which reports drained once none is open', async () => {
  const drained = await admin('drain', 'build-a');
  expect(drained.code).toBe(0);
  expect(drained.output).toContain('woke 1 conversation pinned to build-a');
  expect(await lastAudit('version.drain')).toMatchObject({
    outcome: 'ok',
    httpStatus: 200,
    details: { buildId: 'build-a', woken: 1 },
  });

  // Whether the woken run has moved to build-b is the workflow's part; here the runs left end.
  for await (const run of client.workflow.list({ query: pinnedRunsQuery('build-a') }))
    await client.workflow.getHandle(run.workflowId, run.runId).terminate('test: ends what build-a holds');
  await waitUntilDrained(client, 'build-a', { timeoutMs: 60_000 });
  await versionsShow({ 'build-a': { status: 'drained', openRuns: 0 }, 'build-b': { status: 'current', openRuns: 1 } });
}, 90_000);

it('lets an operator roll back to an older build, which a newer build restarting does not undo, and ramp the newer one', async () => {
  const rolledBack = await admin('current', 'build-a');
  expect(rolledBack.code).toBe(0);
  expect(rolledBack.output).toContain('build-a is now the current version');
  expect(await lastAudit('version.current')).toMatchObject({ outcome: 'ok', details: { buildId: 'build-a' } });

  await workers.pop()!.stop();
  await startBuildB();
  await versionsShow({ 'build-a': { status: 'current', openRuns: 0 }, 'build-b': { status: 'draining', openRuns: 1 } });

  const ramped = await admin('ramp', 'build-b', '25');
  expect(ramped.code).toBe(0);
  expect(ramped.output).toContain('build-b now takes 25% of new conversations');
  expect((await admin('versions')).output).toMatch(/^build-b +ramping 25% +\S+ +1$/m);
  expect(await lastAudit('version.ramp')).toMatchObject({
    outcome: 'ok',
    details: { buildId: 'build-b', percent: 25 },
  });

  // Temporal's own refusals reach the operator, and the audit log.
  const onCurrent = await admin('ramp', 'build-a', '10');
  expect(onCurrent.code).toBe(1);
  expect(onCurrent.output).toContain('Temporal refused');
  expect(await lastAudit('version.ramp')).toMatchObject({ outcome: 'refused', httpStatus: 409 });
}, 90_000);
