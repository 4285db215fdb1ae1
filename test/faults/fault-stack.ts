import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { startBenchPostgres } from '../../tools/bench/stack';
import { ProductProcess } from '../../tools/cluster/product-processes';
import { conversationSettings, loadConfig } from '../../src/config';
import type { ConversationSettings } from '../../domain/types';
import { migrate } from '../../src/db/migrate';
import { createDb, type Db } from '../../src/db/pool';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../tools/embedded/postgres';
import { resolveDevServerBinaries, startDevServer, type DevServer } from '../../tools/embedded/temporal-dev-server';
import { createLogger, silentLogger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { connectTemporalClient } from '../../src/temporal/connect';
import { signBody } from '../../src/whatsapp/signature';
import { startScoped } from '../helpers/cleanup';
import { TEST_PAYLOAD_KEYS, testTemporalSecurity } from '../helpers/payload-keys';
import { REPO_ROOT } from '../helpers/spawn';
import { resultsDir } from './results-dir';
import { startTcpProxy, type TcpProxy } from './tcp-proxy';
import { uncheckedFetch } from '../helpers/checked-fetch';

// The product as separate processes a fault test can kill: the Temporal dev server on a SQLite file
// (stopped and started again on it), the compiled start:server and start:worker (as production runs
// them), Postgres behind a TCP proxy the test controls (a throwaway database on DATABASE_URL's
// cluster, or an embedded cluster of the file's own when it is unset or the test restarts Postgres),
// and the Graph API fake. The test's
// own database connection goes around the proxy, so it can look while the product cannot.

export interface FaultStackOptions {
  /**
   * `embedded`: a cluster of the file's own, which restartPostgres stops and starts. Default `shared`:
   * a throwaway database on DATABASE_URL's cluster, or an embedded cluster when DATABASE_URL is unset.
   */
  postgres?: 'shared' | 'embedded';
  /** More environment for the product's processes. */
  env?: Record<string, string>;
  /**
   * false: the Graph fake posts no `sent` statuses of its own, for a test that plays Meta's statuses
   * itself (and redelivers those a killed server missed, as Meta does). Default true.
   */
  metaStatuses?: boolean;
}

export interface FaultStack {
  fake: GraphFake;
  /** What the product's flow is configured with, for predicting its replies. */
  settings: ConversationSettings;
  /** Straight to Postgres, not through the proxy. */
  db: Db;
  /** A Temporal client of the test's (it reconnects by itself after a restart of the server). */
  client: Client;
  server: ProductProcess;
  worker: ProductProcess;
  /**
   * Starts one more worker process beside `worker`, on the same queue, from another compiled product
   * (`dist`: another build of the workflow, e.g. test/helpers/variant-dist.ts); stopped with the stack.
   */
  startWorker(options: { dist: string }): Promise<ProductProcess>;
  proxy: TcpProxy;
  adminToken: string;
  /** The dev server's process, while it runs. */
  temporalPid(): number | undefined;
  /** Stops the dev server (SIGTERM); the product is left to find out by itself. */
  stopTemporal(): Promise<void>;
  /** Starts the dev server again on its file and port. */
  startTemporal(): Promise<void>;
  /** Stops the embedded Postgres and starts it again on its data (postgres: 'embedded' only). */
  restartPostgres(downMs: number): Promise<void>;
  /** Posts a body signed with the app secret; `unreachable` when no HTTP answer came. */
  postWebhook(body: string): Promise<number | 'unreachable'>;
  /** An admin API call with the ADMIN_TOKEN (the admin role); `unreachable` when no HTTP answer came. */
  admin: FaultStack['agent'];
  /** An admin API call as the agent AGENT_NAME; `unreachable` when no HTTP answer came. */
  agent(
    method: string,
    route: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number | 'unreachable'; body: unknown }>;
  /** GET /readyz: its status and body, or `unreachable` when it did not answer within 2 s, as a probe would. */
  readiness(): Promise<{ status: number | 'unreachable'; body: unknown }>;
  stop(): Promise<void>;
}

const PHONE_NUMBER_ID = '106000000000001';
/** The agent who answers the chats of the load, with a token of the agent role. */
export const AGENT_NAME = 'Ada';
const REQUEST_TIMEOUT_MS = 30_000;
/** A load balancer's probe waits about this long; no answer by then counts as not ready. */
const READINESS_TIMEOUT_MS = 2_000;
let sequence = 0;

export function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  return startScoped(async (defer) => {
    const env = loadConfig(process.env);
    const logger = process.env.TEST_LOG ? createLogger('warn') : silentLogger;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-faults-'));
    // An embedded Postgres runs as the `postgres` user when we are root: it must be able to enter.
    fs.chmodSync(dir, 0o755);
    defer(() => fs.rmSync(dir, { recursive: true, force: true }));
    const logsDir = path.join(dir, 'logs');
    // Kept past the stack (the folder above goes): the processes' logs are what explains a failure. A
    // stack that failed before any process started has none, and copying nothing must not hide why.
    defer(() => {
      if (fs.existsSync(logsDir))
        fs.cpSync(logsDir, path.join(resultsDir(), 'logs', path.basename(dir)), { recursive: true });
    });

    const postgres = await providePostgres(options.postgres ?? 'shared', dir, env.databaseUrl, defer);
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(postgres.url).port || 5432) });
    defer(() => proxy.close());
    const productUrl = new URL(postgres.url);
    productUrl.port = String(proxy.port);
    const db = createDb(postgres.url, silentLogger);
    defer(() => db.close());
    if (postgres.restart !== undefined) await migrate(db, silentLogger);

    const binaries = await resolveDevServerBinaries({ cliPath: env.temporalCliPath, cacheDir: env.cacheDir, logger });
    const temporalPort = await findFreePort();
    const devServerOptions = {
      binaries,
      cacheDir: env.cacheDir,
      port: temporalPort,
      headless: true,
      namespace: 'default',
      dbFile: path.join(dir, 'temporal.db'),
      logFile: path.join(logsDir, 'temporal.log'),
      logger,
    };
    let temporal: DevServer | undefined = await startDevServer(devServerOptions);
    defer(() => temporal?.stop());
    const address = `127.0.0.1:${temporalPort}`;
    const { connection, client } = await connectTemporalClient(testTemporalSecurity(), address, 'default');
    defer(() => connection.close());

    const secrets = { access: secret(), app: secret(), verify: secret(), admin: secret(), payment: secret() };
    const serverPort = await findFreePort();
    // Meta's `sent` status of each accepted send, echoing its biz_opaque_callback_data: how a send
    // whose sender died before storing the wamid is found (RELIABILITY.md, open problem 2).
    const fake = await startGraphFake({
      accessToken: secrets.access,
      ...(options.metaStatuses === false
        ? {}
        : {
            statusCallback: {
              url: `http://127.0.0.1:${serverPort}/api/webhook/whatsapp`,
              appSecret: secrets.app,
              statuses: ['sent'],
            },
          }),
    });
    defer(() => fake.close());
    const common: Record<string, string> = {
      ...productEnvironment(),
      DATABASE_URL: productUrl.toString(),
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: `faults-${process.pid}-${++sequence}`,
      TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
      LOG_LEVEL: 'warn',
      // Timers that never fire during a test: every bot message answers something the test did.
      FLOW_IDLE_TIMEOUT: '24h',
      CHAT_IDLE_REMINDER: '24h',
      CHAT_IDLE_TIMEOUT: '24h',
      PAYMENT_TIMEOUT: '24h',
      ...options.env,
    };
    const temporalTarget = { address, namespace: 'default', taskQueue: common.TEMPORAL_TASK_QUEUE! };
    const server = new ProductProcess({
      role: 'server',
      index: 1,
      root: REPO_ROOT,
      logsDir,
      port: serverPort,
      temporal: temporalTarget,
      env: {
        ...common,
        PORT: String(serverPort),
        HOST: '127.0.0.1',
        WHATSAPP_APP_SECRET: secrets.app,
        WHATSAPP_VERIFY_TOKEN: secrets.verify,
        ADMIN_TOKEN: secrets.admin,
        PAYMENT_WEBHOOK_SECRET: secrets.payment,
        WHATSAPP_API_BASE_URL: fake.baseUrl,
        WHATSAPP_ACCESS_TOKEN: secrets.access,
        WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
      },
    });
    let workers = 0;
    const newWorker = (dist?: string) =>
      new ProductProcess({
        role: 'worker',
        index: ++workers,
        root: REPO_ROOT,
        ...(dist === undefined ? {} : { dist }),
        logsDir,
        temporal: temporalTarget,
        env: {
          ...common,
          WHATSAPP_API_BASE_URL: fake.baseUrl,
          WHATSAPP_ACCESS_TOKEN: secrets.access,
          WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
          MALLOC_ARENA_MAX: '2',
        },
      });
    const worker = newWorker();
    defer(() => worker.stop());
    defer(() => server.stop());
    await Promise.all([worker.start(), server.start()]);

    const call = async (route: string, init: RequestInit, timeoutMs = REQUEST_TIMEOUT_MS) => {
      try {
        // Unchecked against the OpenAPI document: this catch reads any failure as unreachable, so a check
        // thrown here would pass silently; the ledgers judge these answers.
        const response = await uncheckedFetch(`${server.url}${route}`, {
          ...init,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        return { status: response.status, body: parseJson(text) };
      } catch {
        return { status: 'unreachable' as const, body: undefined };
      }
    };

    const request =
      (token: string) =>
      (method: string, route: string, body?: unknown, headers = {}) =>
        call(route, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
    const created = await request(secrets.admin)('POST', '/api/admin/tokens', { name: AGENT_NAME, role: 'agent' });
    if (created.status !== 201) throw new Error(`creating the agent's token answered ${created.status}`);

    return {
      fake,
      settings: conversationSettings(loadConfig(common)),
      db,
      client,
      server,
      worker,
      async startWorker({ dist }) {
        const another = newWorker(dist);
        defer(() => another.stop());
        await another.start();
        return another;
      },
      proxy,
      adminToken: secrets.admin,
      temporalPid: () => temporal?.pid,
      async stopTemporal() {
        await temporal?.stop();
        temporal = undefined;
      },
      async startTemporal() {
        temporal ??= await startDevServer(devServerOptions);
      },
      async restartPostgres(downMs) {
        if (postgres.restart === undefined) throw new Error('restartPostgres needs postgres: embedded');
        await postgres.restart(downMs);
      },
      async postWebhook(body) {
        const { status } = await call('/api/webhook/whatsapp', {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-hub-signature-256': signBody(body, secrets.app) },
          body,
        });
        return status;
      },
      admin: request(secrets.admin),
      agent: request((created.body as { token: string }).token),
      readiness: () => call('/readyz', { method: 'GET' }, READINESS_TIMEOUT_MS),
    };
  });
}

