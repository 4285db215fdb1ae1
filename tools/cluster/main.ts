import path from 'node:path';
import { parseArgs } from 'node:util';
import { generateClusterCertificates } from './certificates';
import { startCluster, type Cluster } from './cluster';
import { ConfigError } from '../../src/config';
import { runEntry } from '../../src/entry';

// `npm run cluster -- --servers 2 --workers 2`: the product in its production topology on this
// machine (see tools/cluster/cluster.ts). DATABASE_URL names the product's database (Temporal's go
// beside it on the same server); unset, an embedded Postgres keeps everything under DATA_DIR/cluster.

const USAGE = `usage: npm run cluster -- [options]
  --servers N              start:server processes, on consecutive ports (2)
  --workers N              start:worker processes, on one task queue (2)
  --port N                 the first server's port (PORT, 3000; 0: free ports)
  --temporal-port N        the Temporal frontend's gRPC port (a free one)
  --temporal-services M    per-service (frontend, history, matching, worker apart) or single (per-service)
  --shards N               history shards, fixed when the cluster's databases are created (4)
  --temporal-database NAME Temporal's databases: NAME and NAME_visibility (edubot_temporal)
  --retention DAYS         the namespace's retention of closed workflows, when it is created (3)
  --temporal-server PATH   a temporal-server binary instead of the cached build
  --temporal-sql-tool PATH a temporal-sql-tool binary instead of the cached build
  --ui-port N              Temporal's Web UI, read-only, on 127.0.0.1 (8233; 0: a free port)
  --no-ui                  no Web UI
  --write-certificates DIR only write a new CA and Temporal's certificates into DIR (for docker-compose.yml)`;

runEntry('edubot-cluster', async ({ config, logger, onShutdown }) => {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      servers: { type: 'string' },
      workers: { type: 'string' },
      port: { type: 'string' },
      'temporal-port': { type: 'string' },
      'temporal-services': { type: 'string' },
      shards: { type: 'string' },
      'temporal-database': { type: 'string' },
      retention: { type: 'string' },
      'temporal-server': { type: 'string' },
      'temporal-sql-tool': { type: 'string' },
      'ui-port': { type: 'string' },
      'no-ui': { type: 'boolean' },
      'write-certificates': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const certificatesDir = values['write-certificates'];
  if (certificatesDir !== undefined) {
    const written = generateClusterCertificates(path.resolve(certificatesDir));
    process.stdout.write(
      `CA ${written.caPath}\nTemporal's certificate ${written.server.certPath} (key ${written.server.keyPath})\n` +
        `clients' certificate ${written.client.certPath} (key ${written.client.keyPath}), server name ${written.client.serverName}\n`,
    );
    process.exit(0);
  }
  const count = (name: string, value: string | undefined, fallback: number, min: number): number => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min)
      throw new ConfigError(`--${name} wants a whole number ≥ ${min}, got ${value}\n${USAGE}`);
    return n;
  };
  const topology = values['temporal-services'] ?? 'per-service';
  if (topology !== 'single' && topology !== 'per-service')
    throw new ConfigError(`--temporal-services is single or per-service, got ${topology}`);
  const database = values['temporal-database'] ?? 'edubot_temporal';
  if (!/^[a-z_][a-z0-9_]*$/.test(database))
    throw new ConfigError(`--temporal-database wants a plain lowercase name, got ${database}`);

  // Each part's stop as soon as it runs: Ctrl-C during the start stops what is up, in order, too.
  const started: (() => Promise<void>)[] = [];
  onShutdown(async () => {
    process.stderr.write(
      '[edubot] stopping the cluster: servers, workers, the emulator, the Web UI, Temporal, Postgres\n',
    );
    for (const stop of started.reverse())
      await stop().catch((error: unknown) => logger.error('stop failed', { error }));
  });
  const cluster = await startCluster(
    {
      servers: count('servers', values.servers, 2, 1),
      workers: count('workers', values.workers, 2, 1),
      serverPort: count('port', values.port, config.port, 0),
      temporalPort: count('temporal-port', values['temporal-port'], 0, 0),
      temporalTopology: topology,
      historyShards: count('shards', values.shards, 4, 1),
      databaseUrl: config.databaseUrl,
      temporalDatabase: database,
      namespace: config.temporalNamespace,
      taskQueue: config.taskQueue,
      retentionDays: count('retention', values.retention, 3, 1),
      dir: path.join(config.dataDir, 'cluster'),
      cacheDir: config.cacheDir,
      relocatablePostgres: config.dataDirIsDefault,
      temporalServerPath: values['temporal-server'],
      temporalSqlToolPath: values['temporal-sql-tool'],
      ...(values['no-ui'] ? {} : { webUiPort: count('ui-port', values['ui-port'], 8233, 0) }),
      // `npm run cluster` builds first (its pre-script).
      buildProduct: false,
      logger,
    },
    (stop) => started.push(stop),
  );
  process.stdout.write(describe(cluster) + '\n');
});

function describe(cluster: Cluster): string {
  const first = cluster.servers[0]!.url!;
  const temporal = cluster.temporal;
  const pad = (label: string) => `  ${label.padEnd(20)}`;
  return [
    `EduBot cluster is running: ${plural(cluster.servers.length, 'server')} and ${plural(cluster.workers.length, 'worker')} on Temporal's own server.`,
    ...cluster.servers.map((s) => `${pad(s.name)}${s.url}   (pid ${s.pid}, log ${s.logFile})`),
    `${pad('WhatsApp webhook')}<server>/api/webhook/whatsapp on every server, e.g. ${first}/api/webhook/whatsapp`,
    `${pad('Admin API')}<server>/api/admin (Authorization: Bearer ${cluster.secrets.adminToken})`,
    `${pad('App secret')}${cluster.secrets.appSecret} (signs X-Hub-Signature-256; verify token ${cluster.secrets.verifyToken})`,
    ...cluster.workers.map(
      (w) => `${pad(w.name)}pid ${w.pid}, task queue ${cluster.env.TEMPORAL_TASK_QUEUE}, log ${w.logFile}`,
    ),
    `${pad('Temporal')}${temporal.address} (namespace ${cluster.env.TEMPORAL_NAMESPACE}, Postgres persistence and visibility)`,
    `${pad('  mTLS')}client certificate ${cluster.env.TEMPORAL_TLS_CERT}, key ${cluster.env.TEMPORAL_TLS_KEY}, CA ${cluster.env.TEMPORAL_TLS_CA}, server name ${cluster.env.TEMPORAL_TLS_SERVER_NAME} (new at every start)`,
    ...temporal.processes.map(
      (p) => `${pad(`  ${p.name}`)}pid ${p.pid}: ${p.services.join(', ')}; metrics ${p.metricsUrl}; log ${p.logFile}`,
    ),
    `${pad('Temporal Web UI')}${cluster.webUi === undefined ? 'not running' : `${cluster.webUi.url} (read-only: no signal, terminate or reset)`}`,
    `${pad('WhatsApp')}the Graph API emulator at ${cluster.emulator.baseUrl}, shared by every worker; statuses go to ${first}`,
    `${pad('Postgres')}${cluster.postgres.embedded ? `embedded, data in ${cluster.postgres.dataDir}` : 'DATABASE_URL'}`,
    `${pad('Logs')}${cluster.logsDir}`,
    'Ctrl-C stops everything.',
  ].join('\n');
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
