import fs from 'node:fs';

// What the global setup started for the whole run, handed to every test file through one JSON file.
export interface TestEnvironment {
  temporalAddress: string;
  /** Connection string of the run's Postgres cluster, on its maintenance database. */
  adminDatabaseUrl: string;
  /** A migrated database that each test file copies (create database … template …). */
  templateDatabase: string;
  /** The workflow bundle, built once for the run. */
  workflowBundlePath: string;
  temporalBinary: string;
}

export const TEST_ENV_FILE_VARIABLE = 'EDUBOT_TEST_ENV_FILE';

export function readTestEnvironment(): TestEnvironment {
  const file = process.env[TEST_ENV_FILE_VARIABLE];
  if (!file)
    throw new Error('test environment missing: run the tests through jest (npm test) so the global setup runs');
  return JSON.parse(fs.readFileSync(file, 'utf8')) as TestEnvironment;
}

/** Replaces the database name of a connection string. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
