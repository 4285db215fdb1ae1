import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import pg from 'pg';
import { createActivities } from '../../activities';
import { conversationSettings, loadConfig, type Config } from '../../src/config';
import { createDb, type Db } from '../../src/db/pool';
import { createLogger, silentLogger } from '../../src/logger';
import { createApp } from '../../src/server/app';
import { signPaystackBody } from '../../src/server/routes/payments';
import { temporalChatCommands } from '../../src/server/chat-commands-temporal';
import { createEventHub } from '../../src/server/event-hub';
import {
  connectTemporalClient,
  connectTemporalWorker,
  requirePayloadKeys,
  temporalDataConverter,
} from '../../src/temporal/connect';
import { createConversationWorker, installRuntimeLogger, type ConversationWorker } from '../../src/temporal/worker';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { sandboxRoutes } from '../../tools/sandbox/routes';
import { signBody } from '../../src/whatsapp/signature';
import { startScoped } from './cleanup';
import { TEST_PAYLOAD_KEYS } from './payload-keys';
import { serveOnLoopback } from './serve';
import { readTestEnvironment, withDatabase } from './test-env';

// A whole product on real parts for one test file: its own database (copied from the migrated
// template), its own task queue on the shared Temporal server, the Graph API fake, a worker and the
// HTTP server on a real socket.

export const TEST_APP_SECRET = 'fixture-app-secret-not-real';
export const TEST_ACCESS_TOKEN = 'test-access-token';

export interface TestStack {
  config: Config;
  db: Db;
  fake: GraphFake;
  client: Client;
  baseUrl: string;
  /** Starts (or restarts) the in-process worker. */
  startWorker(): Promise<void>;
  stopWorker(): Promise<void>;
  /** Posts a body to the webhook signed with the app secret (or the given signature header). */
  postWebhook(body: string | Buffer, signature?: string | null): Promise<{ status: number; body: unknown }>;
  /** Posts the payment provider's signed `charge.success` for a reference; returns the HTTP status. */
  confirmPayment(reference: string, amount: number): Promise<number>;
  stop(): Promise<void>;
}

// Restarts in every test file (jest gives each its own module registry) while the worker's pid stays:
// the random part keeps a database left behind by a failed file from colliding with the next.
let sequence = 0;

export interface TestStackOptions {
  /** false: start without a worker (startWorker later). */
  worker?: boolean;
  /** Mounts the sandbox routes and /simulator, with the Graph API fake as the emulator. */
  sandbox?: boolean;
}

