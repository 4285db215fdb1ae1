import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { loadConfig, SANDBOX_SECRETS } from '../../src/config';
import { findFreePort } from '../../src/net';
import { connectTemporalClient } from '../../src/temporal/connect';
import { withPayloadKeys } from '../../src/temporal/payload-keys';
import { pinnedRunsQuery } from '../../src/temporal/versions';
import { signBody } from '../../src/whatsapp/signature';
import { messagesChange, newPhone, webhookBody } from './fixtures';
import { readTestEnvironment } from './test-env';
import { waitFor } from './wait';
import { uncheckedFetch } from './checked-fetch';

// An upgrade on one machine as a user makes it: `npm start` of one build with conversations left
// mid-flow, Ctrl-C, `npm start` of the next build on the same data. Every conversation must go on where
// it was — the next message answered once, a timer the old build set ringing once, an agent's message
// in an open chat delivered once — with nothing lost or doubled and no workflow task failing on code it
// cannot replay. When the builds differ, the old build's runs move to the new one through the old
// build's worker, which `npm start` runs until Temporal reports the old version drained.

const { EventType, VersionDrainageStatus, WorkflowTaskFailedCause } = temporal.api.enums.v1;

/** A build of the product to start: its compiled `src/bin/start.js`, run from its root. */
export interface Build {
  entry: string;
  cwd: string;
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

export class UpgradeMachine {
  private running: Started | undefined;

  private constructor(
    readonly dataDir: string,
    private readonly ports: { http: number; pg: number; temporal: number; ui: number },
  ) {}

  /** A fresh data folder and free ports, kept across the two starts. */
  static async create(): Promise<UpgradeMachine> {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-upgrade-'));
    // Postgres refuses to run as root; the embedded cluster runs as the `postgres` user, which must reach it.
    fs.chmodSync(dataDir, 0o755);
    const ports = {
      http: await findFreePort(),
      pg: await findFreePort(),
      temporal: await findFreePort(),
      ui: await findFreePort(),
    };
    return new UpgradeMachine(dataDir, ports);
  }

