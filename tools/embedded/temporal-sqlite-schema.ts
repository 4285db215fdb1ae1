import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

// The one-machine server's SQLite file and its schema, made by Temporal's own SQL tool from the
// server module's schema files (`schema/sqlite/v3`, in the Go module cache the build filled; the tool
// carries only the MySQL and Postgres ones): the persistence tables with their version recorded, so a
// later server release brings the file up to date with `update-schema`, and the visibility tables
// beside them in the same file, as the CLI's dev server kept them. Without the module (no Go: binaries
// named or found on PATH) the server creates the tables of a new file itself (`setup: true`).

/** `schema/sqlite/version.go` of the server release we build: the version `schema.sql` is at. */
export const SQLITE_SCHEMA_VERSION = '0.11';
/**
 * A file the CLI's dev server (v1.5.1, server 1.29.1) made: it has that release's schema (0.10) but no
 * version table, so its version is recorded first and then brought up to date.
 */
const LEGACY_DEV_SERVER_SCHEMA_VERSION = '0.10';

/** Thrown when the SQL tool fails; `output` is what it printed. */
export class TemporalSqliteSchemaError extends Error {
  override name = 'TemporalSqliteSchemaError';
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(output === '' ? message : `${message}\n--- temporal-sql-tool output (last lines) ---\n${output}`);
  }
}

/**
 * Creates `dbFile` with the whole schema, or applies the versions it lacks; returns what it did. A new
 * file is made under a temporary name and renamed into place, so a start that dies half-way leaves
 * nothing that looks like a database. `server`: no schema files, the server is to set up a new file.
 */
export async function prepareSqliteDatabase(options: {
  sqlTool: string;
  dbFile: string;
  /** `schema/sqlite/v3` of the server module; undefined leaves the schema to the server. */
  schemaDir: string | undefined;
  /** The tool's output is appended here. */
  logFile: string;
}): Promise<'created' | 'updated' | 'adopted' | 'server'> {
  const { schemaDir } = options;
  if (schemaDir === undefined) return 'server';
  // The tool records the version under the name it was given: always the file's own name, run from
  // its folder, so the record survives the rename below and a move of the whole folder.
  const name = path.basename(options.dbFile);
  const run = (folder: string, args: string[]) => runSqlTool(options.sqlTool, folder, name, args, options.logFile);
  if (!fs.existsSync(options.dbFile)) {
    const building = `${options.dbFile}.new`;
    fs.rmSync(building, { recursive: true, force: true });
    fs.mkdirSync(building);
    const temporal = path.join(schemaDir, 'temporal', 'schema.sql');
    await run(building, ['setup-schema', '-f', temporal, '-v', SQLITE_SCHEMA_VERSION]);
    // The visibility tables share the file but not the version row, which is keyed by the file's name.
    const visibility = path.join(schemaDir, 'visibility', 'schema.sql');
    await run(building, ['setup-schema', '-f', visibility, '--disable-versioning']);
    fs.renameSync(path.join(building, name), options.dbFile);
    fs.rmSync(building, { recursive: true, force: true });
    return 'created';
  }
  const folder = path.dirname(options.dbFile);
  const update = ['update-schema', '-d', path.join(schemaDir, 'temporal', 'versioned')];
  try {
    await run(folder, update);
    return 'updated';
  } catch (error) {
    if (!(error instanceof TemporalSqliteSchemaError) || !/no such table: schema_version/.test(error.output))
      throw error;
  }
  await run(folder, ['setup-schema', '-v', LEGACY_DEV_SERVER_SCHEMA_VERSION]);
  await run(folder, update);
  return 'adopted';
}

function runSqlTool(sqlTool: string, folder: string, name: string, args: string[], logFile: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      sqlTool,
      ['--plugin', 'sqlite', '--db', name, ...args],
      { cwd: folder, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        fs.appendFileSync(
          logFile,
          `$ (in ${folder}) temporal-sql-tool --plugin sqlite --db ${name} ${args.join(' ')}\n${output}`,
        );
        if (error)
          reject(
            new TemporalSqliteSchemaError(
              `temporal-sql-tool ${args[0]} on ${path.join(folder, name)} failed`,
              output.slice(-4_000),
            ),
          );
        else resolve();
      },
    );
  });
}
