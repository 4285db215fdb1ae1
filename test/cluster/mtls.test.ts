import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection, type TLSConfig } from '@temporalio/client';
import { generateClusterCertificates } from '../../tools/cluster/certificates';
import { startCluster, type Cluster } from '../../tools/cluster/cluster';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { grpcCode } from '../../src/temporal/grpc-status';
import { startScoped } from '../helpers/cleanup';

// The cluster `npm run cluster` starts runs Temporal with mTLS (SPEC §12): its frontend refuses a
// client without a certificate from the cluster's CA, plain or TLS, and so do the services' own
// (internode) endpoints; the product's processes, which got the client certificate as TEMPORAL_TLS_*,
// connect, poll and serve. The clients here are the SDK's own, with its `tls` option.

const UNIMPLEMENTED = 12;
/** A refused client's SDK retries until its connect timeout; an accepted one answers well within it. */
const REFUSAL_TIMEOUT = '3s';

let cluster: Cluster;
let dir: string;

beforeAll(async () => {
  const config = loadConfig(process.env);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-mtls-'));
  // An embedded Postgres runs as the `postgres` user when we are root: it must be able to enter.
  fs.chmodSync(dir, 0o755);
  const started = await startScoped(async (defer) => {
    defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    return {
      cluster: await startCluster(
        {
          servers: 1,
          workers: 1,
          serverPort: 0,
          temporalPort: 0,
          temporalTopology: 'per-service',
          historyShards: 2,
          // Its own embedded Postgres, gone with `dir`.
          databaseUrl: undefined,
          temporalDatabase: 'edubot_temporal',
          namespace: 'default',
          taskQueue: 'edubot-conversations',
          retentionDays: 1,
          dir,
          cacheDir: config.cacheDir,
          buildProduct: false,
          env: { LOG_LEVEL: 'warn' },
          webUiPort: 0,
          logger: silentLogger,
        },
        defer,
      ),
    };
  });
  cluster = started.cluster;
}, 240_000);

const read = (file: string) => fs.readFileSync(file);

/** The cluster's CA and server name, which a client verifies the frontend against. */
function serverVerification(): TLSConfig {
  const tls = cluster.temporal.security.tls!;
  return { serverRootCACertificate: read(tls.caPath!), serverNameOverride: tls.serverName! };
}

/**
 * What `GetSystemInfo` asked at `address` with `tls` gets: `answered`, `unimplemented` (a service
 * past the handshake that has no WorkflowService) or `refused` (the connection never came up).
 */
async function systemInfo(address: string, tls: TLSConfig | undefined, connectTimeout = '10s'): Promise<string> {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout, ...(tls ? { tls } : {}) });
    await connection.workflowService.getSystemInfo({});
    return 'answered';
  } catch (error) {
    return grpcCode(error) === UNIMPLEMENTED ? 'unimplemented' : 'refused';
  } finally {
    await connection?.close().catch(() => undefined);
  }
}

