import fs from 'node:fs';
import path from 'node:path';
import type { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import pg from 'pg';
import type { TemporalSecurity } from '../../src/config';
import type { Logger } from '../../src/logger';
import { isListening } from '../../src/net';
import { freeTemporalPort } from './ports';
import { grpcCode, GrpcStatus } from '../../src/temporal/grpc-status';
import { connectTemporal } from '../../src/temporal/connect';
import { addSearchAttributes, missingSearchAttributes, waitUntilServing } from '../../src/temporal/server-checks';
import type { ClusterCertificates } from './certificates';
import { spawnLogged, type LoggedChild } from './child-process';
import {
  TEMPORAL_SERVICES,
  temporalDynamicConfig,
  temporalServerConfig,
  type PostgresEndpoint,
  type ServicePorts,
  type TemporalService,
} from './temporal-config';

// Temporal's server on Postgres, as processes of this machine: all four services in one process, or
// one process per service (the production shape, where each is scaled on its own). Then the
// namespace and the product's search attributes, which a real cluster does not create by itself.

/** `single`: one process runs every service; `per-service`: frontend, history, matching and worker apart. */
export type TemporalTopology = 'single' | 'per-service';

export interface StartTemporalClusterOptions {
  /** The temporal-server binary. */
  server: string;
  /** Configuration goes to `<dir>/temporal/`, logs to `<dir>/logs/`. */
  dir: string;
  postgres: PostgresEndpoint;
  databases: { temporal: string; visibility: string };
  numHistoryShards: number;
  topology: TemporalTopology;
  /** The frontend's gRPC port; 0 or absent picks a free one. */
  frontendPort?: number;
  namespace: string;
  retentionDays: number;
  dynamicConfig?: Readonly<Record<string, unknown>>;
  /** mTLS on the frontend and between the services, with these certificates; absent: plain connections. */
  tls?: ClusterCertificates;
  logger: Logger;
}

/** How a client connects to the cluster: the client certificate when it runs with mTLS. */
export type TemporalClientSecurity = Pick<TemporalSecurity, 'tls' | 'apiKey'>;

export interface TemporalProcess {
  name: string;
  services: readonly TemporalService[];
  pid: number | undefined;
  logFile: string;
  metricsUrl: string;
}

export interface TemporalCluster {
  /** `127.0.0.1:PORT`, the frontend's gRPC address. */
  address: string;
  /** What every client of the cluster connects with (the product's processes get it as TEMPORAL_TLS_*). */
  security: TemporalClientSecurity;
  processes: TemporalProcess[];
  /** Stops every process (SIGTERM, then SIGKILL); safe to call twice. */
  stop(): Promise<void>;
}

/** Thrown when a server process exits during start-up or the frontend does not serve in time. */
export class TemporalClusterStartError extends Error {
  override name = 'TemporalClusterStartError';
}

const START_TIMEOUT_MS = 90_000;
/** The namespace registry of every service reloads this often (system.namespaceCacheRefreshInterval). */
export const NAMESPACE_REFRESH_MS = 2_000;

export async function startTemporalCluster(options: StartTemporalClusterOptions): Promise<TemporalCluster> {
  const { logger } = options;
  const frontendPort = options.frontendPort || (await freeTemporalPort());
  if (await isListening(frontendPort)) {
    throw new TemporalClusterStartError(`port ${frontendPort} on 127.0.0.1 is taken: choose another frontend port`);
  }
  const ports = {} as Record<TemporalService, ServicePorts>;
  for (const service of TEMPORAL_SERVICES) {
    ports[service] = {
      grpc: service === 'frontend' ? frontendPort : await freeTemporalPort(),
      membership: await freeTemporalPort(),
      ...(service === 'frontend' ? { http: await freeTemporalPort() } : {}),
    };
  }
  const address = `127.0.0.1:${frontendPort}`;
  const security: TemporalClientSecurity = { tls: options.tls?.client, apiKey: undefined };
  const logsDir = path.join(options.dir, 'logs');
  const configRoot = path.join(options.dir, 'temporal');
  fs.mkdirSync(logsDir, { recursive: true });
  const dynamicConfigFile = path.join(configRoot, 'dynamic-config.yaml');
  fs.mkdirSync(configRoot, { recursive: true });
  fs.writeFileSync(dynamicConfigFile, temporalDynamicConfig(options.dynamicConfig ?? {}));

  const groups: { name: string; services: TemporalService[] }[] =
    options.topology === 'single'
      ? [{ name: 'temporal', services: [...TEMPORAL_SERVICES] }]
      : TEMPORAL_SERVICES.map((service) => ({ name: `temporal-${service}`, services: [service] }));

  const children: LoggedChild[] = [];
  const processes: TemporalProcess[] = [];
  const stop = async () => {
    await Promise.all(children.map((child) => child.stop()));
  };
  const launch = async (group: (typeof groups)[number]): Promise<LoggedChild> => {
    const root = path.join(configRoot, group.name);
    const metricsPort = await freeTemporalPort();
    const logFile = path.join(logsDir, `${group.name}.log`);
    fs.mkdirSync(path.join(root, 'config'), { recursive: true });
    fs.writeFileSync(
      path.join(root, 'config', 'cluster.yaml'),
      temporalServerConfig({
        postgres: options.postgres,
        databases: options.databases,
        numHistoryShards: options.numHistoryShards,
        ports,
        metricsPort,
        logFile,
        dynamicConfigFile,
        ...(options.tls === undefined
          ? {}
          : {
              tls: {
                ...options.tls.server,
                caPath: options.tls.caPath,
                serverName: options.tls.client.serverName,
              },
            }),
      }),
      // The file holds the database password.
      { mode: 0o600 },
    );
    const args = ['--root', root, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'];
    for (const service of group.services) args.push('--service', service);
    // The server's own log goes to logFile; its stdout and stderr (start-up lines, panics) beside it.
    const child = spawnLogged({
      name: group.name,
      command: options.server,
      args,
      cwd: root,
      logFile: path.join(logsDir, `${group.name}.out`),
      graceMs: 15_000,
    });
    children.push(child);
    processes.push({
      name: group.name,
      services: group.services,
      pid: child.pid,
      logFile,
      metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`,
    });
    return child;
  };
  try {
    // Every service writes the cluster's metadata when it finds none, and on a new database processes
    // starting together collide doing so: the first one writes it, the others start once it is there.
    const first = await launch(groups[0]!);
    await Promise.race([
      clusterMetadataWritten(options.postgres, options.databases.temporal, Date.now() + START_TIMEOUT_MS),
      exitedDuringStart(first, processes[0]!.logFile),
    ]);
    for (const group of groups.slice(1)) await launch(group);
    await serving(address, security, children, processes, options);
  } catch (error) {
    await stop();
    throw error;
  }
  logger.info('temporal cluster serving', {
    address,
    mTLS: options.tls !== undefined,
    processes: processes.map((p) => p.name),
  });
  return { address, security, processes, stop };
}

/** Waits for the frontend, registers the namespace and search attributes, and waits until they are served. */
async function serving(
  address: string,
  security: TemporalClientSecurity,
  children: LoggedChild[],
  processes: TemporalProcess[],
  options: StartTemporalClusterOptions,
): Promise<void> {
  const giveUp = new AbortController();
  const died = Promise.race(children.map((child, i) => exitedDuringStart(child, processes[i]!.logFile)));
  const ready = (async () => {
    const deadline = Date.now() + START_TIMEOUT_MS;
    await frontendAnswers(address, security, deadline, giveUp.signal);
    const added = await retrying(deadline, giveUp.signal, () =>
      registerNamespace(address, options.namespace, options.retentionDays, security),
    );
    const left = Math.max(1_000, deadline - Date.now());
    await waitUntilServing(address, options.namespace, left, giveUp.signal, security);
    // A namespace or attribute added just now reaches the history hosts' registries on their next
    // refresh; a workflow upserting an attribute before that would fail its task.
    if (added) await new Promise((resolve) => setTimeout(resolve, 2 * NAMESPACE_REFRESH_MS));
  })();
  died.catch(() => undefined);
  ready.catch(() => undefined);
  try {
    await Promise.race([ready, died]);
  } catch (error) {
    giveUp.abort();
    if (error instanceof TemporalClusterStartError) throw error;
    throw new TemporalClusterStartError(
      `the Temporal frontend at ${address} did not serve within ${START_TIMEOUT_MS / 1000} s: ` +
        `${error instanceof Error ? error.message : String(error)}\n--- ${processes[0]!.logFile} (last lines) ---\n` +
        tailOf(processes[0]!.logFile),
      { cause: error },
    );
  }
}

/** Rejects once `child` exits, with the end of its output and of its log. */
function exitedDuringStart(child: LoggedChild, logFile: string): Promise<never> {
  const exited = child.exited.then(() => {
    throw new TemporalClusterStartError(
      `${child.name} exited during start-up (log: ${logFile})\n--- last lines ---\n${child.tail(2_000)}\n${tailOf(logFile).slice(-2_000)}`,
    );
  });
  exited.catch(() => undefined);
  return exited;
}

/** Resolves once the cluster's metadata row exists in the persistence database. */
async function clusterMetadataWritten(postgres: PostgresEndpoint, database: string, deadline: number): Promise<void> {
  const client = new pg.Client({
    host: postgres.host,
    port: postgres.port,
    user: postgres.user,
    password: postgres.password,
    database,
  });
  await client.connect();
  try {
    while (Date.now() < deadline) {
      const { rowCount } = await client.query('select 1 from cluster_metadata_info limit 1');
      if ((rowCount ?? 0) > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new TemporalClusterStartError(`no Temporal process wrote the cluster metadata in ${database} in time`);
  } finally {
    await client.end();
  }
}

async function frontendAnswers(
  address: string,
  security: TemporalClientSecurity,
  deadline: number,
  signal: AbortSignal,
): Promise<void> {
  await retrying(deadline, signal, async () => {
    const connection = await connectTemporal(security, address, { connectTimeout: '2s' });
    try {
      await connection.workflowService.getSystemInfo({});
    } finally {
      await connection.close().catch(() => undefined);
    }
  });
}

/**
 * Registers `namespace` unless it exists, then the custom search attributes it lacks; true when
 * anything was added. Retried by the caller: right after the frontend answers, the history hosts may
 * not all have joined yet.
 */
export async function registerNamespace(
  address: string,
  namespace: string,
  retentionDays: number,
  security: TemporalClientSecurity = { tls: undefined, apiKey: undefined },
): Promise<boolean> {
  const connection: Connection = await connectTemporal(security, address);
  try {
    let added = false;
    try {
      await connection.workflowService.describeNamespace({ namespace });
    } catch (error) {
      if (grpcCode(error) !== GrpcStatus.NOT_FOUND) throw error;
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
        });
      } catch (registerError) {
        // Another start registered it first.
        if (grpcCode(registerError) !== GrpcStatus.ALREADY_EXISTS) throw registerError;
      }
      added = true;
    }
    const missing = await missingSearchAttributes(connection, namespace);
    if (missing.length > 0) await addSearchAttributes(connection, namespace, missing);
    return added || missing.length > 0;
  } finally {
    await connection.close();
  }
}

/** Runs `attempt` until it succeeds, every 250 ms; past `deadline` its last error is thrown. */
export async function retrying<T>(deadline: number, signal: AbortSignal, attempt: () => Promise<T>): Promise<T> {
  for (;;) {
    signal.throwIfAborted();
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function tailOf(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-4_000);
  } catch {
    return '';
  }
}
