import Koa from 'koa';
import type { SenderIdentity } from '../../../domain/types';
import { createToken, type Role } from '../../../src/auth/tokens';
import { loadConfig, type Config } from '../../../src/config';
import { linkSender } from '../../../src/db/contacts';
import type { Db } from '../../../src/db/pool';
import { silentLogger } from '../../../src/logger';
import { adminRoutes } from '../../../src/server/admin/router';
import { createApp } from '../../../src/server/app';
import { connectTemporalClient } from '../../../src/temporal/connect';
import { createEventHub, type EventHub } from '../../../src/server/event-hub';
import type { WhatsAppClient } from '../../../src/whatsapp/graph-client';
import { startScoped } from '../../helpers/cleanup';
import { serveOnLoopback } from '../../helpers/serve';
import { createTestDatabase } from '../../helpers/database';
import { TEST_PAYLOAD_KEYS } from '../../helpers/payload-keys';
import { readTestEnvironment } from '../../helpers/test-env';
import { FakeChatCommands } from './fake-chat';
import { checkAnswer } from '../../helpers/openapi-check';

// The product's HTTP app on a real socket with its own migrated database and event hub, and the
// chat commands answered by FakeChatCommands. The webhook and the workflow are not involved.

export const TEST_ADMIN_TOKEN = 'test-admin-token';

export interface AdminApp {
  baseUrl: string;
  db: Db;
  url: string;
  config: Config;
  chat: FakeChatCommands;
  events: EventHub;
  /** Creates a token in the table and returns its plain text and id. */
  token(role: Role, name?: string): Promise<{ token: string; id: number }>;
  /**
   * The contact of a student who wrote from this phone number (digits) or with these identifiers, made
   * as the webhook makes it: the admin routes name a conversation by a contact they can find.
   */
  contact(sender: string | SenderIdentity): Promise<string>;
  request(method: string, path: string, options?: RequestOptions): Promise<Answer>;
  stop(): Promise<void>;
}

export interface RequestOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** A raw Authorization header instead. */
  authorization?: string;
  /** An object is sent as JSON; a string as it is. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Answer {
  status: number;
  // Tests read fields of whatever the API answered.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON body freely and assert its shape
  body: any;
  headers: Headers;
}

let nameSequence = 0;

/** `whatsapp`: the Graph client the server asks itself (a user's media, say); none unless a test needs it. */
export function startAdminApp(options: { whatsapp?: WhatsAppClient } = {}): Promise<AdminApp> {
  return startScoped(async (defer) => {
    const database = await createTestDatabase({ migrated: true });
    defer(() => database.drop());
    const config = loadConfig({
      DATABASE_URL: database.url,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    });
    const { connection, client: temporal } = await connectTemporalClient(
      config.temporalSecurity,
      readTestEnvironment().temporalAddress,
      config.temporalNamespace,
    );
    defer(() => connection.close());
    const chat = new FakeChatCommands();
    const events = createEventHub(database.url, silentLogger);
    defer(() => events.stop());
    const app = createApp({ config, db: database.db, temporal, logger: silentLogger, chat, events, ...options });
    const baseUrl = await serveOnLoopback(app, defer);
    return adminHandle({ baseUrl, db: database.db, url: database.url, config, chat, events });
  });
}

type AdminAppParts = Pick<AdminApp, 'baseUrl' | 'db' | 'url' | 'config' | 'chat' | 'events'>;

/** The app's handle without `stop`, which the scope adds. */
function adminHandle(parts: AdminAppParts): Omit<AdminApp, 'stop'> {
  const { baseUrl, db } = parts;
  return {
    ...parts,
    async token(role, name = `${role}-${++nameSequence}`) {
      const { token, info } = await createToken(db, { name, role });
      return { token, id: info.id };
    },
    contact(sender) {
      return linkSender(db, { sender: typeof sender === 'string' ? { phone: sender } : sender });
    },
    async request(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
      if (options.authorization !== undefined) headers.authorization = options.authorization;
      let body: string | undefined;
      if (options.body !== undefined) {
        body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await fetch(baseUrl + path, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // Not JSON: the test sees the text.
      }
      // Every answer is one the OpenAPI document describes, as for the other shared clients.
      checkAnswer(method, path, response.status, text ? (response.headers.get('content-type') ?? '') : '', parsed);
      return { status: response.status, body: parsed, headers: response.headers };
    },
  };
}

/** The newest audit row, as the table holds it. */
export async function lastAudit(db: Db): Promise<Record<string, unknown> | undefined> {
  const { rows } = await db.query('select * from audit_log order by id desc limit 1');
  return rows[0];
}

/** The admin routes alone over this app's database and event hub, with a heartbeat every `heartbeatMs`. */
export function serveAdminRoutes(
  app: AdminApp,
  heartbeatMs: number,
): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  return startScoped(async (defer) => {
    const koa = new Koa();
    const { config, db, chat, events } = app;
    koa.use(adminRoutes({ config, db, logger: silentLogger, chat, events, heartbeatMs }).routes());
    return { baseUrl: await serveOnLoopback(koa, defer) };
  });
}
