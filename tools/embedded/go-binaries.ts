import { constants as fsConstants, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../src/logger';
import { buildGoBinaries, cachedBinaryPaths, type GoBinarySet } from './go-install';

// Finds the programs of a GoBinarySet the same way for every set: a path the operator named, then
// the per-user cache, then PATH, then a one-off `go install` into the cache. This project's
// machines cannot download release archives, so building from source is the last resort.

export interface ResolveGoBinariesOptions {
  set: GoBinarySet;
  /** Paths the operator named, by binary name; each wins over everything else and must be executable. */
  explicit?: Readonly<Record<string, string | undefined>>;
  cacheDir: string;
  logger: Logger;
  /** Build with Go when something is not found (default true). */
  build?: boolean;
  /** A Go toolchain to build with; default: `go` on the search path, then /usr/local/go/bin/go. */
  goBinary?: string;
  /** Directories searched for the binaries and `go`; default: the PATH this process was started with. */
  searchPath?: string;
}

/** Thrown when a path the operator named is not an executable file. */
export class GoBinaryPathError extends Error {
  override name = 'GoBinaryPathError';
  constructor(
    readonly binary: string,
    readonly given: string,
    readonly reason: string,
  ) {
    super(`${given} (${binary}) ${reason}`);
  }
}

/** Thrown when a binary was not found and could not be built; `reason` says which step failed. */
export class GoBinariesUnavailableError extends Error {
  override name = 'GoBinariesUnavailableError';
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

/** Absolute paths of the set's binaries, in the order of `set.binaries`. */
export async function resolveGoBinaries(options: ResolveGoBinariesOptions): Promise<string[]> {
  const { set, logger } = options;
  // PATH is the operating system's lookup list, not product configuration.
  const searchPath = options.searchPath ?? process.env.PATH ?? '';
  const cached = cachedBinaryPaths(set, options.cacheDir);
  const found: (string | undefined)[] = [];
  for (const [i, { name }] of set.binaries.entries()) {
    const given = options.explicit?.[name];
    if (given !== undefined) {
      const resolved = path.resolve(given);
      const problem = await executableProblem(resolved);
      if (problem !== undefined) throw new GoBinaryPathError(name, given, problem);
      logger.debug(`${name} as named`, { path: resolved });
      found.push(resolved);
    } else if ((await executableProblem(cached[i]!)) === undefined) {
      logger.debug(`${name} from the cache`, { path: cached[i] });
      found.push(cached[i]);
    } else {
      const onPath = await findOnPath(name, searchPath);
      if (onPath !== undefined) logger.debug(`${name} from PATH`, { path: onPath });
      found.push(onPath);
    }
  }
  if (found.every((p) => p !== undefined)) return found;

  if (options.build === false) throw new GoBinariesUnavailableError('none was found and building is disabled');
  const go = await findGo(options.goBinary, searchPath);
  if (go === undefined) {
    const where = options.goBinary ?? 'PATH or /usr/local/go/bin';
    throw new GoBinariesUnavailableError(
      `none was found, and there is no Go toolchain (looked in ${where}) to build one`,
    );
  }
  try {
    const built = await buildGoBinaries({ set, go, cacheDir: options.cacheDir, logger });
    return found.map((p, i) => p ?? built[i]!);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new GoBinariesUnavailableError(`none was found and building it failed: ${reason}`, { cause: error });
  }
}

/** Why `file` cannot be run, or undefined when it can. */
export async function executableProblem(file: string): Promise<string | undefined> {
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

/** A Go toolchain: `goBinary` when given, else `go` on the search path, else the official tarball's place. */
export async function findGo(goBinary: string | undefined, searchPath: string): Promise<string | undefined> {
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
