import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { NativeConnection, Worker } from '@temporalio/worker';
import { TemporalServerUnavailableError, type TemporalServerBinaries } from '../../tools/cluster/temporal-server-build';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import {
  DevServerStartError,
  resolveDevServerBinaries,
  startDevServer,
  TemporalServerPathError,
} from '../../tools/embedded/temporal-dev-server';
import { acceptsTcp, ensureSearchAttributes, splitAddress } from '../../src/temporal/server-checks';

// Runs the real one-machine Temporal: Temporal's server v1.32.0 on a SQLite file (the cached build
// here; a CI machine without one builds it with Go first, hence the long beforeAll timeout).

let binaries: TemporalServerBinaries;
let dir: string;

beforeAll(async () => {
  const config = loadConfig(process.env);
  binaries = await resolveDevServerBinaries({
    cliPath: config.temporalCliPath,
    cacheDir: config.cacheDir,
    logger: silentLogger,
  });
}, 15 * 60_000);

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-dev-server-'));
});

afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const EXPECTED_ATTRIBUTES = {
  ConversationState: encodeSearchAttributeIndexedValueType('KEYWORD'),
  Registered: encodeSearchAttributeIndexedValueType('BOOL'),
  LastInboundAt: encodeSearchAttributeIndexedValueType('DATETIME'),
};

function options(overrides: Partial<Parameters<typeof startDevServer>[0]> = {}): Parameters<typeof startDevServer>[0] {
  return {
    binaries,
    cacheDir: dir,
    port: 0,
    headless: true,
    namespace: 'default',
    dbFile: path.join(dir, 'temporal.db'),
    logger: silentLogger,
    ...overrides,
  };
}

