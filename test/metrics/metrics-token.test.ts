import { Client } from '@temporalio/client';
import { loadConfig } from '../../src/config';
import { createDb } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { createApp } from '../../src/server/app';
import { startScoped } from '../helpers/cleanup';
import { serveOnLoopback } from '../helpers/serve';

// GET /metrics behind METRICS_TOKEN: the product's app on a real socket, as Prometheus would scrape it.
// Postgres is out of reach, so a scrape that gets through shows the process's figures and
// edubot_metrics_postgres_up 0 (test/server/metrics.test.ts checks the figures themselves).

const TOKEN = 'metrics-token-4f1c9a07d2e4b8a13f1c9a07';
const PRODUCTION = {
  WHATSAPP_ACCESS_TOKEN: 'a-real-access-token',
  WHATSAPP_PHONE_NUMBER_ID: '106000000000001',
  WHATSAPP_APP_SECRET: 'a-real-app-secret',
  WHATSAPP_VERIFY_TOKEN: 'a-real-verify-token',
  ADMIN_TOKEN: 'an-admin-token-of-at-least-thirty-two-characters',
  PAYMENT_WEBHOOK_SECRET: 'a-real-payment-secret',
};

async function serve(env: Record<string, string>): Promise<string> {
  const { baseUrl } = await startScoped(async (defer) => {
    const config = loadConfig(env);
    const db = createDb(`postgres://postgres@127.0.0.1:${await findFreePort()}/none`, silentLogger);
    defer(() => db.close());
    // Lazy: nothing here reaches Temporal.
    const temporal = new Client({ namespace: config.temporalNamespace });
    defer(() => temporal.connection.close());
    const app = createApp({ config, db, temporal, logger: silentLogger });
    return { baseUrl: await serveOnLoopback(app, defer) };
  });
  return baseUrl;
}

const scrape = (baseUrl: string, authorization?: string) =>
  fetch(`${baseUrl}/metrics`, { headers: authorization === undefined ? {} : { authorization } });

describe('GET /metrics with METRICS_TOKEN set', () => {
  let baseUrl: string;
  beforeAll(async () => {
    baseUrl = await serve({ ...PRODUCTION, METRICS_TOKEN: TOKEN });
  });

  it.each([
    ['no Authorization', undefined],
    ['another token', 'Bearer metrics-token-not-this-one'],
    ['the token cut short', `Bearer ${TOKEN.slice(0, -1)}`],
    ['the token and more', `Bearer ${TOKEN}0`],
    ['the token as Basic credentials', `Basic ${TOKEN}`],
    ['the token alone', TOKEN],
    ['an empty bearer', 'Bearer '],
  ])('answers 401 to %s, with no figure', async (_, authorization) => {
    const answer = await scrape(baseUrl, authorization);
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toBe('Bearer realm="edubot-metrics"');
    const body = await answer.text();
    expect(JSON.parse(body)).toMatchObject({ status: 'error', error: { code: 'unauthorized' } });
    expect(body).not.toContain('edubot_');
  });

  it.each([`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `Bearer  ${TOKEN} `])('serves the figures to %j', async (header) => {
    const answer = await scrape(baseUrl, header);
    expect(answer.status).toBe(200);
    expect(await answer.text()).toMatch(/^edubot_metrics_postgres_up 0$/m);
  });
});

describe('GET /metrics with METRICS_TOKEN unset', () => {
  it('is open, as Prometheus endpoints are by default', async () => {
    const answer = await scrape(await serve(PRODUCTION));
    expect(answer.status).toBe(200);
    expect(await answer.text()).toMatch(/^edubot_metrics_postgres_up 0$/m);
  });
});
