import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { findFreePort } from '../../src/net';
import { startEmbeddedPostgres } from '../embedded/postgres';
import { startTemporalUi, type TemporalUi } from '../embedded/temporal-ui';
import type { ClusterCertificates } from './certificates';
import type { ClusterOptions } from './cluster';
import type { TemporalCluster } from './temporal-cluster';
import { withDatabase } from './temporal-on-postgres';

// What a local cluster (cluster.ts) runs around Temporal and the product's processes: its Postgres, the
// Web UI, the product's build and the repository it is built from.

/** Receives each part's stop as soon as the part runs. */
export type Defer = (stop: () => Promise<void>) => void;

/**
 * The Web UI on the cluster's frontend: the client certificate, and no write actions (SPEC §12), since
 * whoever reaches it could otherwise signal any conversation. Without it (no Go to build it with, a
 * crash) the cluster still runs, as `npm start` does.
 */
export async function startWebUi(
  options: ClusterOptions,
  port: number,
  temporal: TemporalCluster,
  tls: ClusterCertificates,
  own: Defer,
): Promise<TemporalUi | undefined> {
  try {
    const ui = await startTemporalUi({
      cacheDir: options.cacheDir,
      frontendAddress: temporal.address,
      port: port || (await findFreePort()),
      namespace: options.namespace,
      dir: path.join(options.dir, 'temporal-ui'),
      logFile: path.join(options.dir, 'logs', 'temporal-ui.log'),
      tls: tls.client,
      disableWriteActions: true,
      logger: options.logger,
    });
    own(() => ui.stop());
    return ui;
  } catch (error) {
    options.logger.warn('the Temporal Web UI is not available: the cluster runs without it', {
      error: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

export async function providePostgres(
  options: ClusterOptions,
  own: Defer,
): Promise<{ url: string; embedded: boolean; dataDir?: string }> {
  if (options.databaseUrl !== undefined) {
    await ensureDatabase(options.databaseUrl);
    return { url: options.databaseUrl, embedded: false };
  }
  const pg = await startEmbeddedPostgres({
    dataDir: options.dir,
    port: await findFreePort(),
    relocatable: options.relocatablePostgres ?? false,
    logger: options.logger,
  });
  own(() => pg.stop());
  return { url: pg.url, embedded: true, dataDir: pg.clusterDir };
}

/** Creates the URL's database when its server lacks it, as a first start on a fresh Postgres needs. */
async function ensureDatabase(url: string): Promise<void> {
  const database = decodeURIComponent(new URL(url).pathname.slice(1));
  if (database === '' || database === 'postgres') return;
  const client = new pg.Client({ connectionString: withDatabase(url, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if ((rowCount ?? 0) === 0) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}

/** `npm run build`: the compiled product and its workflow bundle, which the processes run. */
export function buildProduct(root: string, logFile: string): Promise<void> {
  const log = fs.openSync(logFile, 'a');
  const child = spawn('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) return resolve();
      const tail = fs.readFileSync(logFile, 'utf8').slice(-3_000);
      reject(new Error(`npm run build exited with ${code} (log: ${logFile}):\n${tail}`));
    });
  });
}

/** The folder with package.json above this module, whether it runs from src/ or from dist/src/. */
export function repositoryRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  return dir;
}
