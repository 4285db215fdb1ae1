import { appendEvent } from '../../../src/db/events';
import { revokeToken } from '../../../src/db/tokens';
import { sleep, waitFor } from '../../helpers/wait';
import { serveAdminRoutes, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// GET /api/admin/events ends a stream whose token is revoked: at once when the revocation's
// notification arrives (the API, or the CLI in another process), at the next heartbeat otherwise.

let app: AdminApp;

beforeAll(async () => {
  app = await startAdminApp();
});

afterAll(async () => {
  await app?.stop();
});

interface OpenStream {
  status: number;
  text(): string;
  /** Whether the server has ended the response. */
  ended(): boolean;
  close(): void;
}

async function openStream(baseUrl: string, token: string): Promise<OpenStream> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/admin/events`, {
    headers: { authorization: `Bearer ${token}` },
    signal: controller.signal,
  });
  let text = '';
  let ended = false;
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        text += decoder.decode(value, { stream: true });
      }
      ended = true;
    } catch {
      // Aborted by close().
    }
  })();
  await waitFor(async () => text.includes(': connected'), 'the connected comment', 5_000);
  return { status: response.status, text: () => text, ended: () => ended, close: () => controller.abort() };
}

const streamEnded = (stream: OpenStream, what: string) => waitFor(async () => stream.ended(), what, 5_000);

describe('the event stream of a revoked token', () => {
  it('ends at once when the token is revoked through the API, and the token cannot reopen it', async () => {
    const revoked = await app.token('agent');
    const kept = await app.token('agent');
    const doomed = await openStream(app.baseUrl, revoked.token);
    const other = await openStream(app.baseUrl, kept.token);
    const admin = await openStream(app.baseUrl, TEST_ADMIN_TOKEN);
    try {
      expect(doomed.status).toBe(200);
      const answer = await app.request('DELETE', `/api/admin/tokens/${revoked.id}`, { token: TEST_ADMIN_TOKEN });
      expect(answer.status).toBe(200);
      // Far sooner than the 15 s heartbeat.
      await streamEnded(doomed, 'the revoked stream to end');

      // The other streams go on and still receive events.
      const event = await appendEvent(app.db, {
        kind: 'message',
        contactId: 'ct_00000000000000007001',
        payload: { n: 1 },
      });
      await waitFor(async () => other.text().includes(`id: ${event.id}\n`), 'the event on the other stream', 5_000);
      await waitFor(async () => admin.text().includes(`id: ${event.id}\n`), "the event on ADMIN_TOKEN's stream", 5_000);
      expect(other.ended()).toBe(false);
      expect(admin.ended()).toBe(false);
      expect(doomed.text()).not.toContain(`id: ${event.id}\n`);

      const again = await fetch(`${app.baseUrl}/api/admin/events`, {
        headers: { authorization: `Bearer ${revoked.token}` },
      });
      expect(again.status).toBe(401);
    } finally {
      for (const stream of [doomed, other, admin]) stream.close();
    }
  });

  it('ends at once when another process revokes the token, as the admin CLI does', async () => {
    const revoked = await app.token('agent');
    const stream = await openStream(app.baseUrl, revoked.token);
    try {
      expect(await revokeToken(app.db, revoked.id)).toMatchObject({ id: revoked.id });
      await streamEnded(stream, 'the revoked stream to end');
    } finally {
      stream.close();
    }
  });

  it('ends at the next heartbeat when the revocation raised no notification here', async () => {
    const routes = await serveAdminRoutes(app, 200);
    const revoked = await app.token('agent');
    const stream = await openStream(routes.baseUrl, revoked.token);
    try {
      await sleep(500);
      expect(stream.ended()).toBe(false);
      // A revocation while this server's listener was away: the table changes, no notification comes.
      await app.db.query('update admin_tokens set revoked_at = now() where id = $1', [revoked.id]);
      await streamEnded(stream, 'the stream to end at a heartbeat');
    } finally {
      stream.close();
      await routes.stop();
    }
  });
});
