import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../tools/embedded/temporal-dev-config';
import { devServerPorts } from '../../tools/embedded/temporal-dev-ports';
import { temporalSqliteConfig } from '../../tools/embedded/temporal-sqlite-config';

// The one-machine server's configuration file (JSON, which is YAML), its remembered ports and its
// dynamic config: what `npm start` and the tests start Temporal's server with.

const ports = {
  frontend: { grpc: 17233, membership: 16933, http: 17243 },
  history: { grpc: 17234, membership: 16934 },
  matching: { grpc: 17235, membership: 16935 },
  worker: { grpc: 17239, membership: 16939 },
};

describe('temporalSqliteConfig', () => {
  const config = JSON.parse(
    temporalSqliteConfig({ dbFile: '/data/temporal.db', ports, dynamicConfigFile: '/data/dynamic.yaml' })
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n'),
  ) as {
    persistence: {
      defaultStore: string;
      visibilityStore: string;
      numHistoryShards: number;
      datastores: Record<string, { sql: { pluginName: string; databaseName: string; connectAttributes: object } }>;
    };
    services: Record<string, { rpc: { grpcPort: number; bindOnLocalHost: boolean } }>;
    publicClient: { hostPort: string };
    dynamicConfigClient: { filepath: string };
  };

  it('keeps persistence and visibility in one WAL SQLite file with one shard', () => {
    expect(config.persistence.defaultStore).toBe(config.persistence.visibilityStore);
    expect(config.persistence.numHistoryShards).toBe(1);
    const { sql } = config.persistence.datastores[config.persistence.defaultStore]!;
    expect(sql).toMatchObject({
      pluginName: 'sqlite',
      databaseName: '/data/temporal.db',
      connectAttributes: { mode: 'rwc', journal_mode: 'wal', synchronous: 'normal' },
    });
  });

  it('binds every service on 127.0.0.1 and reads the dynamic config file', () => {
    expect(Object.keys(config.services).sort()).toEqual(['frontend', 'history', 'matching', 'worker']);
    for (const service of Object.values(config.services)) expect(service.rpc.bindOnLocalHost).toBe(true);
    expect(config.services.frontend!.rpc.grpcPort).toBe(17233);
    expect(config.publicClient.hostPort).toBe('127.0.0.1:17233');
    expect(config.dynamicConfigClient.filepath).toBe('/data/dynamic.yaml');
  });
});

describe('DEV_SERVER_DYNAMIC_CONFIG', () => {
  it('turns on what Worker Versioning needs, keeps the dev server tweaks and lets search attributes be cached', () => {
    expect(DEV_SERVER_DYNAMIC_CONFIG).toMatchObject({
      'system.enableDeploymentVersions': true,
      'frontend.workerVersioningWorkflowAPIs': true,
      'system.enableSendTargetVersionChanged': true,
      'system.forceSearchAttributesCacheRefreshOnRead': false,
      'matching.numTaskqueueReadPartitions': 1,
      'matching.numTaskqueueWritePartitions': 1,
    });
  });
});

describe('devServerPorts', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-ports-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('remembers the ports and takes them again, except one that is now taken', async () => {
    const file = path.join(dir, 'ports.json');
    const first = await devServerPorts(0, file);
    const all = Object.values(first).flatMap((p) => [p.grpc, p.membership, ...(p.http === undefined ? [] : [p.http])]);
    expect(new Set(all).size).toBe(all.length);
    // Temporal keeps membership ports in a smallint column.
    for (const port of all) expect(port).toBeLessThan(32_768);
    expect(await devServerPorts(0, file)).toEqual(first);

    const squatter = net.createServer().listen(first.history.grpc, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    try {
      const third = await devServerPorts(0, file);
      expect(third.history.grpc).not.toBe(first.history.grpc);
      expect(third.frontend).toEqual(first.frontend);
    } finally {
      squatter.close();
    }
  });

  it('uses the frontend port it is given', async () => {
    const ports = await devServerPorts(17_999, path.join(dir, 'ports.json'));
    expect(ports.frontend.grpc).toBe(17_999);
  });
});
