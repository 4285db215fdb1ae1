import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { resolveTemporalCli, TemporalCliUnavailableError } from '../../src/embedded/temporal-cli';
import { findFreePort } from '../../src/net';
import { DevServerStartError, startDevServer } from '../../src/embedded/temporal-dev-server';
import { ensureSearchAttributes } from '../../src/temporal/server-checks';
import { devServerArgs } from '../../src/embedded/temporal-dev-server-args';
import { acceptsTcp, splitAddress } from '../../src/temporal/server-checks';

// Runs the real `temporal server start-dev` (the cached CLI here; a CI machine without one builds
// it with Go first, hence the long beforeAll timeout).

let binary: string;
let dir: string;

beforeAll(async () => {
  const config = loadConfig(process.env);
  binary = await resolveTemporalCli({
    cliPath: config.temporalCliPath,
    cacheDir: config.cacheDir,
    logger: silentLogger,
  });
}, 10 * 60_000);

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

describe('startDevServer', () => {
  it('serves the namespace with our search attributes, persists to a WAL SQLite file, and stops', async () => {
    const dbFile = path.join(dir, 'nested', 'temporal.db');
    const started = Date.now();
    const server = await startDevServer({
      binary,
      cacheDir: dir,
      port: 0,
      headless: true,
      namespace: 'edubot-test',
      dbFile,
      logger: silentLogger,
    });
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

        expect(fs.existsSync(dbFile)).toBe(true);
        // A write through the workflow service lands in the write-ahead log.
        const client = new Client({ connection, namespace: 'edubot-test' });
        await client.workflow.start('noWorkerWorkflow', { taskQueue: 'nobody-polls', workflowId: `wal-${Date.now()}` });
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
  });

  it('keeps workflows across a restart on the same database file', async () => {
    const dbFile = path.join(dir, 'temporal.db');
    const options = {
      binary,
      cacheDir: dir,
      port: 0,
      headless: true,
      namespace: 'default',
      dbFile,
      logger: silentLogger,
    };
    const workflowId = `survivor-${Date.now()}`;
    const first = await startDevServer(options);
    const connection = await Connection.connect({ address: first.address });
    await new Client({ connection }).workflow.start('noWorkerWorkflow', { taskQueue: 'nobody-polls', workflowId });
    await connection.close();
    await first.stop();

    const second = await startDevServer(options);
    try {
      const again = await Connection.connect({ address: second.address });
      const description = await new Client({ connection: again }).workflow.getHandle(workflowId).describe();
      expect(description.status.name).toBe('RUNNING');
      await again.close();
    } finally {
      await second.stop();
    }
  });

  it('serves the Web UI on the port it was given', async () => {
    const uiPort = await findFreePort();
    const server = await startDevServer({
      binary,
      cacheDir: dir,
      port: 0,
      uiPort,
      namespace: 'default',
      logger: silentLogger,
    });
    try {
      expect(server.uiUrl).toBe(`http://127.0.0.1:${uiPort}`);
      expect((await fetch(server.uiUrl!)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('fails with the server output when the binary exits during start-up', async () => {
    const broken = path.join(dir, 'temporal');
    fs.writeFileSync(broken, '#!/bin/sh\necho "Error: unknown flag: --surprise" >&2\nexit 3\n', { mode: 0o755 });
    const attempt = startDevServer({
      binary: broken,
      cacheDir: dir,
      port: 0,
      headless: true,
      namespace: 'default',
      logger: silentLogger,
    });
    await expect(attempt).rejects.toThrow(DevServerStartError);
    await expect(attempt).rejects.toThrow(/exited during start-up \(exit code 3\)[\s\S]*unknown flag: --surprise/);
  });

  it('refuses a port that another process already listens on', async () => {
    const squatter = net.createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => squatter.once('listening', resolve));
    const { port } = squatter.address() as net.AddressInfo;
    try {
      const attempt = startDevServer({
        binary,
        cacheDir: dir,
        port,
        headless: true,
        namespace: 'default',
        logger: silentLogger,
      });
      await expect(attempt).rejects.toThrow(`port ${port} on 127.0.0.1 is taken`);
      await expect(attempt).rejects.toThrow(`TEMPORAL_ADDRESS=127.0.0.1:${port}`);
    } finally {
      squatter.close();
    }
  });

  it('falls back to the SDK download when no CLI can be found, and reports both failures', async () => {
    const nowhere = path.join(dir, 'empty-bin');
    fs.mkdirSync(nowhere);
    const options = {
      cacheDir: dir,
      build: false,
      searchPath: nowhere,
      port: 0,
      headless: true,
      namespace: 'default',
      logger: silentLogger,
    };
    const outcome = await startDevServer(options).then(
      (server) => server,
      (error: unknown) => error,
    );
    if (outcome instanceof Error) {
      // No Internet (this project's machines): both the local routes and the download are named.
      expect(outcome).toBeInstanceOf(TemporalCliUnavailableError);
      expect(outcome.message).toMatch(/building is disabled; the SDK download failed too \(.*download/);
      expect(outcome.message).toContain('set TEMPORAL_CLI_PATH to a temporal CLI binary');
      expect(outcome.message).toContain('set TEMPORAL_ADDRESS to an existing Temporal server');
    } else {
      const server = outcome as Awaited<ReturnType<typeof startDevServer>>;
      expect(server.address).toMatch(/^127\.0\.0\.1:\d+$/);
      await server.stop();
    }
  });

  it('writes the server output to logFile when one is given', async () => {
    const logFile = path.join(dir, 'logs', 'temporal.log');
    const server = await startDevServer({
      binary,
      cacheDir: dir,
      port: 0,
      headless: true,
      namespace: 'default',
      logFile,
      logger: silentLogger,
    });
    await server.stop();
    expect(fs.readFileSync(logFile, 'utf8')).toMatch(/Server:\s+localhost:\d+/);
  });
});

describe('devServerArgs', () => {
  it('passes SQLite pragmas only with a database file, and every search attribute', () => {
    const inMemory = devServerArgs({ port: 7000, headless: true, namespace: 'default' });
    expect(inMemory).not.toContain('--sqlite-pragma');
    expect(inMemory).not.toContain('--namespace');
    expect(inMemory).toEqual(expect.arrayContaining(['--headless', '--ip', '127.0.0.1', '--log-level', 'warn']));

    const persisted = devServerArgs({ port: 7000, uiPort: 8000, namespace: 'edubot', dbFile: '/tmp/t.db' });
    expect(persisted.join(' ')).toContain(
      '--db-filename /tmp/t.db --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal',
    );
    expect(persisted.join(' ')).toContain('--ui-port 8000');
    expect(persisted.join(' ')).toContain('--namespace edubot');
    const attributes = persisted.flatMap((arg, i) => (arg === '--search-attribute' ? [persisted[i + 1]] : []));
    expect(attributes).toEqual(['ConversationState=Keyword', 'Registered=Bool', 'LastInboundAt=Datetime']);
  });
});

describe('ensureSearchAttributes', () => {
  it('adds the missing attributes to a server started without them, and is idempotent', async () => {
    const port = await findFreePort();
    const child = spawn(binary, ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless'], {
      stdio: 'ignore',
    });
    const address = `127.0.0.1:${port}`;
    try {
      for (let i = 0; i < 200 && !(await acceptsTcp('127.0.0.1', port)); i++)
        await new Promise((r) => setTimeout(r, 100));
      await ensureSearchAttributes(address, 'default');
      await ensureSearchAttributes(address, 'default');
      const connection = await Connection.connect({ address });
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      await connection.close();
      expect(customAttributes).toMatchObject(EXPECTED_ATTRIBUTES);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });
});
