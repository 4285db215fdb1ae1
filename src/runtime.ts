import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Router from '@koa/router';
import type { DataConverter, WorkerDeploymentVersion } from '@temporalio/common';
import { createActivities } from '../activities';
import { ConfigError, conversationSettings, type Config } from './config';
import { createDb, type Db } from './db/pool';
import type { Logger } from './logger';
import { createApp } from './server/app';
import { answerClientErrors } from './server/client-errors';
import { temporalChatCommands } from './server/chat-commands-temporal';
import { createEventHub } from './server/event-hub';
import { createTemplateCatalogue } from './templates/catalogue';
import {
  connectTemporalClient,
  connectTemporalWorker,
  requirePayloadKeys,
  temporalDataConverter,
} from './temporal/connect';
import { versionName, type Promotion } from './temporal/deployment';
import { writeRetentionSchedule } from './temporal/retention-schedule';
import { createConversationWorker, installRuntimeLogger, type WorkerOptions } from './temporal/worker';
import { createGraphClient, type WhatsAppClient } from './whatsapp/graph-client';

// The two production processes, as functions: `npm start` runs both in one process, the
// start:server and start:worker entry points one each.

/** The Graph API as the configuration names it: the worker sends through it, the server asks it the rest. */
function graphClient(config: Config): WhatsAppClient {
  return createGraphClient({
    baseUrl: config.whatsapp.apiBaseUrl,
    accessToken: config.whatsapp.accessToken,
    phoneNumberId: config.whatsapp.phoneNumberId,
  });
}

/** How long requests in flight may take to finish on shutdown. */
const SHUTDOWN_GRACE_MS = 5_000;

export interface Running {
  stop(): Promise<void>;
}

export interface RunningWorker extends Running {
  /** The Worker Deployment Version the worker polls as. */
  version: WorkerDeploymentVersion;
  /** What its version became once it polled (deployment.ts). */
  promotion: Promotion['outcome'];
}

export interface RunningServer extends Running {
  /** Where the server listens. */
  address: AddressInfo;
}

/** The HTTP server: webhook, admin API, health. Returns once it listens. */
export async function runServer(
  config: Config,
  databaseUrl: string,
  temporalAddress: string,
  logger: Logger,
  sandbox?: Router,
  /** Only the benchmark's `--plain-payloads` sets it: production always encrypts. */
  dataConverter?: DataConverter,
): Promise<RunningServer> {
  const { connection, client: temporal } = await connectTemporalClient(
    config.temporalSecurity,
    temporalAddress,
    config.temporalNamespace,
    dataConverter ? { dataConverter } : {},
  );
  const db = createDb(databaseUrl, logger);
  const events = createEventHub(databaseUrl, logger);
  const whatsapp = graphClient(config);
  const app = createApp({
    config,
    db,
    temporal,
    logger,
    sandbox,
    chat: temporalChatCommands(temporal),
    events,
    whatsapp,
  });
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa's handler settles every request itself (ctx.onerror) and never rejects
  const server = http.createServer(app.callback());
  answerClientErrors(server);
  // Node closes an idle keep-alive socket after 5 s, racing the client that reuses it at that moment
  // (seen in the benchmark as a failed webhook post). Outlive the usual load-balancer idle timeout.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const closePools = async () => {
    await events.stop();
    await connection.close();
    await db.close();
  };
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, resolve);
    });
  } catch (err) {
    await closePools();
    // A bind address this machine does not have is the operator's to fix: one line naming it.
    if (['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'].includes((err as NodeJS.ErrnoException).code ?? ''))
      throw new ConfigError(`invalid environment variable HOST: ${config.host} is not an address of this machine`);
    throw err;
  }
  // Agents' templates: listed now and on a timer; a failed listing is logged and tried again. Sandbox
  // mode lists the emulator's, so without the emulator (a bare runServer) there are none to list.
  const templates = createTemplateCatalogue({
    db,
    whatsapp,
    businessAccountId: config.sandbox && !sandbox ? undefined : config.templates.businessAccountId,
    refreshIntervalMs: config.templates.refreshIntervalMs,
    logger,
  });
  templates.start();
  return {
    address: server.address() as AddressInfo,
    async stop() {
      templates.stop();
      // Stop accepting first; requests in flight get a moment to finish before the pools close, but
      // long-lived streams (the console's event stream) must not keep the process up.
      const closed = new Promise((resolve) => server.close(resolve));
      const cutOff = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await closed;
      clearTimeout(cutOff);
      await closePools();
    },
  };
}

/**
 * The Temporal worker running conversation workflows and their activities. Returns once the worker
 * polls and its version is current, or left for an operator to move (deployment.ts).
 */
export async function runWorker(
  config: Config,
  databaseUrl: string,
  temporalAddress: string,
  logger: Logger,
  onFatal: (err: unknown) => void,
  options: Pick<WorkerOptions, 'workflowBundle' | 'tuning'> & {
    /** Only the benchmark's `--plain-payloads` sets it: production always encrypts. */
    dataConverter?: DataConverter;
  } = {},
): Promise<RunningWorker> {
  installRuntimeLogger(logger, {
    verbose: config.logLevel === 'debug',
    metricsAddress: config.temporalMetricsAddress,
  });
  const dataConverter = options.dataConverter ?? temporalDataConverter(requirePayloadKeys(config.temporalSecurity));
  const connection = await connectTemporalWorker(config.temporalSecurity, temporalAddress);
  const db: Db = createDb(databaseUrl, logger);
  const whatsapp = graphClient(config);
  const worker = await createConversationWorker({
    connection,
    namespace: config.temporalNamespace,
    taskQueue: config.taskQueue,
    cacheSize: config.workflowCacheSize,
    dataConverter,
    activities: createActivities({
      db,
      whatsapp,
      settings: conversationSettings(config),
      retention: config.retention,
      supportDefaults: { hours: config.businessHours },
    }),
    workflowBundle: options.workflowBundle,
    buildId: config.buildId,
    tuning: options.tuning,
  });
  const running = worker.run().catch(onFatal);
  const promotion = await worker.promotion;
  const attrs = { version: versionName(worker.version), taskQueue: config.taskQueue };
  if (promotion.outcome === 'failed') {
    // It still serves the runs pinned to it; a deploy that never becomes current is the operator's to see.
    logger.error('worker version not made current', { ...attrs, error: promotion.error });
  } else logger.info('worker version', { ...attrs, promotion: promotion.outcome });
  // Start-up work: written once this version takes new runs, so the schedule's runs find its workflow.
  await writeRetentionSchedule(connection, config, logger, dataConverter);
  return {
    version: worker.version,
    promotion: promotion.outcome,
    async stop() {
      // Stops polling, lets in-flight tasks finish (up to shutdownGraceTime), then closes the pools.
      worker.shutdown();
      await running;
      await connection.close();
      await db.close();
    },
  };
}
