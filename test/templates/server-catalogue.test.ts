import { loadConfig, SANDBOX_SECRETS } from '../../src/config';
import { listTemplates } from '../../src/db/templates';
import { createDb } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { findFreePort } from '../../src/net';
import { runServer } from '../../src/runtime';
import { startGraphFake } from '../../tools/sandbox/graph-fake';
import { sandboxRoutes } from '../../tools/sandbox/routes';
import { createTestDatabase } from '../helpers/database';
import { TEST_PAYLOAD_KEYS } from '../helpers/payload-keys';
import { readTestEnvironment } from '../helpers/test-env';
import { waitFor } from '../helpers/wait';

// runServer keeps the catalogue: in sandbox mode it lists the emulator's templates as soon as it
// starts, lists them again on its interval, and stops doing so when the server stops.

it('lists the emulator’s templates at start and on its interval in sandbox mode, until stopped', async () => {
  const database = await createTestDatabase({ migrated: true });
  const fake = await startGraphFake({ accessToken: SANDBOX_SECRETS.accessToken });
  const db = createDb(database.url, silentLogger);
  try {
    const sandbox = loadConfig({
      PORT: String(await findFreePort()),
      TEMPLATE_REFRESH_INTERVAL: '200ms',
      TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS,
    });
    // As `npm start` does: the emulator stands in for the Graph API.
    const config = { ...sandbox, whatsapp: { ...sandbox.whatsapp, apiBaseUrl: fake.baseUrl } };
    const server = await runServer(
      config,
      database.url,
      readTestEnvironment().temporalAddress,
      silentLogger,
      sandboxRoutes(fake, config),
    );
    try {
      await waitFor(async () => (await listTemplates(db)).length === 6, 'the listed templates');
      const answer = await fetch(`http://127.0.0.1:${server.address.port}/api/admin/templates`, {
        headers: { authorization: `Bearer ${SANDBOX_SECRETS.adminToken}` },
      });
      const body = (await answer.json()) as { templates: { name: string }[] };
      expect(body.templates.map((t) => t.name)).toEqual([
        'chat_rating',
        'homework_reminder',
        'payment_reminder',
        'support_follow_up',
        'support_follow_up',
      ]);
      // The interval brings a change in the account without any webhook.
      fake.setTemplateStatus('homework_reminder', 'en', 'DISABLED');
      await waitFor(
        async () => (await listTemplates(db)).find((t) => t.name === 'homework_reminder')?.status === 'DISABLED',
        'the next listing',
      );
    } finally {
      await server.stop();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const requests = fake.requests;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.requests).toBe(requests);
  } finally {
    await db.close();
    await fake.close();
    await database.drop();
  }
});