describe('startDevServer', () => {
  it('serves the namespace with our search attributes, runs a workflow, persists to a WAL SQLite file, and stops', async () => {
    const dbFile = path.join(dir, 'nested', 'temporal.db');
    const started = Date.now();
    const server = await startDevServer(options({ namespace: 'edubot-test', dbFile }));
    const startMs = Date.now() - started;
    try {
      expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(server.uiUrl).toBeUndefined();
      expect(startMs).toBeLessThan(60_000);

      const connection = await Connection.connect({ address: server.address });
      try {
        const { customAttributes } = await connection.operatorService.listSearchAttributes({
          namespace: 'edubot-test',
        });
        expect(customAttributes).toMatchObject(EXPECTED_ATTRIBUTES);
        const { capabilities } = await connection.workflowService.getSystemInfo({});
        expect(capabilities?.upsertMemo).toBe(true);

        expect(fs.existsSync(dbFile)).toBe(true);
        const client = new Client({ connection, namespace: 'edubot-test' });
        const taskQueue = `greet-${Date.now()}`;
        const worker = await Worker.create({
          connection: await NativeConnection.connect({ address: server.address }),
          namespace: 'edubot-test',
          taskQueue,
          workflowsPath: require.resolve('./fixtures/greet-workflow'),
          activities: { greet: async (name: string) => `hello ${name}` },
        });
        const result = await worker.runUntil(
          client.workflow.execute('greetWorkflow', { taskQueue, workflowId: `greet-${Date.now()}`, args: ['ada'] }),
        );
        expect(result).toBe('hello ada');
        // The writes landed in the write-ahead log.
        expect(fs.statSync(`${dbFile}-wal`).size).toBeGreaterThan(0);
      } finally {
        await connection.close();
      }
    } finally {
      await server.stop();
    }
    const [host, port] = splitAddress(server.address);
    expect(await acceptsTcp(host, port)).toBe(false);
    expect(() => process.kill(server.pid!, 0)).toThrow();
    await expect(server.stop()).resolves.toBeUndefined();
  }, 120_000);

  it('keeps workflows, the namespace and the search attributes across a restart on the same file', async () => {
    const workflowId = `survivor-${Date.now()}`;
    const first = await startDevServer(options({ namespace: 'edubot-again' }));
    const connection = await Connection.connect({ address: first.address });
    await new Client({ connection, namespace: 'edubot-again' }).workflow.start('noWorkerWorkflow', {
      taskQueue: 'nobody-polls',
      workflowId,
    });
    await connection.close();
    await first.stop();

    const second = await startDevServer(options({ namespace: 'edubot-again' }));
    try {
      // The same ports: the services find each other again through the file's membership table.
      expect(second.address).toBe(first.address);
      const again = await Connection.connect({ address: second.address });
      const client = new Client({ connection: again, namespace: 'edubot-again' });
      expect((await client.workflow.getHandle(workflowId).describe()).status.name).toBe('RUNNING');
      const { customAttributes } = await again.operatorService.listSearchAttributes({ namespace: 'edubot-again' });
      expect(customAttributes).toMatchObject(EXPECTED_ATTRIBUTES);
      await again.close();
    } finally {
      await second.stop();
    }
    // Created once by the SQL tool, then brought up to date at each start.
    const toolLog = fs.readFileSync(path.join(dir, 'temporal-server', 'temporal-sql-tool.log'), 'utf8');
    expect(toolLog).toMatch(/setup-schema -f \S+\/schema\/sqlite\/v3\/temporal\/schema.sql -v 0.11/);
    expect(toolLog).toContain('update-schema -d ');
  }, 120_000);

  it(
    'serves the Web UI on the port it was given, pointed at the server',
    async () => {
      const uiPort = await findFreePort();
      // The UI server from the user's cache (built there once if need be, like the server).
      const { cacheDir } = loadConfig(process.env);
      const server = await startDevServer(
        options({ headless: false, uiPort, cacheDir, logFile: path.join(dir, 'temporal.log') }),
      );
      try {
        expect(server.uiUrl).toBe(`http://127.0.0.1:${uiPort}`);
        expect((await fetch(server.uiUrl!)).status).toBe(200);
        const settings = (await (await fetch(`${server.uiUrl}/api/v1/settings`)).json()) as {
          DefaultNamespace?: string;
        };
        expect(settings.DefaultNamespace).toBe('default');
        const cluster = await fetch(`${server.uiUrl}/api/v1/cluster-info`);
        expect(cluster.status).toBe(200);
      } finally {
        await server.stop();
      }
      expect(await acceptsTcp('127.0.0.1', uiPort)).toBe(false);
    },
    10 * 60_000,
  );

  it('fails with the server output when the binary exits during start-up', async () => {
    const broken = path.join(dir, 'bin', 'temporal-server');
    fs.mkdirSync(path.dirname(broken));
    fs.writeFileSync(broken, '#!/bin/sh\necho "Error: unknown flag: --surprise" >&2\nexit 3\n', { mode: 0o755 });
    const attempt = startDevServer(options({ binaries: { ...binaries, server: broken } }));
    await expect(attempt).rejects.toThrow(DevServerStartError);
    await expect(attempt).rejects.toThrow(/exited during start-up \(exit code 3\)[\s\S]*unknown flag: --surprise/);
  });

  it('refuses a port that another process already listens on', async () => {
    const squatter = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      const attempt = startDevServer(options({ port }));
      await expect(attempt).rejects.toThrow(`port ${port} on 127.0.0.1 is taken`);
      await expect(attempt).rejects.toThrow(`TEMPORAL_ADDRESS=127.0.0.1:${port}`);
    } finally {
      squatter.close();
    }
  });

  it('names every way out when no server can be found or built', async () => {
    const nowhere = path.join(dir, 'empty-bin');
    fs.mkdirSync(nowhere);
    const { binaries: _, ...rest } = options();
    const attempt = startDevServer({ ...rest, build: false, searchPath: nowhere });
    await expect(attempt).rejects.toThrow(TemporalServerUnavailableError);
    await expect(attempt).rejects.toThrow(/building is disabled/);
    await expect(attempt).rejects.toThrow('set TEMPORAL_CLI_PATH to a temporal-server binary');
    await expect(attempt).rejects.toThrow('set TEMPORAL_ADDRESS to an existing Temporal server');
  });

  it('names TEMPORAL_CLI_PATH when it does not name an executable', async () => {
    const missing = path.join(dir, 'no-such-temporal-server');
    await expect(resolveDevServerBinaries({ cliPath: missing, cacheDir: dir, logger: silentLogger })).rejects.toThrow(
      TemporalServerPathError,
    );
    await expect(resolveDevServerBinaries({ cliPath: missing, cacheDir: dir, logger: silentLogger })).rejects.toThrow(
      `TEMPORAL_CLI_PATH=${missing} does not exist`,
    );
  });

  it('writes the server output to logFile when one is given', async () => {
    const logFile = path.join(dir, 'logs', 'temporal.log');
    const server = await startDevServer(options({ logFile }));
    await server.stop();
    expect(fs.existsSync(logFile)).toBe(true);
  });
});

describe('ensureSearchAttributes', () => {
  it('adds the attributes a namespace lacks, and is idempotent', async () => {
    const server = await startDevServer(options());
    try {
      const connection = await Connection.connect({ address: server.address });
      await connection.operatorService.removeSearchAttributes({
        namespace: 'default',
        searchAttributes: Object.keys(EXPECTED_ATTRIBUTES),
      });
      await ensureSearchAttributes(server.address, 'default');
      await ensureSearchAttributes(server.address, 'default');
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      await connection.close();
      expect(customAttributes).toMatchObject(EXPECTED_ATTRIBUTES);
    } finally {
      await server.stop();
    }
  });
});
