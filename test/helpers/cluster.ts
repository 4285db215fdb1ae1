import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { startCluster, type Cluster, type ClusterOptions } from '../../tools/cluster/cluster';
import { loadConfig, type Config } from '../../src/config';
import { createDb, type Db } from '../../src/db/pool';
import { createLogger, silentLogger } from '../../src/logger';
import { connectTemporalClient } from '../../src/temporal/connect';
import { signBody } from '../../src/whatsapp/signature';
import { startScoped } from './cleanup';
import { withDatabase } from './test-env';

// The cluster `npm run cluster` starts (tools/cluster/cluster.ts), for one test file: databases of its
// own on DATABASE_URL's Postgres (or an embedded one), dropped when the file ends, and clients to look
// into it. The global setup of the cluster project has built Temporal's server and dist/.

export interface TestCluster {
  cluster: Cluster;
  /** The product's configuration, as its processes read it. */
  config: Config;
  db: Db;
  client: Client;
  /** Posts a body, signed with the app secret, to server `index` (0-based); returns the HTTP status. */
  postWebhook(index: number, body: string): Promise<number>;
  stop(): Promise<void>;
}

let sequence = 0;

export function startTestCluster(options: Partial<ClusterOptions> = {}): Promise<TestCluster> {
  return startScoped(async (defer) => {
    const env = loadConfig(process.env);
    const name = `edubot_cluster_${process.pid}_${++sequence}_${crypto.randomBytes(3).toString('hex')}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-cluster-'));
    // An embedded Postgres runs as the `postgres` user when we are root: it must be able to enter.
    fs.chmodSync(dir, 0o755);
    defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    const adminUrl = env.databaseUrl;
    if (adminUrl !== undefined) {
      // Registered first, so run last: after every process that holds a connection has stopped.
      defer(() => dropDatabases(adminUrl, [name, `${name}_temporal`, `${name}_temporal_visibility`]));
    }
    const cluster = await startCluster(
      {
        servers: 2,
        workers: 2,
        serverPort: 0,
        temporalPort: 0,
        temporalTopology: 'per-service',
        historyShards: 4,
        databaseUrl: adminUrl === undefined ? undefined : withDatabase(adminUrl, name),
        temporalDatabase: `${name}_temporal`,
        namespace: 'default',
        taskQueue: 'edubot-conversations',
        retentionDays: 1,
        dir,
        cacheDir: env.cacheDir,
        buildProduct: false,
        logger: process.env.TEST_LOG ? createLogger('warn') : silentLogger,
        ...options,
        env: { LOG_LEVEL: 'warn', ...options.env },
      },
      defer,
    );
    const config = loadConfig(cluster.env);
    const db = createDb(cluster.postgres.url, silentLogger);
    defer(() => db.close());
    // As the product's processes connect: the cluster's client certificate and payload key.
    const { connection, client } = await connectTemporalClient(
      config.temporalSecurity,
      cluster.temporal.address,
      config.temporalNamespace,
    );
    defer(() => connection.close());
    return {
      cluster,
      config,
      db,
      client,
      async postWebhook(index, body) {
        const server = cluster.servers[index];
        if (server?.url === undefined) throw new Error(`no server ${index}`);
        const response = await fetch(`${server.url}/api/webhook/whatsapp`, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-hub-signature-256': signBody(body, cluster.secrets.appSecret),
          },
          body,
        });
        await response.arrayBuffer();
        return response.status;
      },
    };
  });
}

async function dropDatabases(adminUrl: string, names: string[]): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    for (const name of names) await admin.query(`drop database if exists ${name} with (force)`);
  } finally {
    await admin.end();
  }
}
