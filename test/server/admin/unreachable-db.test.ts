import { loadConfig } from '../../../src/config';
import { createDb } from '../../../src/db/pool';
import { silentLogger } from '../../../src/logger';
import { createApp } from '../../../src/server/app';
import { connectTemporalClient } from '../../../src/temporal/connect';
import { createEventHub } from '../../../src/server/event-hub';
import { startScoped } from '../../helpers/cleanup';
import { createTestDatabase } from '../../helpers/database';
import { findFreePort } from '../../../src/net';
import { serveOnLoopback } from '../../helpers/serve';
import { TEST_PAYLOAD_KEYS } from '../../helpers/payload-keys';
import { readTestEnvironment } from '../../helpers/test-env';
import { FakeChatCommands } from './fake-chat';
import { TEST_ADMIN_TOKEN } from './admin-app';

// With Postgres out of reach an admin request is an outage the client may wait out: 503 with
// Retry-After and the usual JSON error, never a 500.

let baseUrl: string;

beforeAll(async () => {
  ({ baseUrl } = await startScoped(async (defer) => {
    // Nothing listens on this port: every connection is refused.
    const db = createDb(`postgres://postgres@127.0.0.1:${await findFreePort()}/none`, silentLogger);
    defer(() => db.close());
    const live = await createTestDatabase({ migrated: true });
    defer(() => live.drop());
    const config = loadConfig({
      DATABASE_URL: live.url,
      ADMIN_TOKEN: TEST_ADMIN_TOKEN,
      TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    });
    const { connection, client: temporal } = await connectTemporalClient(
      config.temporalSecurity,
      readTestEnvironment().temporalAddress,
      config.temporalNamespace,
    );
    defer(() => connection.close());
    const events = createEventHub(live.url, silentLogger);
    defer(() => events.stop());
    const app = createApp({ config, db, temporal, logger: silentLogger, chat: new FakeChatCommands(), events });
    return { baseUrl: await serveOnLoopback(app, defer) };
  }));
});

describe('the admin API with Postgres out of reach', () => {
  it.each(['/api/admin/conversations', '/api/admin/queue', '/api/admin/me'])(
    'answers %s 503 unavailable',
    async (path) => {
      const answer = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}` } });
      expect(answer.status).toBe(503);
      expect(answer.headers.get('retry-after')).toBe('5');
      expect(await answer.json()).toMatchObject({ status: 'error', error: { code: 'unavailable' } });
    },
  );
});
