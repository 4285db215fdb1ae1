import { spawn } from 'node:child_process';
import { constants as fsConstants, promises as fs, rmSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Logger } from '../../src/logger';
import { onProcessExit } from './exit-hooks';

// Builds Go programs from source with `go install`, once per machine (Temporal's server and its SQL
// tool, Temporal's Web UI server). A build is slow (minutes) and large (hundreds of MB), so concurrent
// processes (a CI test run and a parallel `npm start`) must share one: an O_EXCL lock file elects the
// builder, the others wait for it. The binaries are installed into a private GOBIN and renamed into
// place, so nobody ever runs a half-written file.

/** Programs built together from one Go module at one version into `<cacheDir>/<dirName>/`. */
export interface GoBinarySet {
  /** What is built, as progress lines name it: "Temporal server". */
  label: string;
  /** The module version every package is installed at. */
  version: string;
  /** The folder under the cache, e.g. `temporal-server-v1.32.0`. */
  dirName: string;
  /** Main packages and the file name each is kept under (also the name looked for on PATH). */
  binaries: readonly { name: string; package: string }[];
  /** Shown to people waiting for a build, e.g. "temporal-server and temporal-sql-tool". */
  contents: string;
  /** How long a build takes and what it yields, e.g. "takes about 3 minutes on 2 cores and yields …". */
  cost: string;
}

/** A lock not refreshed for this long belongs to a build that died without cleaning up. */
const LOCK_STALE_MS = 20 * 60_000;
const PROGRESS_EVERY_MS = 15_000;
const POLL_MS = 1_000;

/** Thrown when `go install` fails; carries the last lines it printed. */
export class GoInstallError extends Error {
  override name = 'GoInstallError';
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(output === '' ? message : `${message}:\n${output}`);
  }
}

interface LockOwner {
  pid: number;
  host: string;
}

/** Where the build keeps each binary of `set`, in the order of `set.binaries`. */
export function cachedBinaryPaths(set: GoBinarySet, cacheDir: string): string[] {
  return set.binaries.map(({ name }) => path.join(path.resolve(cacheDir), set.dirName, name));
}

/** Builds (or waits for another process to build) every binary of `set`; returns their paths. */
export async function buildGoBinaries(options: {
  set: GoBinarySet;
  go: string;
  cacheDir: string;
  logger: Logger;
}): Promise<string[]> {
  const targets = cachedBinaryPaths(options.set, options.cacheDir);
  const versionDir = path.join(path.resolve(options.cacheDir), options.set.dirName);
  const lockPath = `${versionDir}.lock`;
  const built = async () => (await Promise.all(targets.map(isExecutable))).every(Boolean);
  await fs.mkdir(path.dirname(versionDir), { recursive: true });
  for (;;) {
    if (await built()) return targets;
    const release = await tryLock(lockPath);
    if (release !== undefined) {
      try {
        // The previous holder may have finished between our check and our lock.
        if (!(await built())) await goInstall(options, versionDir, lockPath);
        return targets;
      } finally {
        await release();
      }
    }
    await waitForOtherBuilder(options.set, lockPath, versionDir, built, options.logger);
  }
}

async function goInstall(
  options: { set: GoBinarySet; go: string; logger: Logger },
  versionDir: string,
  lockPath: string,
): Promise<void> {
  const { go, set } = options;
  const say = announcer(options.logger);
  const gobin = `${versionDir}.build-${process.pid}`;
  const packages = set.binaries.map((b) => `${b.package}@${set.version}`);
  const where = set.binaries.length === 1 ? path.join(versionDir, set.binaries[0]!.name) : versionDir;
  await removeAbandonedBuilds(versionDir);
  await fs.mkdir(gobin, { recursive: true });
  say(
    `building the ${set.label} ${set.version} (${set.contents}) with ${go} into ${where}: ` +
      `this happens once per machine, ${set.cost}`,
  );
  const started = Date.now();
  let compiled = 0;
  let downloads = 0;
  const tail: string[] = [];
  const child = spawn(go, ['install', '-v', ...packages], {
    // CGO off as in Temporal's release builds: static binaries, and no C compiler needed.
    env: { ...process.env, GOBIN: gobin, CGO_ENABLED: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stopOnExit = onProcessExit(() => {
    child.kill('SIGTERM');
    rmSync(gobin, { recursive: true, force: true });
  });
  const countLine = (line: string): void => {
    if (line.trim() === '') return;
    // `go install -v` prints one import path per compiled package; everything else is news.
    if (line.startsWith('go: downloading')) downloads += 1;
    else if (/^[\w.~+-]+(\/[\w.~+-]+)*$/.test(line)) compiled += 1;
    else tail.push(line);
    if (tail.length > 30) tail.shift();
  };
  for (const stream of [child.stdout, child.stderr])
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', countLine);
  const progress = setInterval(() => {
    say(
      `${set.label} build: ${elapsed(started)} elapsed, ${compiled} packages compiled (${downloads} modules downloaded)`,
    );
    void touch(lockPath);
  }, PROGRESS_EVERY_MS);
  progress.unref();
  try {
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => resolve(code));
    });
    if (exitCode !== 0) {
      throw new GoInstallError(`go install ${packages.join(' ')} exited with ${exitCode}`, exitCode, tail.join('\n'));
    }
    await fs.mkdir(versionDir, { recursive: true });
    // Same file system (both under the cache), so each rename is atomic; the set counts as built once
    // every file is in place.
    for (const { name, package: pkg } of set.binaries)
      await fs.rename(path.join(gobin, path.posix.basename(pkg)), path.join(versionDir, name));
    say(`${set.label} built in ${elapsed(started)} (${compiled} packages compiled): ${where}`);
  } catch (error) {
    say(
      `${set.label} build failed after ${elapsed(started)}: ${error instanceof Error ? error.message : String(error)}`,
    );
    throw error;
  } finally {
    clearInterval(progress);
    stopOnExit();
    await fs.rm(gobin, { recursive: true, force: true });
  }
}

