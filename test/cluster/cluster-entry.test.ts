import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { canBind } from '../../tools/cluster/ports';
import { loadConfig } from '../../src/config';
import { stopAtFileEnd } from '../helpers/cleanup';
import { REPO_ROOT } from '../helpers/spawn';
import { withDatabase } from '../helpers/test-env';
import { waitFor } from '../helpers/wait';

// `npm run cluster` as an operator runs it (the compiled entry point, as its npm script does): it
// prints where every part is, the parts answer there, and Ctrl-C stops them all and frees every port.

const admin = loadConfig(process.env).databaseUrl;
const name = `edubot_cluster_entry_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-cluster-entry-'));
// An embedded Postgres runs as the `postgres` user when we are root: it must be able to enter.
fs.chmodSync(dataDir, 0o755);

afterAll(async () => {
  fs.rmSync(dataDir, { recursive: true, force: true });
  if (admin === undefined) return;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    for (const database of [name, `${name}_temporal`, `${name}_temporal_visibility`])
      await client.query(`drop database if exists ${database} with (force)`);
  } finally {
    await client.end();
  }
});

test('npm run cluster prints where each part is, and Ctrl-C stops every part and frees every port', async () => {
  const args = ['dist/tools/cluster/main.js', '--servers', '2', '--workers', '1', '--port', '0'];
  args.push('--temporal-services', 'single', '--temporal-database', `${name}_temporal`, '--ui-port', '0');
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn', NODE_OPTIONS: '' };
  if (admin !== undefined) env.DATABASE_URL = withDatabase(admin, name);
  else delete env.DATABASE_URL;
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  stopAtFileEnd(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  });
  await waitFor(async () => output.includes('Ctrl-C stops everything.'), `the cluster to start:\n${output}`, 120_000);

  const servers = [...output.matchAll(/^ {2}server-\d +(http:\/\/127\.0\.0\.1:(\d+)) +\(pid (\d+)/gm)];
  expect(servers).toHaveLength(2);
  expect(Number(servers[1]![2])).toBe(Number(servers[0]![2]) + 1);
  const token = /Authorization: Bearer (\S+)\)/.exec(output)![1]!;
  expect(token.length).toBeGreaterThanOrEqual(32);
  for (const [, url] of servers) {
    const response = await fetch(`${url}/readyz`);
    expect(response.status).toBe(200);
  }
  // The Web UI, read-only, reaches Temporal (with the cluster's client certificate).
  const ui = /^ {2}Temporal Web UI +(http:\/\/127\.0\.0\.1:\d+) \(read-only/m.exec(output)?.[1];
  expect(ui).toBeDefined();
  expect((await fetch(`${ui}/api/v1/namespaces/default`)).status).toBe(200);
  const ports = [...output.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  const pids = [...output.matchAll(/pid (\d+)/g)].map((m) => Number(m[1]));
  // Two servers, a worker and Temporal's one process.
  expect(new Set(pids).size).toBe(4);

  child.kill('SIGINT');
  expect(await exited).toBe(0);
  for (const pid of pids) expect(alive(pid)).toBe(false);
  for (const port of new Set(ports)) expect(await canBind(port)).toBe(true);
}, 180_000);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
