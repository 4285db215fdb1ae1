import http from 'node:http';
import { Client } from '@temporalio/client';
import { loadConfig, type Config } from '../../src/config';
import { createDb } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { startGraphFake } from '../../tools/sandbox/graph-fake';
import { sandboxRoutes } from '../../tools/sandbox/routes';
import { createApp } from '../../src/server/app';
import { createEventHub } from '../../src/server/event-hub';
import { startScoped } from '../helpers/cleanup';
import { serveOnLoopback } from '../helpers/serve';
import { FakeChatCommands } from '../server/admin/fake-chat';

// Sandbox mode publishes its admin token and app secret, so its server must not answer a web page
// that reached it by DNS rebinding: such a request names the page's own domain in Host. The product's
// app with the real sandbox routes (and the emulator behind them), the console and the admin API, on
// a real socket; Postgres and Temporal are out of reach, which the refused requests never get to.

interface Answer {
  status: number;
  body: string;
}

/** A GET with a Host header of our choosing (fetch would set its own). */
function get(baseUrl: string, path: string, headers: Record<string, string>): Promise<Answer> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
  });
}

async function startApp(config: Config): Promise<{ baseUrl: string }> {
  return startScoped(async (defer) => {
    const unreachable = `postgres://postgres@127.0.0.1:${await findFreePort()}/none`;
    const db = createDb(unreachable, silentLogger);
    defer(() => db.close());
    const events = createEventHub(unreachable, silentLogger);
    defer(() => events.stop());
    // Lazy: nothing here reaches Temporal.
    const temporal = new Client({ namespace: config.temporalNamespace });
    defer(() => temporal.connection.close());
    const emulator = await startGraphFake({ accessToken: config.whatsapp.accessToken });
    defer(() => emulator.close());
    const app = createApp({
      config,
      db,
      temporal,
      logger: silentLogger,
      sandbox: sandboxRoutes(emulator, config),
      chat: new FakeChatCommands(),
      events,
    });
    return { baseUrl: await serveOnLoopback(app, defer) };
  });
}

const ADMIN = { authorization: 'Bearer sandbox-admin-token' };
const PATHS = ['/healthz', '/console', '/simulator', '/sandbox/sends?to=15550002222', '/api/admin/me'];

describe('sandbox mode', () => {
  const config = loadConfig({});
  let baseUrl: string;
  beforeAll(async () => {
    expect(config.sandbox).toBe(true);
    ({ baseUrl } = await startApp(config));
  });

  it.each(['localhost', 'localhost:3000', 'LOCALHOST:3000', '127.0.0.1', '127.0.0.1:3000', '[::1]', '[::1]:3000'])(
    'serves Host: %s',
    async (host) => {
      expect((await get(baseUrl, '/healthz', { host })).status).toBe(200);
      expect((await get(baseUrl, '/console', { host })).status).toBe(200);
      expect((await get(baseUrl, '/sandbox/sends?to=15550002222', { host })).status).toBe(200);
      // Reached: the admin API answers that Postgres is out of reach, not that the host is wrong.
      expect((await get(baseUrl, '/api/admin/me', { host, ...ADMIN })).status).toBe(503);
    },
  );

  it.each([
    'rebind.example',
    'rebind.example:3000',
    'localhost.rebind.example:3000',
    '127.0.0.1.nip.io:3000',
    'localhost:3000@rebind.example',
  ])('answers 421 to Host: %j on every route, the admin API with the published token included', async (host) => {
    for (const path of PATHS) {
      const answer = await get(baseUrl, path, { host, ...ADMIN });
      expect(`${path} ${answer.status}`).toBe(`${path} 421`);
      expect(JSON.parse(answer.body)).toEqual({
        status: 'error',
        error: { code: 'misdirected_request', message: expect.stringContaining('localhost') as unknown },
      });
    }
  });

  it('reads the Host header itself, not X-Forwarded-Host, which a same-origin page may set', async () => {
    const answer = await get(baseUrl, '/sandbox/sends?to=15550002222', {
      host: 'rebind.example:3000',
      'x-forwarded-host': 'localhost:3000',
    });
    expect(answer.status).toBe(421);
  });
});

describe('outside sandbox mode', () => {
  it('serves any Host: a production server sits behind its own domain names', async () => {
    const config = loadConfig({
      WHATSAPP_ACCESS_TOKEN: 'a-real-access-token',
      WHATSAPP_PHONE_NUMBER_ID: '106000000000001',
      WHATSAPP_APP_SECRET: 'a-real-app-secret',
      WHATSAPP_VERIFY_TOKEN: 'a-real-verify-token',
      ADMIN_TOKEN: 'an-admin-token-of-at-least-thirty-two-characters',
      PAYMENT_WEBHOOK_SECRET: 'a-real-payment-secret',
    });
    expect(config.sandbox).toBe(false);
    const { baseUrl } = await startApp(config);
    expect((await get(baseUrl, '/healthz', { host: 'edubot.school.example' })).status).toBe(200);
  });
});
