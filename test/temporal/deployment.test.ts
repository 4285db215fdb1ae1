import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, Connection } from '@temporalio/client';
import { connectTemporal, connectTemporalClient } from '../../src/temporal/connect';
import { bundleBuildId } from '../../src/temporal/deployment';
import { describePollers, pollersMissing } from '../../src/temporal/worker-pollers';
import { listVersions } from '../../src/temporal/versions';
import { newPhone, textWebhook } from '../helpers/fixtures';
import { registerTestNamespace } from '../helpers/namespace';
import { testTemporalSecurity } from '../helpers/payload-keys';
import { startTestStack, type TestStack } from '../helpers/stack';
import { readTestEnvironment } from '../helpers/test-env';
import { sleep } from '../helpers/wait';

// The worker side of Worker Versioning: a worker's version becomes current once it polls, and a
// conversation that arrived before then waits for it instead of being lost. In a namespace of its own:
// the shared one's deployment is every other test file's.

let stack: TestStack | undefined;
let connection: Connection | undefined;

afterEach(async () => {
  await stack?.stop();
  stack = undefined;
  await connection?.close();
  connection = undefined;
});

async function clientFor(namespace: string): Promise<Client> {
  let client: Client;
  ({ connection, client } = await connectTemporalClient(
    testTemporalSecurity(),
    readTestEnvironment().temporalAddress,
    namespace,
  ));
  return client;
}

it('answers a conversation signalled-with-start before any version was current, once the worker has made its own current', async () => {
  const namespace = await registerTestNamespace();
  stack = await startTestStack({ TEMPORAL_NAMESPACE: namespace }, { worker: false });
  const client = await clientFor(namespace);
  const phone = newPhone();

  expect((await stack.postWebhook(textWebhook(phone, 'Hi').body)).status).toBe(200);
  // Accepted, and waiting: no worker of any version has polled, so nothing is current.
  expect(await listVersions(client)).toEqual([]);
  await sleep(1_000);
  expect(stack.fake.sendsTo(phone)).toHaveLength(0);

  await stack.startWorker();
  const [version] = await listVersions(client);
  expect(version).toMatchObject({
    buildId: bundleBuildId({ codePath: readTestEnvironment().workflowBundlePath }),
    status: 'current',
  });
  await stack.fake.waitFor(() => stack!.fake.sendsTo(phone).length === 1, 20_000, 'the welcome reply');
});

it("shows the versioned worker among its task queue's pollers, as the worker container's health check asks", async () => {
  stack = await startTestStack();
  connection = await connectTemporal(testTemporalSecurity(), readTestEnvironment().temporalAddress);
  const pollers = await describePollers(connection, stack.config.temporalNamespace, stack.config.taskQueue);
  expect(pollersMissing(pollers, os.hostname(), Date.now())).toEqual([]);
  expect(pollers.workflow.map((p) => p.identity)).toEqual([`${process.pid}@${os.hostname()}`]);
});

it('derives the build id from the workflow bundle: 16 hex digits of its SHA-256, the same for the same code', () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-bundle-')), 'workflow-bundle.js');
  fs.writeFileSync(file, 'const a = 1;');
  const fromFile = bundleBuildId({ codePath: file });
  expect(fromFile).toMatch(/^[0-9a-f]{16}$/);
  expect(bundleBuildId({ code: 'const a = 1;' })).toBe(fromFile);
  expect(bundleBuildId({ code: 'const a = 2;' })).not.toBe(fromFile);
  fs.rmSync(path.dirname(file), { recursive: true });
});
