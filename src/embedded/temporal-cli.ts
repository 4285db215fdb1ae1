import type { Logger } from '../logger';
import { GoBinariesUnavailableError, GoBinaryPathError, resolveGoBinaries } from './go-binaries';
import { cachedBinaryPaths, type GoBinarySet } from './go-install';

// Finds a `temporal` CLI binary (it embeds the dev server and the Web UI) without Docker or a
// download from temporal.download, which this project's machines cannot reach.

/** The newest CLI tag that `go install` accepts: later go.mod files carry a replace directive. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/** The CLI as the Go build makes it: `<cacheDir>/temporal-v1.5.1/temporal`. */
export const TEMPORAL_CLI: GoBinarySet = {
  label: 'temporal CLI',
  version: TEMPORAL_CLI_VERSION,
  dirName: `temporal-${TEMPORAL_CLI_VERSION}`,
  binaries: [{ name: 'temporal', package: 'github.com/temporalio/cli/cmd/temporal' }],
  // What v1.5.1 embeds.
  contents: 'Temporal Server 1.29.1, UI 2.42.1',
  cost: 'takes about 2½–5½ minutes on 2 cores and yields a ~250 MB binary',
};

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
  return cachedBinaryPaths(TEMPORAL_CLI, cacheDir)[0]!;
}

/**
 * Returns an absolute path to a temporal CLI: TEMPORAL_CLI_PATH, then the cache, then PATH, then a
 * one-off `go install` into the cache (serialised across processes by a lock file).
 */
export async function resolveTemporalCli(options: ResolveTemporalCliOptions): Promise<string> {
  try {
    const [cli] = await resolveGoBinaries({
      set: TEMPORAL_CLI,
      explicit: { temporal: options.cliPath },
      cacheDir: options.cacheDir,
      logger: options.logger,
      ...(options.build === undefined ? {} : { build: options.build }),
      ...(options.goBinary === undefined ? {} : { goBinary: options.goBinary }),
      ...(options.searchPath === undefined ? {} : { searchPath: options.searchPath }),
    });
    return cli!;
  } catch (error) {
    if (error instanceof GoBinaryPathError) throw new TemporalCliPathError(error.given, error.reason);
    if (error instanceof GoBinariesUnavailableError) {
      throw new TemporalCliUnavailableError(cachedTemporalCliPath(options.cacheDir), error.reason, {
        cause: error.cause,
      });
    }
    throw error;
  }
}