/** The gRPC port of one of the cluster's services, from the configuration its process was started with. */
function servicePort(service: 'history' | 'matching'): number {
  const file = path.join(dir, 'temporal', `temporal-${service}`, 'config', 'cluster.yaml');
  const config = JSON.parse(fs.readFileSync(file, 'utf8').replace(/^#.*\n/, '')) as {
    services: Record<string, { rpc: { grpcPort: number } }>;
  };
  return config.services[service]!.rpc.grpcPort;
}

describe('the local cluster with mTLS', () => {
  it('gives the product its client certificate and keeps the keys to their owner', () => {
    const tls = cluster.temporal.security.tls!;
    expect(cluster.env).toMatchObject({
      TEMPORAL_TLS_CERT: tls.certPath,
      TEMPORAL_TLS_KEY: tls.keyPath,
      TEMPORAL_TLS_CA: tls.caPath,
      TEMPORAL_TLS_SERVER_NAME: tls.serverName,
    });
    expect(loadConfig(cluster.env).temporalSecurity.tls).toEqual(tls);
    for (const key of [tls.keyPath, path.join(dir, 'tls', 'server-key.pem')])
      expect((fs.statSync(key).mode & 0o777).toString(8)).toBe('600');
  });

  it('answers a client with the generated certificate', async () => {
    const tls = cluster.temporal.security.tls!;
    const client: TLSConfig = {
      ...serverVerification(),
      clientCertPair: { crt: read(tls.certPath), key: read(tls.keyPath) },
    };
    expect(await systemInfo(cluster.temporal.address, client)).toBe('answered');
    const connection = await Connection.connect({ address: cluster.temporal.address, tls: client });
    try {
      const { namespaceInfo } = await connection.workflowService.describeNamespace({ namespace: 'default' });
      expect(namespaceInfo?.name).toBe('default');
    } finally {
      await connection.close();
    }
  });

  it('refuses a plain client, a TLS client without a certificate and one with a certificate of another CA', async () => {
    const address = cluster.temporal.address;
    const stranger = generateClusterCertificates(path.join(dir, 'stranger'));
    const results = {
      plain: await systemInfo(address, undefined, REFUSAL_TIMEOUT),
      noCertificate: await systemInfo(address, serverVerification(), REFUSAL_TIMEOUT),
      otherCa: await systemInfo(
        address,
        {
          ...serverVerification(),
          clientCertPair: { crt: read(stranger.client.certPath), key: read(stranger.client.keyPath) },
        },
        REFUSAL_TIMEOUT,
      ),
    };
    expect(results).toEqual({ plain: 'refused', noCertificate: 'refused', otherCa: 'refused' });
  });

  it('has the services refuse each other’s callers without a certificate (internode mTLS)', async () => {
    const tls = cluster.temporal.security.tls!;
    const withCertificate: TLSConfig = {
      ...serverVerification(),
      clientCertPair: { crt: read(tls.certPath), key: read(tls.keyPath) },
    };
    for (const service of ['history', 'matching'] as const) {
      const address = `127.0.0.1:${servicePort(service)}`;
      // Past the handshake a service answers that it has no WorkflowService: the TLS part worked.
      const results = {
        withCertificate: await systemInfo(address, withCertificate),
        plain: await systemInfo(address, undefined, REFUSAL_TIMEOUT),
        noCertificate: await systemInfo(address, serverVerification(), REFUSAL_TIMEOUT),
      };
      expect({ service, ...results }).toEqual({
        service,
        withCertificate: 'unimplemented',
        plain: 'refused',
        noCertificate: 'refused',
      });
    }
  });

  it('runs the Web UI on the client certificate, refusing every write action itself', async () => {
    const ui = cluster.webUi;
    expect(ui).toBeDefined();
    const namespace = await fetch(`${ui!.url}/api/v1/namespaces/default`);
    expect(namespace.status).toBe(200);
    expect(((await namespace.json()) as { namespaceInfo?: { name?: string } }).namespaceInfo?.name).toBe('default');
    // An Authorization header passes the UI's CSRF check, so what answers is its write-action switch.
    const writes = ['terminate', 'signal/paymentConfirmed', 'reset'].map((action) =>
      fetch(`${ui!.url}/api/v1/namespaces/default/workflows/conversation-ct_0/${action}`, {
        method: 'POST',
        headers: { authorization: 'Bearer anyone', 'content-type': 'application/json' },
        body: '{}',
      }).then((response) => `${action}: ${response.status}`),
    );
    expect(await Promise.all(writes)).toEqual(['terminate: 405', 'signal/paymentConfirmed: 405', 'reset: 405']);
  });

  it('runs the product’s server and worker on that connection', async () => {
    const [server] = cluster.servers;
    const ready = await fetch(`${server!.url}/readyz`);
    expect(ready.status).toBe(200);
    // The cluster started the worker only once Temporal listed it among the task queue's pollers.
    expect(cluster.workers[0]!.running()).toBe(true);
  });
});
