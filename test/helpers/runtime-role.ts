import crypto from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { readTestEnvironment } from './test-env';

// A login role made as deploy/postgres/20-edubot-roles.sql makes the runtime role (rows only: select,
// insert and update, no delete), named after the file that asks for it since roles belong to the
// whole cluster, and a Db connected as it to one test database.

/** SQLSTATE of a statement the role may not run. */
export const INSUFFICIENT_PRIVILEGE = '42501';

export interface RuntimeRole {
  name: string;
  db: Db;
  /** Drops the role: close `db` and drop the database first, since the role's grants are in it. */
  drop(): Promise<void>;
}

/** The role, with its rows granted in the database at `database.url` (connected to as `database.db`). */
export async function createRuntimeRole(database: { db: Db; url: string }, prefix: string): Promise<RuntimeRole> {
  const name = `${prefix}_${crypto.randomBytes(4).toString('hex')}`;
  const password = crypto.randomBytes(12).toString('hex');
  await database.db.query(`create role ${name} login password '${password}'`);
  await database.db.query(`grant usage on schema public to ${name}`);
  await database.db.query(`grant select, insert, update on all tables in schema public to ${name}`);
  await database.db.query(`grant usage on all sequences in schema public to ${name}`);
  const url = new URL(database.url);
  url.username = name;
  url.password = password;
  const db = createDb(url.toString(), silentLogger);
  return {
    name,
    db,
    async drop() {
      const admin = new pg.Client({ connectionString: readTestEnvironment().adminDatabaseUrl });
      await admin.connect();
      try {
        await admin.query(`drop role if exists ${name}`);
      } finally {
        await admin.end();
      }
    },
  };
}
