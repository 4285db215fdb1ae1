import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type Config } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { createDb } from '../../src/db/pool';
import { startEmbeddedPostgres } from '../../tools/embedded/postgres';
import { createLogger, type Logger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { resolveDevServerBinaries, startDevServer } from '../../tools/embedded/temporal-dev-server';
import { bundleConversationWorkflows } from '../../src/temporal/workflow-bundle';
import globalTeardown, { globals, type SharedState } from './global-teardown';
import { readTestEnvironment, TEST_ENV_FILE_VARIABLE, withDatabase, type TestEnvironment } from './test-env';

// Starts what every test file shares: one Temporal server (on a SQLite file in the run's folder), one Postgres cluster with a migrated
// template database, and one workflow bundle. DATABASE_URL points the tests at an existing cluster
// (CI uses the machine's own on 127.0.0.1:5432); without it an embedded Postgres is started.

export default async function globalSetup(): Promise<void> {
  // The integration and browser projects both name a setup that lands here: the first one starts it all.
  if (process.env[TEST_ENV_FILE_VARIABLE]) return;
  const started = Date.now();
  const config = loadConfig(process.env);
  const logger = createLogger('warn');
  // The fault project's setup may have come first: its state, folder and exit guard are shared.
  const state: SharedState = globals.edubotTest ?? {
    stops: [],
    dir: fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-test-')),
  };
  // An embedded Postgres runs as the `postgres` user when we are root: it must be able to enter.
  fs.chmodSync(state.dir, 0o755);
  globals.edubotTest = state;
  try {
    await startShared(config, logger, state);
  } catch (error) {
    // jest runs no global teardown when a setup fails: stop here what has started.
    await globalTeardown();
    throw error;
  }
  process.stderr.write(
    `\ntest environment ready in ${((Date.now() - started) / 1000).toFixed(1)} s (Temporal ${readTestEnvironment().temporalAddress})\n`,
  );
}

async function startShared(config: Config, logger: Logger, state: SharedState): Promise<void> {
  const { dir, stops } = state;
  const temporalBinaries = await resolveDevServerBinaries({
    cliPath: config.temporalCliPath,
    cacheDir: config.cacheDir,
    logger,
  });
  const startingPostgres = config.databaseUrl
    ? Promise.resolve({ url: config.databaseUrl, stop: async () => undefined })
    : startEmbeddedPostgres({ dataDir: path.join(dir, 'pg'), port: await findFreePort(), logger });
  const startingTemporal = startDevServer({
    binaries: temporalBinaries,
    cacheDir: config.cacheDir,
    port: 0,
    headless: true,
    namespace: config.temporalNamespace,
    dbFile: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, 'temporal.log'),
    logger,
  });
  // Whichever of the two started is stopped, even when the other failed.
  for (const starting of [startingTemporal, startingPostgres])
    void starting.then(
      (s) => stops.push(s),
      () => undefined,
    );
  const [temporal, postgres, bundle] = await Promise.all([
    startingTemporal,
    startingPostgres,
    bundleConversationWorkflows(),
  ]);

  const templateDatabase = `edubot_test_${process.pid}_${Date.now()}`;
  state.drop = () => dropDatabases(postgres.url, templateDatabase);
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`create database ${templateDatabase}`);
  await admin.end();
  const db = createDb(withDatabase(postgres.url, templateDatabase), logger);
  try {
    await migrate(db, logger);
  } finally {
    await db.close();
  }

  const workflowBundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(workflowBundlePath, bundle);
  const environment: TestEnvironment = {
    temporalAddress: temporal.address,
    adminDatabaseUrl: postgres.url,
    templateDatabase,
    workflowBundlePath,
    temporalBinary: temporalBinaries.server,
  };
  const file = path.join(dir, 'environment.json');
  fs.writeFileSync(file, JSON.stringify(environment));
  process.env[TEST_ENV_FILE_VARIABLE] = file;
}

/** Drops the template and every per-file copy made from it. */
async function dropDatabases(url: string, template: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `${template}%`,
    ]);
    for (const { datname } of rows) await admin.query(`drop database if exists ${datname} with (force)`);
  } finally {
    await admin.end();
  }
}
