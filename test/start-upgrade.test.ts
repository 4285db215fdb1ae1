import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { SANDBOX_SECRETS } from '../src/config';
import { findFreePort } from '../src/net';
import { pinnedRunsQuery } from '../src/temporal/versions';
import { signBody } from '../src/whatsapp/signature';
import { messagesChange, newPhone, webhookBody } from './helpers/fixtures';
import { REPO_ROOT } from './helpers/spawn';
import { readTestEnvironment } from './helpers/test-env';
import { variantDist } from './helpers/variant-dist';
import { waitFor } from './helpers/wait';

// One machine upgrades (SPEC §9, issue 22): `npm start` with conversations mid-flow, Ctrl-C, a build
// whose workflow differs structurally (the variant: one extra timer per signal, so the old histories
// cannot replay on it), `npm start` again on the same data: every conversation goes on where it was,
// its run moved to the new build through the old build's worker, which stops once Temporal reports
// the old version drained, its bundle deleted.

jest.setTimeout(420_000);

const { EventType, VersionDrainageStatus, WorkflowTaskFailedCause } = temporal.api.enums.v1;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-upgrade-'));
let ports: { http: number; pg: number; temporal: number; ui: number };
let variant: { dir: string; remove: () => void } | undefined;
let running: Started | undefined;
const base = () => `http://127.0.0.1:${ports.http}`;

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

beforeAll(async () => {
  ports = {
    http: await findFreePort(),
    pg: await findFreePort(),
    temporal: await findFreePort(),
    ui: await findFreePort(),
  };
  // Postgres refuses to run as root; the embedded cluster runs as the `postgres` user, which must reach it.
  fs.chmodSync(dataDir, 0o755);
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, stdio: 'inherit' });
  variant = await variantDist();
});

afterAll(async () => {
  if (running && running.child.exitCode === null) {
    running.child.kill('SIGINT');
    await running.exited;
  }
  variant?.remove();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

/** `npm start` of the build whose compiled entry point is `entry`, on the test's data and ports. */
async function npmStart(entry: string): Promise<Started> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(ports.http),
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(ports.pg),
    TEMPORAL_DEV_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    TEMPORAL_CLI_PATH: readTestEnvironment().temporalBinary,
    // Long enough to outlast the restart, short enough to ring within the test.
    PAYMENT_TIMEOUT: '75s',
  };
  const child = spawn(process.execPath, [entry], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  running = { child, output: () => output, exited };
  await waitFor(
    async () => {
      if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output.slice(-3000)}`);
      return output.includes('EduBot is running');
    },
    'npm start',
    180_000,
  );
  return running;
}

async function stop(started: Started): Promise<void> {
  started.child.kill('SIGINT');
  expect(await started.exited).toBe(0);
}

function buildId(started: Started): string {
  const id = /Worker version {4}edubot:([0-9a-f]{16})\n/.exec(started.output())?.[1];
  if (id === undefined) throw new Error(`no worker version in:\n${started.output()}`);
  return id;
}

interface Send {
  content: { kind: string; body?: string };
}

async function outbox(phone: string): Promise<Send[]> {
  const response = await fetch(`${base()}/sandbox/sends?to=${phone}`);
  return ((await response.json()) as { sends: Send[] }).sends;
}

/** Posts one signed message and waits for the reply that contains `expected`; returns every send after it. */
async function message(phone: string, part: Record<string, unknown>, expected: string): Promise<Send[]> {
  const before = (await outbox(phone)).length;
  const type = Object.keys(part)[0]!;
  const body = webhookBody([messagesChange([{ from: phone, type, part }])]);
  const response = await fetch(`${base()}/api/webhook/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SANDBOX_SECRETS.appSecret) },
    body,
  });
  expect(response.status).toBe(200);
  return waitFor(
    async () => {
      const sends = (await outbox(phone)).slice(before);
      return sends.some((send) => JSON.stringify(send.content).includes(expected)) && sends;
    },
    `a reply containing ${JSON.stringify(expected)}`,
    60_000,
  );
}

const say = (phone: string, text: string, expected: string) => message(phone, { text: { body: text } }, expected);
const tap = (phone: string, id: string, expected: string) =>
  message(phone, { interactive: { type: 'button_reply', button_reply: { id, title: id } } }, expected);

