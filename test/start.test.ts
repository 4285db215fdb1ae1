import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SANDBOX_SECRETS } from '../src/config';
import { findFreePort, isListening } from '../src/net';
import { signBody } from '../src/whatsapp/signature';
import type * as WorkflowBundle from '../src/temporal/workflow-bundle';
import { newPhone, textWebhook } from './helpers/fixtures';
import { REPO_ROOT } from './helpers/spawn';
import { readTestEnvironment } from './helpers/test-env';
import { waitFor } from './helpers/wait';

// `npm start` as a person runs it (its build, then dist/src/bin/start.js, which is what the script runs):
// nothing configured, so an embedded Postgres, an embedded Temporal dev server and the sandbox
// WhatsApp emulator; then a signed webhook gets a reply, SIGTERM stops everything it started, and a
// restart on the same data answers again.

jest.setTimeout(240_000);

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-start-'));
let ports: { http: number; pg: number; temporal: number; ui: number };

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
});

afterAll(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function npmStart(): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    PORT: String(ports.http),
    DATA_DIR: dataDir,
    EMBEDDED_POSTGRES_PORT: String(ports.pg),
    TEMPORAL_DEV_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    TEMPORAL_CLI_PATH: readTestEnvironment().temporalBinary,
  };
  const child = spawn(process.execPath, ['dist/src/bin/start.js'], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function converse(base: string, phone: string, text: string): Promise<void> {
  const { body } = textWebhook(phone, text);
  const response = await fetch(`${base}/api/webhook/whatsapp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, SANDBOX_SECRETS.appSecret) },
    body,
  });
  expect(response.status).toBe(200);
}

async function outbox(base: string, phone: string): Promise<{ content: { kind: string; body?: string } }[]> {
  const response = await fetch(`${base}/sandbox/sends?to=${phone}`);
  return ((await response.json()) as { sends: { content: { kind: string; body?: string } }[] }).sends;
}

describe('npm start', () => {
  it('builds the workflow bundle the compiled worker loads, with the flow shared by every workflow', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled module, not the source jest would load
    const compiled = require(path.join(REPO_ROOT, 'dist/src/temporal/workflow-bundle.js')) as typeof WorkflowBundle;
    const bundlePath = path.join(REPO_ROOT, 'dist/workflow-bundle.js');
    expect(compiled.builtWorkflowBundle()).toEqual({ codePath: bundlePath });
    const code = fs.readFileSync(bundlePath, 'utf8');
    expect(code).toContain('conversationWorkflow');
    // The bundler lists preloaded modules in a function the reusable V8 context calls once.
    expect(code).toMatch(/preloadModules[\s\S]*workflows\/flow\/index\.js/);
  });

  it('runs everything embedded, answers a signed webhook, stops on SIGTERM and restarts on its data', async () => {
    const base = `http://127.0.0.1:${ports.http}`;
    const phone = newPhone();
    const versions: (string | undefined)[] = [];
    for (const round of [1, 2]) {
      const started = npmStart();
      try {
        await waitFor(
          async () =>
            started.output().includes('EduBot is running') ||
            (started.child.exitCode !== null && fail(started.output())),
          'npm start',
          180_000,
        );
        expect(started.output()).toContain(`Temporal Web UI   http://127.0.0.1:${ports.ui}`);
        // The build's bundle names the worker's version, the same on both rounds: a restart is no deploy.
        versions.push(/Worker version {4}(edubot:[0-9a-f]{16})\n/.exec(started.output())?.[1]);
        expect((await fetch(`${base}/readyz`)).status).toBe(200);

        await converse(base, phone, `hello ${round}`);
        const sends = await waitFor(
          async () => {
            const list = await outbox(base, phone);
            return list.length === 1 ? list : undefined;
          },
          'the reply in the sandbox outbox',
          30_000,
        );
        expect(sends[0]!.content.kind).toBe('buttons');
        expect(sends[0]!.content.body).toContain('Welcome to EduBot');
        // An agent's console keeps the event stream open: shutdown must not wait for it.
        const stream = await fetch(`${base}/api/admin/events`, {
          headers: { authorization: `Bearer ${SANDBOX_SECRETS.adminToken}` },
        });
        expect(stream.status).toBe(200);
        void stream
          .body!.getReader()
          .read()
          .catch(() => undefined);
      } finally {
        started.child.kill('SIGTERM');
      }
      const hung = new Promise<string>((resolve) =>
        setTimeout(() => resolve('still running 30 s after SIGTERM'), 30_000).unref(),
      );
      expect(await Promise.race([started.exited, hung])).toBe(0);
      // The product's own shutdown stops every part, once and in order: nothing on the way logs an error.
      expect(
        started
          .output()
          .split('\n')
          .filter((line) => line.includes('"level":"error"')),
      ).toEqual([]);
      // Nothing it started is left listening.
      for (const port of [ports.http, ports.pg, ports.temporal, ports.ui]) expect(await isListening(port)).toBe(false);
    }
    expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(versions[0]).toMatch(/^edubot:[0-9a-f]{16}$/);
    expect(versions[1]).toBe(versions[0]);
  });
});

function fail(output: string): never {
  throw new Error(`npm start exited early:\n${output.slice(-3000)}`);
}
