import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './helpers/spawn';

// A test run that fails must end, and end clean: jest run as `npm test` runs it, on the browser
// project with the browser made unavailable, must exit non-zero within minutes and leave no process
// behind — neither in its process group nor anywhere holding its temporary directory.

const JEST = path.join(REPO_ROOT, 'node_modules/jest/bin/jest.js');
const RUN_LIMIT_MS = 4 * 60_000;

interface Run {
  code: number | null;
  output: string;
  leftovers: string[];
}

async function runJest(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-run-'));
  // The embedded Postgres runs as `postgres` when we are root: it must be able to enter.
  fs.chmodSync(tmp, 0o755);
  try {
    const child = spawn(process.execPath, [JEST, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, TMPDIR: tmp, EDUBOT_TEST_ENV_FILE: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), RUN_LIMIT_MS);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    clearTimeout(timer);
    // What is still running a moment after jest exited: in its process group, or using its tmp dir.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const leftovers = processes().filter(({ pgid, args }) => pgid === child.pid || args.includes(tmp));
    for (const { pid } of leftovers) process.kill(pid, 'SIGKILL');
    return { code, output, leftovers: leftovers.map(({ pid, args }) => `${pid} ${args}`) };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function processes(): { pid: number; pgid: number; args: string }[] {
  return execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), pgid: Number(m[2]), args: m[3]! }));
}

describe('a test run without a browser', () => {
  it(
    'stops at once with one line saying what to do when CHROMIUM_PATH points nowhere',
    async () => {
      const run = await runJest(['--selectProjects', 'browser'], { CHROMIUM_PATH: '/nonexistent/chromium' });
      expect(run.code).not.toBe(0);
      expect(run.output).toContain('CHROMIUM_PATH=/nonexistent/chromium does not exist');
      expect(run.leftovers).toEqual([]);
    },
    RUN_LIMIT_MS + 30_000,
  );

  it(
    'ends non-zero and leaves nothing running when the browser fails after the stack has started',
    async () => {
      // /bin/false exists, so the run gets as far as each file's beforeAll, which starts a whole stack
      // alongside the browser launch that fails.
      const run = await runJest(['--selectProjects', 'browser', 'test/web/console.test.ts'], {
        CHROMIUM_PATH: '/bin/false',
      });
      expect(run.code).not.toBe(0);
      expect(run.output).toMatch(/browserType\.launch|Failed to launch/);
      expect(run.output).not.toMatch(/left processes behind|had not exited/);
      expect(run.leftovers).toEqual([]);
    },
    RUN_LIMIT_MS + 30_000,
  );
});
