import { appendEvent } from '../../../src/db/events';
import { MAX_REPLAY_EVENTS, MAX_STREAMS_PER_TOKEN } from '../../../src/server/admin/events';
import { waitFor } from '../../helpers/wait';
import { startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// GET /api/admin/events within bounds: a token holds at most MAX_STREAMS_PER_TOKEN streams (one more
// ends the oldest with `event: superseded`), and a resume replays at most MAX_REPLAY_EVENTS events of
// at most a day, announcing with `event: reload` that it skipped some.

let app: AdminApp;

beforeAll(async () => {
  app = await startAdminApp();
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
  /** Every message, with or without an id, in order. */
  messages: SseMessage[];
  hasEnded(): boolean;
  close(): void;
}

async function openStream(token: string, lastEventId?: string): Promise<Stream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const response = await fetch(`${app.baseUrl}/api/admin/events`, { headers, signal: controller.signal });
  const messages: SseMessage[] = [];
  let ended = false;
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const message: SseMessage = {};
          for (const line of buffer.slice(0, end).split('\n')) {
            if (line.startsWith('id: ')) message.id = line.slice(4);
            else if (line.startsWith('event: ')) message.event = line.slice(7);
            else if (line.startsWith('data: ')) message.data = line.slice(6);
          }
          buffer = buffer.slice(end + 2);
          if (message.event !== undefined) messages.push(message);
        }
      }
      ended = true;
    } catch {
      // Aborted by close().
    }
  })();
  return {
    status: response.status,
    messages,
    hasEnded: () => ended,
    close: () => controller.abort(),
  };
}

const contact = (n: number) => `ct_${n.toString(16).padStart(20, '0')}`;

/** Appends `count` events in one transaction; returns their ids, oldest first. */
async function seed(count: number, contactNumber: number): Promise<number[]> {
  return app.db.withTransaction(async (client) => {
    const ids: number[] = [];
    for (let n = 0; n < count; n++) {
      ids.push((await appendEvent(client, { kind: 'message', contactId: contact(contactNumber), payload: { n } })).id);
    }
    return ids;
  });
}

describe('streams per token', () => {
  it(`ends the oldest of a token's streams with "superseded" when it opens stream ${MAX_STREAMS_PER_TOKEN + 1}`, async () => {
    const { token } = await app.token('agent');
    const streams: Stream[] = [];
    try {
      for (let i = 0; i < MAX_STREAMS_PER_TOKEN; i++) streams.push(await openStream(token));
      // Another token's streams are not this token's: the admin's stream stays open throughout.
      const admin = await openStream(TEST_ADMIN_TOKEN);
      streams.push(admin);
      expect(streams.every((s) => s.status === 200)).toBe(true);
      expect(streams[0]!.hasEnded()).toBe(false);

      const sixth = await openStream(token);
      streams.push(sixth);
      expect(sixth.status).toBe(200);
      await waitFor(async () => streams[0]!.hasEnded() || undefined, 'the oldest stream to end');
      expect(streams[0]!.messages.map((m) => m.event)).toEqual(['superseded']);

      // The other five of the token, and the admin's, still follow the table.
      const [id] = await seed(1, 7001);
      const following = [...streams.slice(1, MAX_STREAMS_PER_TOKEN), admin, sixth];
      await waitFor(
        async () => following.every((s) => s.messages.some((m) => m.id === String(id))) || undefined,
        'the event on every other stream',
      );
      expect(following.some((s) => s.hasEnded())).toBe(false);
    } finally {
      for (const stream of streams) stream.close();
    }
  });

  it('counts a stream the client closed no more', async () => {
    const { token } = await app.token('agent');
    const first = await openStream(token);
    first.close();
    const streams: Stream[] = [];
    try {
      // Once the server has seen the close, five more fit without ending any of them.
      await waitFor(async () => (app.events.subscriberCount() === 0 ? true : undefined), 'the closed stream released');
      for (let i = 0; i < MAX_STREAMS_PER_TOKEN; i++) streams.push(await openStream(token));
      const [id] = await seed(1, 7002);
      await waitFor(
        async () => streams.every((s) => s.messages.some((m) => m.id === String(id))) || undefined,
        'the event on all five',
      );
      expect(streams.some((s) => s.messages.some((m) => m.event === 'superseded'))).toBe(false);
    } finally {
      for (const stream of streams) stream.close();
    }
  });
});

describe('replay after Last-Event-ID', () => {
  it(`replays at most ${MAX_REPLAY_EVENTS} events, after a "reload", when Last-Event-ID: 0 is further behind`, async () => {
    const ids = await seed(MAX_REPLAY_EVENTS + 150, 7003);
    const { token } = await app.token('agent');
    const stream = await openStream(token, '0');
    try {
      const newest = String(ids[ids.length - 1]);
      await waitFor(async () => stream.messages.some((m) => m.id === newest) || undefined, 'the newest event');
      const [first, ...rest] = stream.messages;
      expect(first!.event).toBe('reload');
      // Its id is where the replay starts: a reconnection resumes there and is not told to reload again.
      const replayed = rest.map((m) => Number(m.id));
      expect(Number(first!.id)).toBe(replayed[0]! - 1);
      expect(replayed).toHaveLength(MAX_REPLAY_EVENTS);
      expect(replayed).toEqual(ids.slice(-MAX_REPLAY_EVENTS));
      expect(rest.every((m) => m.event === 'message')).toBe(true);
    } finally {
      stream.close();
    }
  });

  it('skips, after a "reload", the events of more than a day ago', async () => {
    const ids = await seed(6, 7004);
    await app.db.query(`update events set at = now() - interval '25 hours' where id = any($1)`, [ids.slice(0, 3)]);
    const { token } = await app.token('agent');
    const stream = await openStream(token, String(ids[0]! - 1));
    try {
      await waitFor(async () => stream.messages.some((m) => m.id === String(ids[5])) || undefined, 'the newest event');
      expect(stream.messages.map((m) => m.event)).toEqual(['reload', 'message', 'message', 'message']);
      expect(stream.messages.slice(1).map((m) => Number(m.id))).toEqual(ids.slice(3));
    } finally {
      stream.close();
    }
  });

  it('replays a gap within the bounds in full, with no "reload"', async () => {
    const ids = await seed(20, 7005);
    const { token } = await app.token('agent');
    const stream = await openStream(token, String(ids[0]! - 1));
    try {
      await waitFor(async () => stream.messages.some((m) => m.id === String(ids[19])) || undefined, 'the newest event');
      expect(stream.messages.map((m) => Number(m.id))).toEqual(ids);
      expect(stream.messages.some((m) => m.event === 'reload')).toBe(false);
    } finally {
      stream.close();
    }
  });

  it('starts at the newest event, after a "reload", when Last-Event-ID is past it (a restored database)', async () => {
    const { token } = await app.token('agent');
    const stream = await openStream(token, '900000000000');
    try {
      await waitFor(async () => stream.messages[0], 'the reload');
      expect(stream.messages[0]!.event).toBe('reload');
      // A new event reaches the stream: it no longer waits for ids past the one it was given.
      const [id] = await seed(1, 7006);
      await waitFor(async () => stream.messages.some((m) => m.id === String(id)) || undefined, 'the new event');
    } finally {
      stream.close();
    }
  });
});
