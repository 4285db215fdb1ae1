import {
  postgresEndpoint,
  TEMPORAL_SERVICES,
  temporalDynamicConfig,
  temporalServerConfig,
  type TemporalConfigInput,
} from '../../tools/cluster/temporal-config';

// The server's configuration file: what the cluster's processes are started with. JSON is YAML, so
// the file is read back here as JSON.

const input: TemporalConfigInput = {
  postgres: { host: '127.0.0.1', port: 5432, user: 'temporal', password: 'p@ss: "word"' },
  databases: { temporal: 'edubot_temporal', visibility: 'edubot_temporal_visibility' },
  numHistoryShards: 4,
  ports: {
    frontend: { grpc: 17233, membership: 16933, http: 17243 },
    history: { grpc: 17234, membership: 16934 },
    matching: { grpc: 17235, membership: 16935 },
    worker: { grpc: 17239, membership: 16939 },
  },
  metricsPort: 18000,
  logFile: '/var/log/temporal.log',
  dynamicConfigFile: '/etc/temporal/dynamic.yaml',
};

interface ParsedConfig {
  log: unknown;
  persistence: {
    defaultStore: string;
    visibilityStore: string;
    numHistoryShards: number;
    datastores: Record<string, { sql: Record<string, unknown> }>;
  };
  services: Record<string, { rpc: unknown }>;
  publicClient: { hostPort: string };
  clusterMetadata: { clusterInformation: { active: { rpcAddress: string } } };
  global: { metrics: { prometheus: { listenAddress: string } }; tls?: unknown };
  dynamicConfigClient: unknown;
}

function parse(text: string): ParsedConfig {
  return JSON.parse(text.replace(/^#.*\n/, '')) as ParsedConfig;
}

describe('temporalServerConfig', () => {
  it('puts persistence and visibility on Postgres with the given shard count', () => {
    const config = parse(temporalServerConfig(input));
    expect(config.persistence).toMatchObject({
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: 4,
    });
    expect(config.persistence.datastores['postgres-default']?.sql).toMatchObject({
      pluginName: 'postgres12',
      databaseName: 'edubot_temporal',
      connectAddr: '127.0.0.1:5432',
      user: 'temporal',
      password: 'p@ss: "word"',
    });
    expect(config.persistence.datastores['postgres-visibility']?.sql).toMatchObject({
      pluginName: 'postgres12',
      databaseName: 'edubot_temporal_visibility',
    });
  });

  it('gives every service its ports on the loopback interface and points clients at the frontend', () => {
    const config = parse(temporalServerConfig(input));
    expect(Object.keys(config.services)).toEqual([...TEMPORAL_SERVICES]);
    expect(config.services['frontend']?.rpc).toEqual({
      grpcPort: 17233,
      membershipPort: 16933,
      bindOnLocalHost: true,
      httpPort: 17243,
    });
    expect(config.services['history']?.rpc).toEqual({ grpcPort: 17234, membershipPort: 16934, bindOnLocalHost: true });
    expect(config.publicClient.hostPort).toBe('127.0.0.1:17233');
    expect(config.clusterMetadata.clusterInformation.active.rpcAddress).toBe('127.0.0.1:17233');
    expect(config.global.metrics.prometheus.listenAddress).toBe('127.0.0.1:18000');
  });

  it('logs to the file and not to stdout, and reads the dynamic config file', () => {
    const config = parse(temporalServerConfig(input));
    expect(config.log).toEqual({ stdout: false, level: 'info', outputFile: '/var/log/temporal.log' });
    expect(config.dynamicConfigClient).toEqual({ filepath: '/etc/temporal/dynamic.yaml', pollInterval: '10s' });
  });
});

describe('temporalServerConfig with mTLS', () => {
  const tls = {
    certPath: '/c/server.pem',
    keyPath: '/c/server-key.pem',
    caPath: '/c/ca.pem',
    serverName: 'temporal.x',
  };

  it('has the frontend and internode endpoints require a client certificate from the CA, and verify each other', () => {
    const group = {
      server: {
        certFile: '/c/server.pem',
        keyFile: '/c/server-key.pem',
        clientCaFiles: ['/c/ca.pem'],
        requireClientAuth: true,
      },
      client: { serverName: 'temporal.x', rootCaFiles: ['/c/ca.pem'] },
    };
    expect(parse(temporalServerConfig({ ...input, tls })).global.tls).toEqual({ internode: group, frontend: group });
  });

  it('has no TLS section without certificates', () => {
    expect(parse(temporalServerConfig(input)).global.tls).toBeUndefined();
  });
});

describe('temporalDynamicConfig', () => {
  it('writes each key as one unconstrained value', () => {
    expect(JSON.parse(temporalDynamicConfig({ 'matching.numTaskqueueReadPartitions': 1 }))).toEqual({
      'matching.numTaskqueueReadPartitions': [{ value: 1 }],
    });
  });
});

describe('postgresEndpoint', () => {
  it('reads host, port and decoded credentials from a URL, with the defaults Postgres uses', () => {
    expect(postgresEndpoint('postgres://ed%40u:s%2Fcret@db.internal:6432/edubot')).toEqual({
      host: 'db.internal',
      port: 6432,
      user: 'ed@u',
      password: 's/cret',
    });
    expect(postgresEndpoint('postgresql://localhost/x')).toEqual({
      host: 'localhost',
      port: 5432,
      user: 'postgres',
      password: '',
    });
  });
});
