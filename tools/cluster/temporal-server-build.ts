import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { findGo, GoBinariesUnavailableError, resolveGoBinaries } from '../embedded/go-binaries';
import type { GoBinarySet } from '../embedded/go-install';
import type { Logger } from '../../src/logger';

// Temporal's own server and its SQL tool, built from source (no Docker, no release downloads on this
// project's machines). The cluster runs it on Postgres and `npm start` and the tests on a SQLite file,
// so both run the same code. v1.32.0 is the newest release whose go.mod asks for no newer Go than
// 1.26.8 (its patch releases want 1.26.10) and has no replace directive, so `go install` takes it; it
// is also past 1.31, which Worker Versioning needs.

export const TEMPORAL_SERVER_VERSION = 'v1.32.0';
export const TEMPORAL_SERVER_MODULE = 'go.temporal.io/server';
/** The Go its go.mod declares: older toolchains refuse to build it. */
export const TEMPORAL_SERVER_GO = '1.26.8';

/** `<cacheDir>/temporal-server-v1.32.0/{temporal-server,temporal-sql-tool}`. */
export const TEMPORAL_SERVER: GoBinarySet = {
  label: 'Temporal server',
  version: TEMPORAL_SERVER_VERSION,
  dirName: `temporal-server-${TEMPORAL_SERVER_VERSION}`,
  binaries: [
    { name: 'temporal-server', package: `${TEMPORAL_SERVER_MODULE}/cmd/server` },
    { name: 'temporal-sql-tool', package: `${TEMPORAL_SERVER_MODULE}/cmd/tools/sql` },
  ],
  contents: 'temporal-server and temporal-sql-tool',
  cost: 'takes about 6 minutes on 2 idle cores from an empty Go module cache (far longer on a busy machine) and yields ~270 MB of binaries',
};

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
}

/** Paths the operator named for the two binaries; each wins over the cache and PATH. */
export interface ResolveTemporalServerOptions {
  serverPath?: string | undefined;
  sqlToolPath?: string | undefined;
  /** How the error names the operator's own paths and other ways out (default: the cluster's flags). */
  routes?: { named: string; elsewhere?: string };
  cacheDir: string;
  logger: Logger;
  build?: boolean;
  goBinary?: string;
  searchPath?: string;
}

/** Thrown when the binaries are neither found nor buildable; the message lists every way out. */
export class TemporalServerUnavailableError extends Error {
  override name = 'TemporalServerUnavailableError';
  readonly routes: readonly string[];
  constructor(reason: string, cacheDir: string, options?: { cause?: unknown; named?: string; elsewhere?: string }) {
    const dir = path.join(path.resolve(cacheDir), TEMPORAL_SERVER.dirName);
    const routes = [
      options?.named ?? 'name the binaries with --temporal-server and --temporal-sql-tool',
      `install Go >= ${TEMPORAL_SERVER_GO} (https://go.dev/dl) so they can be built into ${dir} (once, about 6 minutes on 2 idle cores)`,
      'put temporal-server and temporal-sql-tool on PATH',
      ...(options?.elsewhere === undefined ? [] : [options.elsewhere]),
    ];
    super(
      `no Temporal server available: ${reason}. Any of these fixes it:\n${routes.map((r) => `  - ${r}`).join('\n')}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.routes = routes;
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
    throw new TemporalServerUnavailableError(error.reason, options.cacheDir, { cause: error.cause, ...options.routes });
  }
}

/**
 * The server module's folder in the Go module cache (its schema files live there), through
 * `go mod download`, which fetches the module's source when the cache holds only its go.mod (as after
 * a build from another cache); undefined when there is no Go.
 */
export async function temporalServerModuleDir(options: {
  goBinary?: string;
  searchPath?: string;
}): Promise<string | undefined> {
  const go = await findGo(options.goBinary, options.searchPath ?? process.env.PATH ?? '');
  if (go === undefined) return undefined;
  // Run outside any Go module so the query names the module cache, not a local replacement.
  const { stdout } = await promisify(execFile)(
    go,
    ['mod', 'download', '-json', `${TEMPORAL_SERVER_MODULE}@${TEMPORAL_SERVER_VERSION}`],
    { cwd: path.parse(process.cwd()).root },
  );
  const { Dir } = JSON.parse(stdout) as { Dir?: string };
  if (Dir === undefined) throw new Error('go mod download named no module folder');
  return Dir;
}

/** The versioned Postgres schema folders the SQL tool applies, or embedded schema names. */
export interface TemporalSchemas {
  temporal: { dir: string } | { embedded: string };
  visibility: { dir: string } | { embedded: string };
}

const POSTGRES_SCHEMA = 'schema/postgresql/v12';

/**
 * The schema files that ship in the server's module, found in the Go module cache. Without Go (binaries named or found on PATH) the SQL tool's own embedded copy of the
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
  try {
    const Dir = await temporalServerModuleDir(options);
    if (Dir === undefined) return embedded;
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
