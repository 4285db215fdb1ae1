import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger';
import { buildTemporalCli, TEMPORAL_CLI_VERSION } from './temporal-cli-build';

// Finds a `temporal` CLI binary (it embeds the dev server and the Web UI) without Docker or a
// download from temporal.download, which this project's machines cannot reach.

export interface ResolveTemporalCliOptions {
  /** TEMPORAL_CLI_PATH: wins over everything else and must name an executable file. */
  cliPath?: string | undefined;
  /** Per-user cache; the binary lives in `<cacheDir>/temporal-v1.5.1/temporal`. */
  cacheDir: string;
  logger: Logger;
  /** Build the binary with Go when nothing else is found (default true). */
  build?: boolean;
  /** A Go toolchain to build with; default: `go` on the search path, then /usr/local/go/bin/go. */
  goBinary?: string;
  /** Directories searched for `temporal` and `go`; default: the PATH this process was started with. */
  searchPath?: string;
}

/** Thrown when TEMPORAL_CLI_PATH is set but does not name an executable file. */
export class TemporalCliPathError extends Error {
  override name = 'TemporalCliPathError';
  constructor(
    readonly cliPath: string,
    readonly reason: string,
  ) {
    super(`TEMPORAL_CLI_PATH=${cliPath} ${reason}: point it at a temporal CLI binary, or unset it`);
  }
}

/** Thrown when no temporal binary exists and none could be built; the message lists every way out. */
export class TemporalCliUnavailableError extends Error {
  override name = 'TemporalCliUnavailableError';
  readonly routes: readonly string[];
  constructor(
    readonly cachePath: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    const routes = temporalCliRoutes(cachePath);
    super(
      `no temporal CLI available: ${reason}. Any of these fixes it:\n${routes.map((r) => `  - ${r}`).join('\n')}`,
      options,
    );
    this.routes = routes;
  }
}

/** The ways to give this machine a Temporal server, as listed in error messages. */
export function temporalCliRoutes(cachePath: string): string[] {
  return [
    'set TEMPORAL_CLI_PATH to a temporal CLI binary',
    `install Go >= 1.25 (https://go.dev/dl) so it can be built into ${cachePath} (once, 2½–5½ minutes)`,
    'put `temporal` on PATH (https://docs.temporal.io/cli#install)',
    'set TEMPORAL_ADDRESS to an existing Temporal server (host:port)',
  ];
}

/** Where the Go build puts the binary. */
export function cachedTemporalCliPath(cacheDir: string): string {
  return path.join(path.resolve(cacheDir), `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

/**
 * Returns an absolute path to a temporal CLI: TEMPORAL_CLI_PATH, then the cache, then PATH, then a
 * one-off `go install` into the cache (serialised across processes by a lock file).
 */
export async function resolveTemporalCli(options: ResolveTemporalCliOptions): Promise<string> {
  const { logger } = options;
  // PATH is the operating system's lookup list, not product configuration.
  const searchPath = options.searchPath ?? process.env.PATH ?? '';

  if (options.cliPath !== undefined) {
    const cliPath = path.resolve(options.cliPath);
    const problem = await executableProblem(cliPath);
    if (problem !== undefined) throw new TemporalCliPathError(options.cliPath, problem);
    logger.debug('temporal CLI from TEMPORAL_CLI_PATH', { path: cliPath });
    return cliPath;
  }

  const cached = cachedTemporalCliPath(options.cacheDir);
  if ((await executableProblem(cached)) === undefined) {
    logger.debug('temporal CLI from the cache', { path: cached });
    return cached;
  }

  const onPath = await findOnPath('temporal', searchPath);
  if (onPath !== undefined) {
    logger.debug('temporal CLI from PATH', { path: onPath });
    return onPath;
  }

  if (options.build === false) throw new TemporalCliUnavailableError(cached, 'none was found and building is disabled');
  const go = await findGo(options.goBinary, searchPath);
  if (go === undefined) {
    const where = options.goBinary ?? 'PATH or /usr/local/go/bin';
    throw new TemporalCliUnavailableError(
      cached,
      `none was found, and there is no Go toolchain (looked in ${where}) to build one`,
    );
  }
  try {
    return await buildTemporalCli({ go, target: cached, logger });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TemporalCliUnavailableError(cached, `none was found and building it failed: ${reason}`, { cause: error });
  }
}

/** Why `file` cannot be run, or undefined when it can. */
async function executableProblem(file: string): Promise<string | undefined> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return 'is not a file';
    await fs.access(file, fsConstants.X_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'does not exist';
    if (code === 'EACCES') return 'is not executable';
    return `cannot be used (${code ?? String(error)})`;
  }
}

async function findOnPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.resolve(dir, name);
    if ((await executableProblem(candidate)) === undefined) return candidate;
  }
  return undefined;
}

async function findGo(goBinary: string | undefined, searchPath: string): Promise<string | undefined> {
  if (goBinary !== undefined) {
    const go = path.resolve(goBinary);
    return (await executableProblem(go)) === undefined ? go : undefined;
  }
  const onPath = await findOnPath('go', searchPath);
  if (onPath !== undefined) return onPath;
  // The official tarball's location, often missing from PATH in non-login shells.
  const standard = '/usr/local/go/bin/go';
  return (await executableProblem(standard)) === undefined ? standard : undefined;
}