interface ProvidedPostgres {
  /** Straight to the server (the proxy forwards to this address). */
  url: string;
  restart?: (downMs: number) => Promise<void>;
}

async function providePostgres(
  kind: 'shared' | 'embedded',
  dir: string,
  adminUrl: string | undefined,
  defer: (stop: () => unknown) => void,
): Promise<ProvidedPostgres> {
  if (kind === 'shared') {
    // A fresh migrated database of its own, dropped at the end, as the benchmark makes one: on
    // DATABASE_URL's cluster, or in an embedded cluster started for it when DATABASE_URL is unset.
    const database = await startBenchPostgres(dir, silentLogger, adminUrl);
    defer(() => database.stop());
    return { url: database.url };
  }
  const options = { dataDir: path.join(dir, 'pg'), port: await findFreePort(), logger: silentLogger };
  let embedded: EmbeddedPostgres | undefined = await startEmbeddedPostgres(options);
  defer(() => embedded?.stop());
  return {
    url: embedded.url,
    async restart(downMs) {
      await embedded?.stop();
      embedded = undefined;
      await new Promise((resolve) => setTimeout(resolve, downMs));
      embedded = await startEmbeddedPostgres(options);
    },
  };
}

/** Only what a Node process needs from the test's environment: the stack sets the product's own variables. */
function productEnvironment(): Record<string, string> {
  const kept = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TEST_LOG'];
  return Object.fromEntries(
    kept.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]]])),
  );
}

function secret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : JSON.parse(text);
  } catch {
    return text;
  }
}