  async dispose(): Promise<void> {
    if (this.running && this.running.child.exitCode === null) {
      this.running.child.kill('SIGINT');
      await this.running.exited;
    }
    fs.rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** Starts one build on the machine's data and ports, as `npm start` runs it, and waits until it serves. */
  async start(build: Build): Promise<Started> {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: String(this.ports.http),
      DATA_DIR: this.dataDir,
      EMBEDDED_POSTGRES_PORT: String(this.ports.pg),
      TEMPORAL_DEV_PORT: String(this.ports.temporal),
      TEMPORAL_UI_PORT: String(this.ports.ui),
      TEMPORAL_CLI_PATH: readTestEnvironment().temporalBinary,
      // Long enough to outlast the restart, short enough to ring within the test.
      PAYMENT_TIMEOUT: '75s',
    };
    const child = spawn(process.execPath, [build.entry], { cwd: build.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const started = { child, output: () => output, exited };
    this.running = started;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output.slice(-3000)}`);
        return output.includes('EduBot is running');
      },
      'npm start',
      180_000,
    );
    return started;
  }

  async stop(started: Started): Promise<void> {
    started.child.kill('SIGINT');
    expect(await started.exited).toBe(0);
  }

  buildId(started: Started): string {
    const id = /Worker version {4}edubot:([0-9a-f]{16})\n/.exec(started.output())?.[1];
    if (id === undefined) throw new Error(`no worker version in:\n${started.output()}`);
    return id;
  }

  private get base(): string {
    return `http://127.0.0.1:${this.ports.http}`;
  }

  get temporalAddress(): string {
    return `127.0.0.1:${this.ports.temporal}`;
  }

  async outbox(phone: string): Promise<Send[]> {
    const response = await fetch(`${this.base}/sandbox/sends?to=${phone}`);
    return ((await response.json()) as { sends: Send[] }).sends;
  }

  /** Posts one signed message and waits for the reply that contains `expected`; returns every send after it. */
  async message(phone: string, part: Record<string, unknown>, expected: string): Promise<Send[]> {
    const before = (await this.outbox(phone)).length;
    const type = Object.keys(part)[0]!;
    const body = webhookBody([messagesChange([{ from: phone, type, part }])]);
    const response = await uncheckedFetch(`${this.base}/api/webhook/whatsapp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SANDBOX_SECRETS.appSecret) },
      body,
    });
    expect(response.status).toBe(200);
    return waitFor(
      async () => {
        const sends = (await this.outbox(phone)).slice(before);
        return sends.some((send) => JSON.stringify(send.content).includes(expected)) && sends;
      },
      `a reply containing ${JSON.stringify(expected)}`,
      60_000,
    );
  }

  say(phone: string, text: string, expected: string): Promise<Send[]> {
    return this.message(phone, { text: { body: text } }, expected);
  }

  tap(phone: string, id: string, expected: string): Promise<Send[]> {
    return this.message(phone, { interactive: { type: 'button_reply', button_reply: { id, title: id } } }, expected);
  }

  // Not checked against the OpenAPI document: the machine also runs earlier releases, whose answers
  // the current document does not describe (each release's are checked by its own tests).
  admin(method: string, route: string, body?: unknown): Promise<Response> {
    return uncheckedFetch(`${this.base}/api/admin${route}`, {
      method,
      headers: { authorization: `Bearer ${SANDBOX_SECRETS.adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }

  async storedMessages(phone: string): Promise<{ direction: string; waMessageId: string | null }[]> {
    const response = await this.admin('GET', `/conversations/${phone}/messages`);
    expect(response.status).toBe(200);
    return ((await response.json()) as { messages: { direction: string; waMessageId: string | null }[] }).messages;
  }
}

interface Send {
  content: { kind: string; body?: string };
}

/**
 * The upgrade from `from` to `to` on one machine, checked end to end. Returns the two build ids. When
 * they are the same build (a release whose workflow did not change), the restart is no deploy: the runs
 * stay where they are and no version is drained.
 */
export async function upgradeCarriesConversationsOver(
  machine: UpgradeMachine,
  from: Build,
  to: Build,
): Promise<{ oldBuild: string; newBuild: string }> {
  const registering = newPhone(); // mid-registration: asked for an email
  const paying = newPhone(); // a payment pending, its expiry timer set
  const chatting = newPhone(); // an open chat an agent started

  // The first build, as a user ran it: three conversations left mid-flow.
  const first = await machine.start(from);
  const oldBuild = machine.buildId(first);
  await machine.say(registering, 'Hi', 'Welcome to EduBot');
  await machine.tap(registering, 'register', 'What is your full name?');
  await machine.say(registering, 'Ada Lovelace', 'What is your email address?');

  await machine.say(paying, 'Hi', 'Welcome to EduBot');
  await machine.tap(paying, 'register', 'What is your full name?');
  await machine.say(paying, 'Alan Turing', 'What is your email address?');
  await machine.say(paying, 'alan@example.com', 'Which class or grade are you in?');
  await machine.say(paying, 'Grade 9', 'What would you like to do?');
  await machine.say(paying, 'subscribe', 'Confirm');
  const link = (await machine.tap(paying, 'payment_confirm', 'pay/'))
    .map((send) => JSON.stringify(send.content))
    .join(' ');
  const reference = /pay\/([A-Za-z0-9_-]+)/.exec(link)![1]!;

  await machine.say(chatting, 'Hi', 'Welcome to EduBot');
  const before = await machine.outbox(chatting);
  expect(
    (await machine.admin('POST', `/conversations/${chatting}/chat-support/start`, { message: 'Hello from support' }))
      .status,
  ).toBe(200);
  await waitFor(async () => (await machine.outbox(chatting)).length > before.length, 'the agent opening the chat');

  const storedBefore = new Map<string, number>();
  for (const phone of [registering, paying, chatting])
    storedBefore.set(phone, (await machine.storedMessages(phone)).length);
  await machine.stop(first);
  const bundle = path.join(machine.dataDir, 'workflow-bundles', `${oldBuild}.js`);
  expect(fs.existsSync(bundle)).toBe(true);

  // The next build on the same data.
  const second = await machine.start(to);
  const newBuild = machine.buildId(second);
  const deployed = newBuild !== oldBuild;

  // Each conversation goes on where it was (the emulator's outbox is new with the process).
  expect(await machine.say(registering, 'ada@example.com', 'Which class or grade are you in?')).toHaveLength(1);
  const expired = await waitFor(
    async () => {
      const sends = await machine.outbox(paying);
      return (
        sends.some((send) => send.content.body?.includes(`The payment ${reference} was not confirmed in time`)) && sends
      );
    },
    'the payment timer set by the old build to ring',
    120_000,
  );
  expect(expired).toHaveLength(1);
  expect(
    (await machine.admin('POST', `/conversations/${chatting}/chat-support/send`, { message: 'Still here' })).status,
  ).toBe(200);
  const agentSends = await waitFor(async () => {
    const sends = await machine.outbox(chatting);
    return sends.some((send) => JSON.stringify(send.content).includes('Still here')) && sends;
  }, "the agent's message in the open chat");
  expect(agentSends).toHaveLength(1);

  // The old build drained through its own worker, which then stopped, and its bundle went.
  if (deployed) {
    await waitFor(
      async () => second.output().includes('old build drained and retired'),
      'the old build retired',
      120_000,
    );
    expect(fs.existsSync(bundle)).toBe(false);
  }
  expect(fs.existsSync(path.join(machine.dataDir, 'workflow-bundles', `${newBuild}.js`))).toBe(true);

  // With the payload key the new build keeps in the machine's DATA_DIR, as `npm run admin` finds it.
  const { temporalSecurity } = withPayloadKeys(loadConfig({ DATA_DIR: machine.dataDir }), { create: false });
  const { connection, client } = await connectTemporalClient(temporalSecurity, machine.temporalAddress, 'default');
  try {
    if (deployed) {
      const { workerDeploymentVersionInfo: info } = await client.workflowService.describeWorkerDeploymentVersion({
        namespace: 'default',
        deploymentVersion: { deploymentName: 'edubot', buildId: oldBuild },
      });
      expect(info?.drainageInfo?.status).toBe(VersionDrainageStatus.VERSION_DRAINAGE_STATUS_DRAINED);
      expect((await client.workflow.count(pinnedRunsQuery(oldBuild))).count).toBe(0);
    }
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
    // Three runs on the old build, each continued as new onto the new one; a restart alone moves none.
    expect(runs).toBe(deployed ? 6 : 3);
  } finally {
    await connection.close();
  }

  // Nothing lost or doubled: each message stored once, the new build's replies exactly those above.
  for (const [phone, added] of [
    [registering, 2],
    [paying, 1],
    [chatting, 1],
  ] as const) {
    const stored = await machine.storedMessages(phone);
    expect(stored).toHaveLength(storedBefore.get(phone)! + added);
    const ids = stored.map((m) => m.waMessageId).filter((id) => id !== null);
    expect(new Set(ids).size).toBe(ids.length);
  }
  expect(await machine.outbox(registering)).toHaveLength(1);
  expect(await machine.outbox(paying)).toHaveLength(1);
  expect(await machine.outbox(chatting)).toHaveLength(1);
  // What it did is logged, without phone numbers.
  for (const phone of [registering, paying, chatting]) expect(second.output()).not.toContain(phone);

  await machine.stop(second);
  return { oldBuild, newBuild };
}
