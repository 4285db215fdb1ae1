import crypto from 'node:crypto';
import pg from 'pg';
import { createDb, type Db } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { startScoped } from './cleanup';
import { readTestEnvironment, withDatabase } from './test-env';

// Restarts in every test file (jest gives each its own module registry) while the worker's pid stays:
// the random part keeps a database left behind by a failed file from colliding with the next.
let sequence = 0;

/** A database of its own for one test file: empty, or copied from the migrated template. Dropped by `drop` or at the file's end. */
export async function createTestDatabase(options: {
  migrated: boolean;
}): Promise<{ db: Db; url: string; drop(): Promise<void> }> {
  const shared = readTestEnvironment();
  const name = `${shared.templateDatabase}_d${process.pid}_${++sequence}_${crypto.randomBytes(3).toString('hex')}`;
  const database = await startScoped(async (defer) => {
    defer(() => adminQuery(`drop database if exists ${name} with (force)`));
    await adminQuery(`create database ${name}${options.migrated ? ` template ${shared.templateDatabase}` : ''}`);
    const url = withDatabase(shared.adminDatabaseUrl, name);
    const db = createDb(url, silentLogger);
    defer(() => db.close());
    return { db, url };
  });
  return { db: database.db, url: database.url, drop: database.stop };
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: readTestEnvironment().adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
