import path from 'node:path';
import type { Config } from '../../src/config';
import { startEmbeddedPostgres } from './postgres';
import type { Logger } from '../../src/logger';
import { temporalCodecEndpoint } from '../../src/server/routes/temporal-codec';
import { ensureSearchAttributes } from '../../src/temporal/server-checks';
import { startDevServer } from './temporal-dev-server';

// Where Postgres and Temporal come from: the configured ones, or embedded ones under DATA_DIR.

export interface Provided {
  url: string;
  /** Only for an embedded service: its web address, if any. */
  webUrl?: string;
  /** Only for an embedded service: where it keeps its data. */
  dataDir?: string;
  embedded: boolean;
  stop(): Promise<void>;
}

export interface ProvidedPostgres extends Provided {
  /**
   * Where the server and the worker connect: DATABASE_URL itself, or the embedded Postgres as its
   * runtime role, which may only read and write rows (`url` is its superuser's, for the migrations).
   */
  runtimeUrl: string;
}

/** DATABASE_URL when set; otherwise an embedded Postgres keeping its data under DATA_DIR (as root, maybe elsewhere). */
export async function providePostgres(config: Config, logger: Logger): Promise<ProvidedPostgres> {
  if (config.databaseUrl) {
    return { url: config.databaseUrl, runtimeUrl: config.databaseUrl, embedded: false, stop: async () => undefined };
  }
  logger.info('DATABASE_URL unset: starting an embedded Postgres', { dataDir: config.dataDir });
  const pg = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    port: config.embeddedPostgresPort,
    relocatable: config.dataDirIsDefault,
    logger,
  });
  return { url: pg.url, runtimeUrl: pg.appUrl, dataDir: pg.clusterDir, embedded: true, stop: () => pg.stop() };
}

/** TEMPORAL_ADDRESS when set (registering the search attributes there); otherwise an embedded Temporal server. */
export async function provideTemporal(config: Config, logger: Logger): Promise<Provided> {
  if (config.temporalAddress) {
    await ensureSearchAttributes(config.temporalAddress, config.temporalNamespace, config.temporalSecurity);
    return { url: config.temporalAddress, embedded: false, stop: async () => undefined };
  }
  logger.info('TEMPORAL_ADDRESS unset: starting an embedded Temporal server', { dataDir: config.dataDir });
  const server = await startDevServer({
    cacheDir: config.cacheDir,
    cliPath: config.temporalCliPath,
    dbFile: path.join(config.dataDir, 'temporal.db'),
    logFile: path.join(config.dataDir, 'temporal.log'),
    port: config.temporalDevPort,
    uiPort: config.temporalUiPort,
    codecEndpoint: temporalCodecEndpoint(config),
    namespace: config.temporalNamespace,
    logger,
  });
  return { url: server.address, webUrl: server.uiUrl, embedded: true, stop: () => server.stop() };
}
