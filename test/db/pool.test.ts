import { createDb, unreachable } from '../../src/db/pool';
import { createLogger } from '../../src/logger';
import { createTestDatabase } from '../helpers/database';

// Postgres going away while a transaction holds its connection (a restart, a proxy cutting it): the
// transaction fails as unreachable, which its caller retries, and the process lives on. Without a
// listener on the checked-out client, the connection's 'error' was uncaught and ended the worker.

describe('a transaction whose connection Postgres ends', () => {
  it('fails as unreachable, logs it, and leaves the pool serving new statements', async () => {
    const target = await createTestDatabase({ migrated: false });
    const lines: string[] = [];
    const logger = createLogger('warn', {}, { write: (line: string) => lines.push(line) });
    const db = createDb(target.url, logger);
    try {
      const attempt = db.withTransaction(async (client) => {
        const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
        // Ended from another connection, as a shutting-down or restarting Postgres ends it.
        await target.db.query('select pg_terminate_backend($1)', [rows[0]!.pid]);
        await client.query('select pg_sleep(5)');
      });
      const failure = await attempt.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(unreachable(failure)).toBe(true);
      expect(lines.join('\n')).toContain('postgres connection lost while in use');
      const { rows } = await db.query<{ one: number }>('select 1 as one');
      expect(rows[0]!.one).toBe(1);
    } finally {
      await db.close();
      await target.drop();
    }
  });
});

// Two writers meeting the same rows in opposite orders: Postgres rolls one statement back as the
// deadlock's victim. A lone statement through `db.query` is that victim here (its session detects the
// cycle first), and is run again rather than failing its caller.
describe('a lone statement chosen as a deadlock victim', () => {
  it('runs again and succeeds once the other writer is done, logging the retry', async () => {
    const target = await createTestDatabase({ migrated: false });
    await target.db.query('create table pair (id int primary key, n int not null)');
    await target.db.query('insert into pair values (1, 0), (2, 0)');
    // The pool's sessions notice the cycle after 100 ms, the other writer's after 10 s: the victim is ours.
    await target.db.query(`alter database "${new URL(target.url).pathname.slice(1)}" set deadlock_timeout = '100ms'`);
    const lines: string[] = [];
    const logger = createLogger('warn', {}, { write: (line: string) => lines.push(line) });
    const db = createDb(target.url, logger);
    try {
      const other = db.withTransaction(async (client) => {
        await client.query(`set local deadlock_timeout = '10s'`);
        await client.query('update pair set n = n + 10 where id = 1');
        // The lone statement takes row 2 meanwhile; this writer then waits for it.
        await new Promise((resolve) => setTimeout(resolve, 200));
        await client.query('update pair set n = n + 10 where id = 2');
      });
      await new Promise((resolve) => setTimeout(resolve, 50));
      // Row 2, a pause (the other writer starts waiting for row 2), then row 1, which the other writer
      // holds: this statement waits last, so its session finds the cycle (a session checks once, after
      // its deadlock_timeout, when it starts waiting).
      const lone = db.query(
        `with second as (update pair set n = n + 1 where id = 2 returning id),
              pause as (select pg_sleep(0.5) from second)
         update pair set n = n + 1 where id = 1 and exists (select 1 from pause)`,
      );
      await Promise.all([other, lone]);
      const { rows } = await db.query<{ id: number; n: number }>('select id, n from pair order by id');
      expect(rows).toEqual([
        { id: 1, n: 11 },
        { id: 2, n: 11 },
      ]);
      expect(lines.join('\n')).toContain('statement chosen as a deadlock victim, run again');
    } finally {
      await db.close();
      await target.drop();
    }
  });
});
