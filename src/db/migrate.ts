import fs from 'node:fs/promises';
import path from 'node:path';
import type { Db } from './pool';
import type { Logger } from '../logger';

// Numbered, forward-only migrations. A session-level advisory lock makes concurrent boots safe:
// the second process waits, then finds every file already applied.

const MIGRATIONS_DIR = path.join(__dirname, 'migrations');
// Any constant works; it only has to be the same in every process of this product.
const MIGRATION_LOCK_ID = 4_211_337;

/** Thrown when a migration file fails; names the file so the operator knows which one to look at. */
export class MigrationError extends Error {
  override name = 'MigrationError';
  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    super(`migration ${file} failed; fix the database or the file, nothing of it was applied`, options);
  }
}

/** Applies every migration not yet recorded in schema_migrations, each in its own transaction. */
export async function migrate(db: Db, logger: Logger, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort();
  return db.withClient(async (client) => {
    const applied: string[] = [];
    try {
      // A migration may rewrite a big table, and a second process waits here for the first one's:
      // neither is cut by the pool's statement timeout. Reset below, before the connection is lent on.
      await client.query('set statement_timeout = 0');
      await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
      await client.query(
        'create table if not exists schema_migrations (id text primary key, applied_at timestamptz not null default now())',
      );
      const done = new Set(
        (await client.query<{ id: string }>('select id from schema_migrations')).rows.map((r) => r.id),
      );
      for (const file of files) {
        if (done.has(file)) continue;
        const sql = await fs.readFile(path.join(dir, file), 'utf8');
        try {
          await client.query('begin');
          await client.query(sql);
          await client.query('insert into schema_migrations (id) values ($1)', [file]);
          await client.query('commit');
        } catch (err) {
          await client.query('rollback').catch(() => undefined);
          throw new MigrationError(file, { cause: err });
        }
        applied.push(file);
        logger.info('migration applied', { file });
      }
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
      await client.query('reset statement_timeout').catch(() => undefined);
    }
    return applied;
  });
}
