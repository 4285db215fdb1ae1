import { appendEvent } from '../../../src/db/events';
import { sleep, waitFor } from '../../helpers/wait';
import { serveAdminRoutes, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// GET /api/admin/events: server-sent events replayed from the events table after Last-Event-ID and
// followed live through the LISTEN connection.

let app: AdminApp;
let agent: string;

beforeAll(async () => {
  app = await startAdminApp();
  agent = (await app.token('agent')).token;
});

afterAll(async () => {
  await app?.stop();
});

interface SseMessage {
  id?: string;
  event?: string;
  data?: string;
}

interface Stream {
  status: number;
  contentType: string | null;
  messages: SseMessage[];
  comments: string[];
  waitForMessages(count: number): Promise<SseMessage[]>;
  close(): void;
}

/** Opens the stream and parses what arrives, in the background, until `close`. */
async function openStream(
  baseUrl: string,
  options: { lastEventId?: string; query?: string; token?: string } = {},
): Promise<Stream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${options.token ?? agent}` };
  if (options.lastEventId !== undefined) headers['last-event-id'] = options.lastEventId;
  const response = await fetch(`${baseUrl}/api/admin/events${options.query ?? ''}`, {
    headers,
    signal: controller.signal,
  });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const message: SseMessage = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) message.id = line.slice(4);
            else if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('data: ')) message.data = line.slice(6);
          }
          if (message.id !== undefined) messages.push(message);
        }
      }
    } catch {
      // Aborted by close().
    }
  })();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    messages,
    comments,
    waitForMessages: (count) =>
      waitFor(async () => messages.length >= count && messages.slice(0, count), `${count} events`, 10_000),
    close: () => controller.abort(),
  };
}

// Events name the contact they are about; the stream passes the id on as it is.
const contact = (n: number) => `ct_${String(n).padStart(20, '0')}`;
const append = (kind: string, contactId: string, payload: unknown) => appendEvent(app.db, { kind, contactId, payload });

it('streams an appended event with its id, kind and JSON data', async () => {
  const stream = await openStream(app.baseUrl);
  try {
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    await waitFor(async () => stream.comments.includes('connected'), 'the connected comment');
    const event = await append('message', contact(5001), { direction: 'inbound', waMessageId: 'wamid.E1' });
    const [message] = await stream.waitForMessages(1);
    expect(message).toEqual({ id: String(event.id), event: 'message', data: expect.any(String) });
    expect(JSON.parse(message!.data!)).toEqual({
      id: event.id,
      at: event.at.toISOString(),
      kind: 'message',
      contactId: contact(5001),
      payload: { direction: 'inbound', waMessageId: 'wamid.E1' },
    });
  } finally {
    stream.close();
  }
});

it('starts from now without Last-Event-ID, and resumes exactly after it on reconnect', async () => {
  await append('state', contact(5002), { state: 'IDLE', note: 'before anyone listened' });
  const first = await openStream(app.baseUrl);
  await waitFor(async () => first.comments.includes('connected'), 'the connected comment');
  const a = await append('state', contact(5002), { n: 1 });
  const b = await append('message', contact(5002), { n: 2 });
  const got = await first.waitForMessages(2);
  expect(got.map((m) => m.id)).toEqual([String(a.id), String(b.id)]);

  first.close();
  await waitFor(async () => app.events.subscriberCount() === 0, 'the stream to unsubscribe');
  await sleep(100);
  expect(first.messages).toHaveLength(2);

  const missed = [
    await append('message', contact(5002), { n: 3 }),
    await append('status', contact(5002), { n: 4 }),
    await append('state', contact(5002), { n: 5 }),
  ];
  const second = await openStream(app.baseUrl, { lastEventId: got[1]!.id });
  try {
    const replayed = await second.waitForMessages(3);
    expect(replayed.map((m) => m.id)).toEqual(missed.map((e) => String(e.id)));
    expect(replayed.map((m) => JSON.parse(m.data!).payload.n)).toEqual([3, 4, 5]);
    const live = await append('message', contact(5002), { n: 6 });
    const all = await second.waitForMessages(4);
    expect(all[3]!.id).toBe(String(live.id));
    await sleep(200);
    expect(second.messages).toHaveLength(4);
  } finally {
    second.close();
  }
});

it('accepts ?lastEventId= for clients that cannot set headers, and replays more than one batch', async () => {
  const start = await append('state', contact(5003), { n: 0 });
  const events = await app.db.withTransaction(async (client) => {
    const appended = [];
    for (let n = 1; n <= 1000; n++)
      appended.push(await appendEvent(client, { kind: 'message', contactId: contact(5003), payload: { n } }));
    return appended;
  });
  const stream = await openStream(app.baseUrl, { query: `?lastEventId=${start.id}` });
  try {
    const got = await stream.waitForMessages(1000);
    expect(got.map((m) => Number(m.id))).toEqual(events.map((e) => e.id));
  } finally {
    stream.close();
  }
});

it('loses no event when an earlier transaction commits after a later append started', async () => {
  const stream = await openStream(app.baseUrl);
  try {
    await waitFor(async () => stream.comments.includes('connected'), 'the connected comment');
    let releaseSlow!: () => void;
    const slowMayCommit = new Promise<void>((resolve) => (releaseSlow = resolve));
    const slow = app.db.withTransaction(async (client) => {
      const event = await appendEvent(client, {
        kind: 'message',
        contactId: contact(5004),
        payload: { which: 'slow' },
      });
      await slowMayCommit;
      return event;
    });
    await sleep(100);
    // Begun while the slow transaction is open; it must not become visible (and be streamed) first.
    const fast = append('message', contact(5004), { which: 'fast' });
    await sleep(200);
    releaseSlow();
    const [slowEvent, fastEvent] = await Promise.all([slow, fast]);
    expect(fastEvent.id).toBeGreaterThan(slowEvent.id);
    const got = await stream.waitForMessages(2);
    expect(got.map((m) => JSON.parse(m.data!).payload.which)).toEqual(['slow', 'fast']);
  } finally {
    stream.close();
  }
});

it('answers 400 to a Last-Event-ID that is not an event id', async () => {
  const response = await fetch(`${app.baseUrl}/api/admin/events`, {
    headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'last-event-id': 'yesterday' },
  });
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ status: 'error', error: { code: 'invalid_last_event_id' } });
});

it('sends heartbeat comments while nothing happens', async () => {
  const routes = await serveAdminRoutes(app, 50);
  const stream = await openStream(routes.baseUrl);
  try {
    await waitFor(async () => stream.comments.filter((c) => c === 'heartbeat').length >= 2, 'two heartbeats', 5_000);
  } finally {
    stream.close();
    await routes.stop();
  }
});