export function startTestStack(env: Record<string, string> = {}, options: TestStackOptions = {}): Promise<TestStack> {
  return startScoped(async (defer) => {
    const shared = readTestEnvironment();
    const name = `${shared.templateDatabase}_f${process.pid}_${++sequence}_${crypto.randomBytes(3).toString('hex')}`;
    defer(() => adminQuery(shared.adminDatabaseUrl, `drop database if exists ${name} with (force)`));
    await adminQuery(shared.adminDatabaseUrl, `create database ${name} template ${shared.templateDatabase}`);

    const fake = await startGraphFake({ accessToken: TEST_ACCESS_TOKEN });
    defer(() => fake.close());
    const taskQueue = `test-${name}`;
    const config = loadConfig({
      DATABASE_URL: withDatabase(shared.adminDatabaseUrl, name),
      TEMPORAL_ADDRESS: shared.temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
      WHATSAPP_API_BASE_URL: fake.baseUrl,
      WHATSAPP_ACCESS_TOKEN: TEST_ACCESS_TOKEN,
      WHATSAPP_PHONE_NUMBER_ID: '106000000000001',
      WHATSAPP_APP_SECRET: TEST_APP_SECRET,
      WHATSAPP_VERIFY_TOKEN: 'test-verify-token',
      ADMIN_TOKEN: 'test-admin-token-of-at-least-32-characters',
      PAYMENT_WEBHOOK_SECRET: 'test-payment-secret',
      ...env,
    });
    const db = createDb(config.databaseUrl!, silentLogger);
    defer(() => db.close());
    const { connection, client } = await connectTemporalClient(
      config.temporalSecurity,
      shared.temporalAddress,
      config.temporalNamespace,
    );
    defer(() => connection.close());
    installRuntimeLogger(process.env.TEST_LOG ? createLogger('warn') : silentLogger);
    const nativeConnection = await connectTemporalWorker(config.temporalSecurity, shared.temporalAddress);
    defer(() => nativeConnection.close());
    const whatsapp = createGraphClient({
      baseUrl: config.whatsapp.apiBaseUrl,
      accessToken: config.whatsapp.accessToken,
      phoneNumberId: config.whatsapp.phoneNumberId,
      timeoutMs: 2000,
    });
    const activities = createActivities({ db, whatsapp, settings: conversationSettings(config) });
    const bundle = { code: fs.readFileSync(shared.workflowBundlePath, 'utf8') };

    let worker: ConversationWorker | undefined;
    let running: Promise<void> | undefined;
    const startWorker = async () => {
      worker = await createConversationWorker({
        connection: nativeConnection,
        namespace: config.temporalNamespace,
        taskQueue,
        cacheSize: config.workflowCacheSize,
        dataConverter: temporalDataConverter(requirePayloadKeys(config.temporalSecurity)),
        activities,
        workflowBundle: bundle,
        buildId: config.buildId,
      });
      running = worker.run();
      // Tests start once the version takes new conversations, as runWorker returns in production.
      const promotion = await worker.promotion;
      if (promotion.outcome === 'failed') throw promotion.error;
    };
    const stopWorker = async () => {
      if (!worker) return;
      worker.shutdown();
      await running;
      worker = undefined;
    };
    defer(stopWorker);

    const events = createEventHub(config.databaseUrl!, silentLogger);
    defer(() => events.stop());
    const app = createApp({
      config,
      db,
      temporal: client,
      logger: silentLogger,
      chat: temporalChatCommands(client),
      events,
      whatsapp,
      ...(options.sandbox ? { sandbox: sandboxRoutes(fake, config) } : {}),
    });
    const baseUrl = await serveOnLoopback(app, defer);
    // Stopped first: the next test file starts its own conversations under the same phone numbers.
    defer(() => terminateConversations(client));

    if (options.worker !== false) await startWorker();

    return {
      config,
      db,
      fake,
      client,
      baseUrl,
      startWorker,
      stopWorker,
      async postWebhook(body: string | Buffer, signature?: string | null) {
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        const header = signature === undefined ? signBody(body, TEST_APP_SECRET) : signature;
        if (header !== null) headers['x-hub-signature-256'] = header;
        const response = await fetch(`${baseUrl}/api/webhook/whatsapp`, { method: 'POST', headers, body });
        const text = await response.text();
        const parsed = text ? (JSON.parse(text) as unknown) : undefined;
        return { status: response.status, body: parsed };
      },
      async confirmPayment(reference: string, amount: number) {
        const body = JSON.stringify({ event: 'charge.success', data: { reference, status: 'success', amount } });
        const signature = signPaystackBody(body, config.payment.webhookSecret);
        const response = await fetch(`${baseUrl}/api/payments/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-paystack-signature': signature },
          body,
        });
        await response.body?.cancel();
        return response.status;
      },
    };
  });
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * Ends every running workflow so the next test file can start its own under the same phone numbers.
 * Test files run one at a time, so whatever runs now belongs to this file.
 */
export async function terminateConversations(client: Client): Promise<void> {
  for (let round = 0; round < 3; round++) {
    let found = 0;
    for await (const execution of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) {
      found++;
      await client.workflow
        .getHandle(execution.workflowId)
        .terminate('test finished')
        .catch(() => undefined);
    }
    if (found === 0) return;
  }
}
