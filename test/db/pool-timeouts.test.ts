import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate } from '../../src/db/migrate';
import { createDb, QUERY_CANCELED, unreachable, type Db } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { createTestDatabase } from '../helpers/database';

// The pool's statement timeout: one slow statement gives its connection back instead of holding it,
// while the jobs that need longer (migrations, a transaction that asks) are not cut by it. The tests
// run with a 1 s timeout so that they wait seconds; the product's default is checked as it is set.

let target: Awaited<ReturnType<typeof createTestDatabase>>;
let db: Db;

beforeAll(async () => {
  target = await createTestDatabase({ migrated: false });
  // One connection: what a statement leaves behind on it is what the next one meets.
  db = createDb(target.url, silentLogger, { max: 1, statementTimeoutMs: 1_000 });
});

afterAll(async () => {
  await db?.close();
  await target?.drop();
});

const timeout = async (on: Db) =>
  (await on.query<{ t: string }>("select current_setting('statement_timeout') as t")).rows[0]!.t;

it('gives every pooled connection a 15 s statement timeout by default', async () => {
  expect(await timeout(target.db)).toBe('15s');
});

it('cancels a statement that runs past the timeout, as an overload the caller answers 503 for, and serves the next', async () => {
  const started = Date.now();
  const failure = await db.query('select pg_sleep(3)').then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(failure).toMatchObject({ code: QUERY_CANCELED });
  expect(unreachable(failure)).toBe(true);
  expect(Date.now() - started).toBeLessThan(2_900);
  expect((await db.query<{ one: number }>('select 1 as one')).rows[0]!.one).toBe(1);
});

it('lets a transaction that asks for longer run past it, and lends the connection on with the default', async () => {
  await db.withTransaction(
    async (client) => {
      await client.query('select pg_sleep(1.5)');
    },
    { statementTimeoutMs: 5_000 },
  );
  expect(await timeout(db)).toBe('1s');
});

it('runs a migration longer than the timeout, and lends the connection on with the default', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-slow-migration-'));
  try {
    fs.writeFileSync(path.join(dir, '0001_slow.sql'), 'select pg_sleep(1.5);\ncreate table slow_done (id int);\n');
    expect(await migrate(db, silentLogger, dir)).toEqual(['0001_slow.sql']);
    expect(await timeout(db)).toBe('1s');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
