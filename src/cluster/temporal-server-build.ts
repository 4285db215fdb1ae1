import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { findGo, GoBinariesUnavailableError, resolveGoBinaries } from '../embedded/go-binaries';
import type { GoBinarySet } from '../embedded/go-install';
import type { Logger } from '../logger';

// Temporal's own server and its SQL tool, built from source like the CLI (no Docker, no release
// downloads on this project's machines). v1.29.1 is the server the CLI v1.5.1 embeds, so the cluster
// and the dev server run the same code; its go.mod has no replace directive, so `go install` takes it.

export const TEMPORAL_SERVER_VERSION = 'v1.29.1';
const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';

/** `<cacheDir>/temporal-server-v1.29.1/{temporal-server,temporal-sql-tool}`. */
export const TEMPORAL_SERVER: GoBinarySet = {
  label: 'Temporal server',
  version: TEMPORAL_SERVER_VERSION,
  dirName: `temporal-server-${TEMPORAL_SERVER_VERSION}`,
  binaries: [
    { name: 'temporal-server', package: `${TEMPORAL_SERVER_MODULE}/cmd/server` },
    { name: 'temporal-sql-tool', package: `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql` },
  ],
  contents: 'temporal-server and temporal-sql-tool',
  cost: "takes about 3 minutes on 2 cores once the CLI's modules are cached and yields ~185 MB of binaries",
};

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
}

/** Paths the operator named for the two binaries; each wins over the cache and PATH. */
export interface ResolveTemporalServerOptions {
  serverPath?: string | undefined;
  sqlToolPath?: string | undefined;
  cacheDir: string;
  logger: Logger;
  build?: boolean;
  goBinary?: string;
  searchPath?: string;
}

/** Thrown when the binaries are neither found nor buildable; the message lists every way out. */
export class TemporalServerUnavailableError extends Error {
  override name = 'TemporalServerUnavailableError';
  constructor(reason: string, cacheDir: string, options?: { cause?: unknown }) {
    const dir = path.join(path.resolve(cacheDir), TEMPORAL_SERVER.dirName);
    const routes = [
      'name the binaries with --temporal-server and --temporal-sql-tool',
      `install Go >= 1.25 (https://go.dev/dl) so they can be built into ${dir} (once, about 3 minutes)`,
      'put temporal-server and temporal-sql-tool on PATH',
    ];
    super(
      `no Temporal server available: ${reason}. Any of these fixes it:\n${routes.map((r) => `  - ${r}`).join('\n')}`,
      options,
    );
  }
}

/** The named paths, then the cache, then PATH, then a one-off `go install` into the cache. */
export async function resolveTemporalServer(options: ResolveTemporalServerOptions): Promise<TemporalServerBinaries> {
  try {
    const [server, sqlTool] = await resolveGoBinaries({
      set: TEMPORAL_SERVER,
      explicit: { 'temporal-server': options.serverPath, 'temporal-sql-tool': options.sqlToolPath },
      cacheDir: options.cacheDir,
      logger: options.logger,
      ...(options.build === undefined ? {} : { build: options.build }),
      ...(options.goBinary === undefined ? {} : { goBinary: options.goBinary }),
      ...(options.searchPath === undefined ? {} : { searchPath: options.searchPath }),
    });
    return { server: server!, sqlTool: sqlTool! };
  } catch (error) {
    if (!(error instanceof GoBinariesUnavailableError)) throw error;
    throw new TemporalServerUnavailableError(error.reason, options.cacheDir, { cause: error.cause });
  }
}

/** The versioned Postgres schema folders the SQL tool applies, or embedded schema names. */
export interface TemporalSchemas {
  temporal: { dir: string } | { embedded: string };
  visibility: { dir: string } | { embedded: string };
}

const POSTGRES_SCHEMA = 'schema/postgresql/v12';

/**
 * The schema files that ship in the server's module, found through `go list -m` (the module cache the
 * build filled). Without Go (binaries named or found on PATH) the SQL tool's own embedded copy of the
 * same files is used instead.
 */
export async function locateTemporalSchemas(options: {
  goBinary?: string;
  searchPath?: string;
  logger: Logger;
}): Promise<TemporalSchemas> {
  const embedded: TemporalSchemas = {
    temporal: { embedded: 'postgresql/v12/temporal' },
    visibility: { embedded: 'postgresql/v12/visibility' },
  };
  const go = await findGo(options.goBinary, options.searchPath ?? process.env.PATH ?? '');
  if (go === undefined) return embedded;
  try {
    // Run outside any Go module so the query names the module cache, not a local replacement.
    const { stdout } = await promisify(execFile)(
      go,
      ['list', '-m', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`],
      { cwd: path.parse(process.cwd()).root },
    );
    const { Dir } = JSON.parse(stdout) as { Dir?: string };
    if (Dir === undefined) throw new Error('go list named no module folder');
    const temporal = path.join(Dir, POSTGRES_SCHEMA, 'temporal', 'versioned');
    const visibility = path.join(Dir, POSTGRES_SCHEMA, 'visibility', 'versioned');
    await Promise.all([fs.access(temporal), fs.access(visibility)]);
    return { temporal: { dir: temporal }, visibility: { dir: visibility } };
  } catch (error) {
    options.logger.warn("the server module's schema files were not found: using the SQL tool's embedded copy", {
      error: error instanceof Error ? error.message : String(error),
    });
    return embedded;
  }
}