/** Private GOBINs of builds that were killed; only the lock holder calls this, so none is in use. */
async function removeAbandonedBuilds(versionDir: string): Promise<void> {
  const prefix = `${path.basename(versionDir)}.build-`;
  const cacheDir = path.dirname(versionDir);
  for (const entry of await fs.readdir(cacheDir)) {
    if (entry.startsWith(prefix)) await fs.rm(path.join(cacheDir, entry), { recursive: true, force: true });
  }
}

/** Takes the lock; returns its release function, or undefined when another live process holds it. */
async function tryLock(lockPath: string): Promise<(() => Promise<void>) | undefined> {
  let handle: FileHandle;
  try {
    handle = await fs.open(lockPath, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const owner = await staleLockOwner(lockPath);
    if (owner === undefined) return undefined;
    // Re-read before deleting so a lock that a third process just re-created survives.
    if (JSON.stringify(await staleLockOwner(lockPath)) === JSON.stringify(owner))
      await fs.rm(lockPath, { force: true });
    return await tryLock(lockPath);
  }
  const owner: LockOwner = { pid: process.pid, host: os.hostname() };
  await handle.writeFile(JSON.stringify(owner));
  await handle.close();
  // Exit handlers run synchronously, hence rmSync.
  const stopOnExit = onProcessExit(() => rmSync(lockPath, { force: true }));
  return async () => {
    stopOnExit();
    await fs.rm(lockPath, { force: true });
  };
}

/** The lock's content when it is stale (old, or its process is gone), else undefined. */
async function staleLockOwner(lockPath: string): Promise<Partial<LockOwner> | undefined> {
  let owner: Partial<LockOwner> = {};
  try {
    const [stat, text] = await Promise.all([fs.stat(lockPath), fs.readFile(lockPath, 'utf8')]);
    try {
      owner = JSON.parse(text) as Partial<LockOwner>;
    } catch {
      // Created but not yet written: judge by age alone.
    }
    if (Date.now() - stat.mtimeMs > LOCK_STALE_MS) return owner;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw error;
  }
  // A pid only means something on the machine that wrote it (the cache may be on a shared home).
  if (owner.host === os.hostname() && typeof owner.pid === 'number' && !isAlive(owner.pid)) return owner;
  return undefined;
}

async function waitForOtherBuilder(
  set: GoBinarySet,
  lockPath: string,
  versionDir: string,
  built: () => Promise<boolean>,
  logger: Logger,
): Promise<void> {
  const say = announcer(logger);
  const started = Date.now();
  let lastReport = started;
  const where = set.binaries.length === 1 ? path.join(versionDir, set.binaries[0]!.name) : versionDir;
  say(`another process is building the ${set.label} into ${where}; waiting for it (lock: ${lockPath})`);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    if (await built()) return;
    const lockGone = await fs.access(lockPath).then(
      () => false,
      () => true,
    );
    if (lockGone || (await staleLockOwner(lockPath)) !== undefined) return;
    if (Date.now() - lastReport >= PROGRESS_EVERY_MS) {
      lastReport = Date.now();
      say(`still waiting for the other ${set.label} build: ${elapsed(started)} so far`);
    }
  }
}

/** Progress goes to the structured log and, as a plain line, to the person watching stderr. */
function announcer(logger: Logger): (message: string) => void {
  return (message) => {
    logger.info(message);
    process.stderr.write(`[edubot] ${message}\n`);
  };
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isExecutable(file: string): Promise<boolean> {
  return fs.access(file, fsConstants.X_OK).then(
    () => true,
    () => false,
  );
}

async function touch(file: string): Promise<void> {
  const now = new Date();
  await fs.utimes(file, now, now).catch(() => undefined);
}
