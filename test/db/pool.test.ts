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
