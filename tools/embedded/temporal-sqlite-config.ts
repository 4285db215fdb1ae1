import { servicesOn, type ServicePorts, type TemporalService } from '../cluster/temporal-config';

// The configuration file of the one-machine Temporal: Temporal's own server (as the cluster runs it),
// every service in one process, on one SQLite file that holds both the persistence and the visibility
// tables, as the CLI's dev server kept them. Written as JSON, which YAML readers take: no quoting rules
// to get wrong for paths.

export interface TemporalSqliteConfigInput {
  dbFile: string;
  ports: Record<TemporalService, ServicePorts>;
  /** A dynamic config file, polled for changes. */
  dynamicConfigFile: string;
  /** The server creates the tables of a new file itself (when the SQL tool had no schema files). */
  setup?: boolean;
}

/**
 * WAL lets readers (visibility queries, the UI) proceed during writes; synchronous=normal drops an
 * fsync per commit, which is safe with WAL (a power cut can lose the last commits, never corrupt).
 */
export const SQLITE_PRAGMAS: Readonly<Record<string, string>> = { journal_mode: 'wal', synchronous: 'normal' };

export function temporalSqliteConfig(input: TemporalSqliteConfigInput): string {
  const frontend = `127.0.0.1:${input.ports.frontend.grpc}`;
  const sqlite = {
    sql: {
      pluginName: 'sqlite',
      databaseName: input.dbFile,
      // Required by the configuration's validation, meaningless for a file.
      connectAddr: 'localhost',
      connectProtocol: 'tcp',
      // rwc: read, write, create. The schema is the SQL tool's job, before the server starts.
      connectAttributes: { mode: 'rwc', ...SQLITE_PRAGMAS, ...(input.setup === true ? { setup: 'true' } : {}) },
      // One connection, as the CLI's dev server had: SQLite has a single writer anyway.
      maxConns: 1,
      maxIdleConns: 1,
      maxConnLifetime: '1h',
    },
  };
  const config = {
    // The process's stdout goes to the log file its starter names; warn keeps it readable, as the CLI did.
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'sqlite-default',
      visibilityStore: 'sqlite-default',
      // One machine, one writer: a single shard, as the CLI's dev server had.
      numHistoryShards: 1,
      datastores: { 'sqlite-default': sqlite },
    },
    global: {
      // The services find each other through the cluster_membership table of the same file.
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
    },
    services: servicesOn(input.ports),
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: {
        active: {
          enabled: true,
          initialFailoverVersion: 1,
          rpcName: 'frontend',
          rpcAddress: frontend,
          ...(input.ports.frontend.http === undefined ? {} : { httpAddress: `127.0.0.1:${input.ports.frontend.http}` }),
        },
      },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } },
    namespaceDefaults: { archival: { history: { state: 'disabled' }, visibility: { state: 'disabled' } } },
    // The internal worker service reaches the server through the frontend, like any client.
    publicClient: { hostPort: frontend },
    dynamicConfigClient: { filepath: input.dynamicConfigFile, pollInterval: '10s' },
  };
  return `# Generated for the one-machine Temporal server; rewritten at every start.\n${JSON.stringify(config, null, 2)}\n`;
}
