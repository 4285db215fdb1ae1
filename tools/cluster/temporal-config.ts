// The configuration file of a Temporal server process (server v1.29.1's `config/<env>.yaml`):
// Postgres persistence and SQL visibility, a fixed number of history shards, every port on 127.0.0.1.
// Written as JSON, which is YAML too: no quoting rules to get wrong for passwords or paths.

export const TEMPORAL_SERVICES = ['frontend', 'history', 'matching', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

export interface ServicePorts {
  grpc: number;
  membership: number;
  /** Frontend only: the HTTP API. */
  http?: number;
}

export interface PostgresEndpoint {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface TemporalConfigInput {
  postgres: PostgresEndpoint;
  /** The persistence and the visibility database. */
  databases: { temporal: string; visibility: string };
  /** Fixed when the cluster is created: the server keeps the first count it persisted. */
  numHistoryShards: number;
  ports: Record<TemporalService, ServicePorts>;
  /** This process's Prometheus endpoint. */
  metricsPort: number;
  logFile: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
  /** A dynamic config file, polled for changes. */
  dynamicConfigFile?: string;
  /** mTLS on the frontend and between the services; absent: plain connections. */
  tls?: TemporalServerTls;
}

/** PEM files of the services' certificate, its key and the CA that signs every certificate of the cluster. */
export interface TemporalServerTls {
  certPath: string;
  keyPath: string;
  caPath: string;
  /** The name clients and the services themselves verify the certificate against. */
  serverName: string;
}

/** The file's content; every process of one cluster gets the same one but for its log and metrics. */
export function temporalServerConfig(input: TemporalConfigInput): string {
  const frontend = `127.0.0.1:${input.ports.frontend.grpc}`;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${input.postgres.host}:${input.postgres.port}`,
      connectProtocol: 'tcp',
      user: input.postgres.user,
      password: input.postgres.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const config = {
    log: { stdout: false, level: input.logLevel ?? 'info', outputFile: input.logFile },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: input.numHistoryShards,
      datastores: {
        'postgres-default': datastore(input.databases.temporal, 20),
        'postgres-visibility': datastore(input.databases.visibility, 10),
      },
    },
    global: {
      // Ringpop finds the other processes through the cluster_membership table; they all live here.
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: {
        prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${input.metricsPort}` },
      },
      ...(input.tls === undefined ? {} : { tls: temporalServerTls(input.tls) }),
    },
    services: servicesOn(input.ports),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: frontend },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    // The internal worker service reaches the cluster through the frontend, like any client.
    publicClient: { hostPort: frontend },
    ...(input.dynamicConfigFile === undefined
      ? {}
      : { dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' } }),
  };
  return `# Generated for one process of a local Temporal cluster; rewritten at every start.\n${JSON.stringify(config, null, 2)}\n`;
}

/**
 * The `global.tls` section (server v1.32's RootTLS): the frontend and the internode endpoints both
 * present `tls`'s certificate and refuse a client without one signed by its CA. The worker service
 * calls the frontend like any client; with no `systemWorker` section it presents the internode
 * certificate, which is why that certificate carries the clientAuth usage too.
 */
export function temporalServerTls(tls: TemporalServerTls): Record<'internode' | 'frontend', unknown> {
  const group = {
    server: { certFile: tls.certPath, keyFile: tls.keyPath, clientCaFiles: [tls.caPath], requireClientAuth: true },
    client: { serverName: tls.serverName, rootCaFiles: [tls.caPath] },
  };
  return { internode: group, frontend: group };
}

/** The `services` section: every service's gRPC, membership and HTTP ports, bound to 127.0.0.1. */
export function servicesOn(ports: Record<TemporalService, ServicePorts>): Record<TemporalService, unknown> {
  return Object.fromEntries(
    TEMPORAL_SERVICES.map((service) => {
      const own = ports[service];
      return [
        service,
        {
          rpc: {
            grpcPort: own.grpc,
            membershipPort: own.membership,
            bindOnLocalHost: true,
            ...(own.http === undefined ? {} : { httpPort: own.http }),
          },
        },
      ];
    }),
  ) as Record<TemporalService, unknown>;
}

/** A dynamic config file from `key → value` pairs, each without constraints. */
export function temporalDynamicConfig(values: Readonly<Record<string, unknown>>): string {
  const entries = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, [{ value }]]));
  return `${JSON.stringify(entries, null, 2)}\n`;
}

/** Host, port and credentials of a postgres:// URL, as Temporal's configuration and SQL tool take them. */
export function postgresEndpoint(url: string): PostgresEndpoint {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port === '' ? 5432 : Number(parsed.port),
    user: decodeURIComponent(parsed.username) || 'postgres',
    password: decodeURIComponent(parsed.password),
  };
}
