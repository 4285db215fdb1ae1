import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../src/logger';
import type { ClusterCertificates } from './certificates';
import { startTemporalCluster, type TemporalCluster, type TemporalTopology } from './temporal-cluster';
import { postgresEndpoint } from './temporal-config';
import { persistedShardCount, prepareTemporalDatabases } from './temporal-schema';
import { locateTemporalSchemas, type TemporalServerBinaries } from './temporal-server-build';

// Temporal's cluster on a given Postgres server, from nothing or from where it was left: its two
// databases and their schema brought up to date, then its processes. Shared by `npm run cluster`
// and the bench's --cluster runs.

export interface TemporalOnPostgresOptions {
  binaries: TemporalServerBinaries;
  /** An existing database on the Postgres server that receives Temporal's (credentials included). */
  postgresUrl: string;
  /** Temporal's databases: this name and `<name>_visibility`. */
  temporalDatabase: string;
  /** Used when the databases are new: an existing cluster keeps the count it was created with. */
  historyShards: number;
  topology: TemporalTopology;
  /** 0 picks a free port. */
  frontendPort: number;
  namespace: string;
  retentionDays: number;
  /** Configuration under `<dir>/temporal/`, logs under `<dir>/logs/`. */
  dir: string;
  dynamicConfig?: Readonly<Record<string, unknown>>;
  /** mTLS on the frontend and between the services; absent: plain connections (the bench's runs). */
  tls?: ClusterCertificates;
  logger: Logger;
}

export async function startTemporalOnPostgres(
  options: TemporalOnPostgresOptions,
): Promise<TemporalCluster & { databases: { temporal: string; visibility: string } }> {
  const { logger } = options;
  const endpoint = postgresEndpoint(options.postgresUrl);
  const databases = { temporal: options.temporalDatabase, visibility: `${options.temporalDatabase}_visibility` };
  fs.mkdirSync(path.join(options.dir, 'logs'), { recursive: true });
  await prepareTemporalDatabases({
    sqlTool: options.binaries.sqlTool,
    adminUrl: options.postgresUrl,
    postgres: endpoint,
    databases,
    schemas: await locateTemporalSchemas({ logger }),
    logFile: path.join(options.dir, 'logs', 'temporal-sql-tool.log'),
  });
  const persisted = await persistedShardCount(withDatabase(options.postgresUrl, databases.temporal));
  if (persisted !== undefined && persisted !== options.historyShards) {
    logger.warn('the Temporal cluster keeps the history shard count it was created with', {
      requested: options.historyShards,
      persisted,
    });
  }
  const temporal = await startTemporalCluster({
    server: options.binaries.server,
    dir: options.dir,
    postgres: endpoint,
    databases,
    numHistoryShards: persisted ?? options.historyShards,
    topology: options.topology,
    frontendPort: options.frontendPort,
    namespace: options.namespace,
    retentionDays: options.retentionDays,
    ...(options.dynamicConfig === undefined ? {} : { dynamicConfig: options.dynamicConfig }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    logger,
  });
  return { ...temporal, databases };
}

/** Replaces the database name of a postgres:// URL. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
