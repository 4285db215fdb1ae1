import { execFile } from 'node:child_process';
import fs from 'node:fs';
import pg from 'pg';
import type { PostgresEndpoint } from './temporal-config';
import type { TemporalSchemas } from './temporal-server-build';

// The cluster's two databases and their schema, made by Temporal's own SQL tool the way its
// admin-tools image does it: create-database, setup-schema -v 0.0 (the version tables), then
// update-schema to the newest version shipped with the server. Every step is idempotent, so a cluster
// that already exists is brought up to date, never recreated.

/** Thrown when the SQL tool fails; `output` is what it printed. */
export class TemporalSchemaError extends Error {
  override name = 'TemporalSchemaError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output === '' ? message : `${message}\n--- temporal-sql-tool output (last lines) ---\n${output}`);
  }
}

export interface PrepareTemporalDatabasesOptions {
  sqlTool: string;
  /** Any database of the Postgres server, to check for and create the others from. */
  adminUrl: string;
  postgres: PostgresEndpoint;
  databases: { temporal: string; visibility: string };
  schemas: TemporalSchemas;
  /** The tool's output is appended here. */
  logFile: string;
}

/** Creates what is missing and applies pending schema versions; returns the databases it created. */
export async function prepareTemporalDatabases(options: PrepareTemporalDatabasesOptions): Promise<string[]> {
  const created: string[] = [];
  const adminDb = new URL(options.adminUrl).pathname.slice(1) || 'postgres';
  const steps: [keyof TemporalSchemas, string][] = [
    ['temporal', options.databases.temporal],
    ['visibility', options.databases.visibility],
  ];
  for (const [kind, database] of steps) {
    const run = (args: string[]) => runSqlTool(options, database, args);
    if (!(await databaseExists(options.adminUrl, database))) {
      await run(['create-database', '--defaultdb', adminDb]);
      created.push(database);
    }
    await run(['setup-schema', '-v', '0.0']);
    const schema = options.schemas[kind];
    await run(['update-schema', ...('dir' in schema ? ['-d', schema.dir] : ['--schema-name', schema.embedded])]);
  }
  return created;
}

/** How many history shards the cluster in `temporalUrl` was created with; undefined before its first start. */
export async function persistedShardCount(temporalUrl: string): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: temporalUrl });
  await client.connect();
  try {
    // History hosts acquire every shard at their first start, one row each; the count never changes after.
    const { rows } = await client.query<{ n: string }>('select count(*) as n from shards');
    const n = Number(rows[0]!.n);
    return n > 0 ? n : undefined;
  } finally {
    await client.end();
  }
}

async function databaseExists(adminUrl: string, database: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    return (rowCount ?? 0) > 0;
  } finally {
    await client.end();
  }
}

function runSqlTool(options: PrepareTemporalDatabasesOptions, database: string, args: string[]): Promise<void> {
  const { postgres } = options;
  const common = ['--plugin', 'postgres12', '--ep', postgres.host, '-p', String(postgres.port)];
  common.push('-u', postgres.user, '--db', database);
  return new Promise((resolve, reject) => {
    execFile(
      options.sqlTool,
      [...common, ...args],
      // The password through the tool's environment variable keeps it out of `ps`.
      { env: { ...process.env, SQL_PASSWORD: postgres.password }, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        fs.appendFileSync(options.logFile, `$ temporal-sql-tool --db ${database} ${args.join(' ')}\n${output}`);
        if (error)
          reject(new TemporalSchemaError(`temporal-sql-tool ${args[0]} on ${database} failed`, output.slice(-4_000)));
        else resolve();
      },
    );
  });
}