async function admin(method: string, route: string, body?: unknown): Promise<Response> {
  return fetch(`${base()}/api/admin${route}`, {
    method,
    headers: { authorization: `Bearer ${SANDBOX_SECRETS.adminToken}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function storedMessages(phone: string): Promise<{ direction: string; waMessageId: string | null }[]> {
  const response = await admin('GET', `/conversations/${phone}/messages`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { messages: { direction: string; waMessageId: string | null }[] }).messages;
}

describe('npm start after a structural change to the workflow', () => {
  it('carries the conversations of the old build over: they go on where they were, nothing lost or doubled', async () => {
    const registering = newPhone(); // mid-registration: asked for an email
    const paying = newPhone(); // a payment pending, its expiry timer set
    const chatting = newPhone(); // an open chat an agent started

    // The first build, as a user ran it: three conversations left mid-flow.
    const first = await npmStart('dist/src/bin/start.js');
    const oldBuild = buildId(first);
    await say(registering, 'Hi', 'Welcome to EduBot');
    await tap(registering, 'register', 'What is your full name?');
    await say(registering, 'Ada Lovelace', 'What is your email address?');

    await say(paying, 'Hi', 'Welcome to EduBot');
    await tap(paying, 'register', 'What is your full name?');
    await say(paying, 'Alan Turing', 'What is your email address?');
    await say(paying, 'alan@example.com', 'Which class or grade are you in?');
    await say(paying, 'Grade 9', 'What would you like to do?');
    await say(paying, 'subscribe', 'Confirm');
    const link = (await tap(paying, 'payment_confirm', 'pay/')).map((send) => JSON.stringify(send.content)).join(' ');
    const reference = /pay\/([A-Za-z0-9_-]+)/.exec(link)![1]!;

    await say(chatting, 'Hi', 'Welcome to EduBot');
    const before = await outbox(chatting);
    expect(
      (await admin('POST', `/conversations/${chatting}/chat-support/start`, { message: 'Hello from support' })).status,
    ).toBe(200);
    await waitFor(async () => (await outbox(chatting)).length > before.length, 'the agent opening the chat');

    const storedBefore = new Map<string, number>();
    for (const phone of [registering, paying, chatting]) storedBefore.set(phone, (await storedMessages(phone)).length);
    await stop(first);
    const bundle = path.join(dataDir, 'workflow-bundles', `${oldBuild}.js`);
    expect(fs.existsSync(bundle)).toBe(true);

    // The next release: another workflow bundle, so another build id.
    const second = await npmStart(path.join(variant!.dir, 'src/bin/start.js'));
    const newBuild = buildId(second);
    expect(newBuild).not.toBe(oldBuild);

    // Each conversation goes on where it was (the emulator's outbox is new with the process).
    expect(await say(registering, 'ada@example.com', 'Which class or grade are you in?')).toHaveLength(1);
    const expired = await waitFor(
      async () => {
        const sends = await outbox(paying);
        return (
          sends.some((send) => send.content.body?.includes(`The payment ${reference} was not confirmed in time`)) &&
          sends
        );
      },
      'the payment timer set by the old build to ring',
      120_000,
    );
    expect(expired).toHaveLength(1);
    expect(
      (await admin('POST', `/conversations/${chatting}/chat-support/send`, { message: 'Still here' })).status,
    ).toBe(200);
    const agentSends = await waitFor(async () => {
      const sends = await outbox(chatting);
      return sends.some((send) => JSON.stringify(send.content).includes('Still here')) && sends;
    }, "the agent's message in the open chat");
    expect(agentSends).toHaveLength(1);

    // The old build drained through its own worker, which then stopped, and its bundle went.
    await waitFor(
      async () => second.output().includes('old build drained and retired'),
      'the old build retired',
      120_000,
    );
    expect(fs.existsSync(bundle)).toBe(false);
    expect(fs.existsSync(path.join(dataDir, 'workflow-bundles', `${newBuild}.js`))).toBe(true);

    const connection = await Connection.connect({ address: `127.0.0.1:${ports.temporal}` });
    try {
      const client = new Client({ connection, namespace: 'default' });
      const { workerDeploymentVersionInfo: info } = await client.workflowService.describeWorkerDeploymentVersion({
        namespace: 'default',
        deploymentVersion: { deploymentName: 'edubot', buildId: oldBuild },
      });
      expect(info?.drainageInfo?.status).toBe(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED);
      expect((await client.workflow.count(pinnedRunsQuery(oldBuild))).count).toBe(0);
      // Every open conversation now runs on the new build, pinned there.
      expect((await client.workflow.count(pinnedRunsQuery(newBuild))).count).toBe(3);

      // No workflow task failed on either build: no run met code it could not replay. The one failure
      // Temporal itself makes in normal running is allowed: a task completing a run (its continue-as-new)
      // while a signal arrived is refused as UnhandledCommand and runs again with the signal.
      const failed: string[] = [];
      let runs = 0;
      for await (const run of client.workflow.list({ query: `WorkflowType = 'conversationWorkflow'` })) {
        runs++;
        const history = await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
        for (const event of history.events ?? []) {
          if (event.eventType !== EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) continue;
          const attributes = event.workflowTaskFailedEventAttributes;
          if (attributes?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND) continue;
          failed.push(`${run.workflowId}: cause ${attributes?.cause}, ${attributes?.failure?.message}`);
        }
      }
      expect(failed).toEqual([]);
      // Three runs on the old build, each continued as new onto the new one.
      expect(runs).toBe(6);
    } finally {
      await connection.close();
    }

    // Nothing lost or doubled: each message stored once, the new build's replies exactly those above.
    for (const [phone, added] of [
      [registering, 2],
      [paying, 1],
      [chatting, 1],
    ] as const) {
      const stored = await storedMessages(phone);
      expect(stored).toHaveLength(storedBefore.get(phone)! + added);
      const ids = stored.map((m) => m.waMessageId).filter((id) => id !== null);
      expect(new Set(ids).size).toBe(ids.length);
    }
    expect(await outbox(registering)).toHaveLength(1);
    expect(await outbox(paying)).toHaveLength(1);
    expect(await outbox(chatting)).toHaveLength(1);
    // What it did is logged, without phone numbers.
    for (const phone of [registering, paying, chatting]) expect(second.output()).not.toContain(phone);

    await stop(second);
  });
});
