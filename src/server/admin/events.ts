import type { ServerResponse } from 'node:http';
import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { eventsAfter, latestEventId, replayStart, type StoredEvent } from '../../db/events';
import { isTokenActive } from '../../db/tokens';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import type { EventHub } from '../event-hub';
import { parse } from './params';

// GET /api/admin/events: server-sent events for the console. A stream replays the events table after
// Last-Event-ID, then follows it; every wake-up (a notification, a reconnect of the hub, the
// heartbeat) reads "after the last id sent", so nothing is lost or sent twice. A stream opened with
// a table token ends when that token is revoked: at once through the hub's notification, and at the
// latest on the next heartbeat, which checks the token again in case the notification was missed.
// Bounded: a token holds at most MAX_STREAMS_PER_TOKEN streams on this server (opening one more
// ends its oldest with `event: superseded`, which the console takes as "stop, do not reconnect"), and
// a resume replays at most MAX_REPLAY_EVENTS events of at most MAX_REPLAY_AGE_MS; when it had to skip
// some, `event: reload` goes first, so the console reloads its lists instead of trusting the replay.

export interface EventStreamDeps {
  db: Db;
  logger: Logger;
  events: EventHub;
  /** Comment lines keep proxies from closing an idle stream; each one also re-reads the table. */
  heartbeatMs?: number;
}

export const MAX_STREAMS_PER_TOKEN = 5;
export const MAX_REPLAY_EVENTS = 1_000;
export const MAX_REPLAY_AGE_MS = 24 * 60 * 60 * 1000;

const DEFAULT_HEARTBEAT_MS = 15_000;
const BATCH = 500;
// What the browser's EventSource waits before reconnecting with Last-Event-ID.
const RETRY_MS = 3_000;

const LastEventId = z
  .string()
  .trim()
  .regex(/^\d{1,18}$/, 'Last-Event-ID is the id of an event')
  .transform(Number);

export function mountEventRoutes(router: Router<AdminState>, deps: EventStreamDeps, guard: AdminGuard): void {
  // The open streams of each token, oldest first; the environment's ADMIN_TOKEN counts as one token.
  const open = new Map<string, Stream[]>();
  const admit = (key: string, stream: Stream) => {
    const streams = open.get(key) ?? [];
    while (streams.length >= MAX_STREAMS_PER_TOKEN) streams.shift()!.supersede();
    streams.push(stream);
    open.set(key, streams);
  };
  const release = (key: string, stream: Stream) => {
    const streams = (open.get(key) ?? []).filter((s) => s !== stream);
    if (streams.length === 0) open.delete(key);
    else open.set(key, streams);
  };

  router.get('/api/admin/events', ...guard('events.stream', AGENT_OR_ADMIN), async (ctx) => {
    const given = ctx.get('last-event-id') || ctx.query.lastEventId;
    const lastEventId =
      given === undefined || given === ''
        ? undefined
        : parse(LastEventId, given, 'invalid_last_event_id', 'Invalid Last-Event-ID');
    // Without Last-Event-ID a stream starts now: a console that was never connected wants no backlog.
    const start =
      lastEventId === undefined
        ? { after: await latestEventId(deps.db), skipped: false }
        : await replayStart(deps.db, lastEventId, MAX_REPLAY_EVENTS, MAX_REPLAY_AGE_MS);
    const { after, skipped } = start;
    noteAudit(ctx, { details: { after, ...(skipped ? { skipped } : {}) } });

    // The response stays open and is written here, not by Koa: Koa would pipe a stream body and
    // report every console that goes away as an error. The handler returns at once either way.
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setKeepAlive(true);
    ctx.status = 200;
    ctx.type = 'text/event-stream';
    ctx.set('Cache-Control', 'no-cache, no-transform');
    ctx.set('X-Accel-Buffering', 'no');
    ctx.respond = false;
    ctx.res.flushHeaders();
    const tokenId = ctx.state.actor?.tokenId;
    const key = tokenId === undefined ? 'env' : `token:${tokenId}`;
    const stream = follow(ctx.res, { after, reload: skipped }, deps, tokenId, () => release(key, stream));
    admit(key, stream);
  });
}

interface Stream {
  /** Ends the stream with `event: superseded`: its token opened a newer one past the cap. */
  supersede(): void;
}

/**
 * `tokenId`: the table token the stream was opened with; the environment's ADMIN_TOKEN has none.
 * `reload`: events after the client's Last-Event-ID were skipped, which it is told first.
 */
function follow(
  res: ServerResponse,
  start: { after: number; reload: boolean },
  deps: EventStreamDeps,
  tokenId: number | undefined,
  onClose: () => void,
): Stream {
  const { after } = start;
  let lastId = after;
  let reading = false;
  let again = false;
  let closed = false;

  const write = async (chunk: string) => {
    // A slow client must not make the server buffer the whole backlog: wait for it to drain.
    if (!res.write(chunk) && !closed) {
      await new Promise<void>((resolve) => {
        res.once('drain', resolve);
        res.once('close', resolve);
      });
    }
  };

  // One reader per stream: a wake-up during a read makes the reader look once more afterwards.
  const pump = async (): Promise<void> => {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        let batch: StoredEvent[];
        do {
          batch = await eventsAfter(deps.db, lastId, BATCH);
          for (const event of batch) {
            if (closed) return;
            await write(formatEvent(event));
            lastId = event.id;
          }
        } while (batch.length === BATCH && !closed);
      } while (again && !closed);
    } catch (err) {
      // The next wake-up or heartbeat tries again from the same id.
      if (!closed) deps.logger.warn('event stream read failed', { error: err });
    } finally {
      reading = false;
    }
  };

  const checkToken = async () => {
    if (tokenId === undefined) return;
    try {
      if (!(await isTokenActive(deps.db, tokenId))) close();
    } catch (err) {
      // Checked again on the next heartbeat.
      if (!closed) deps.logger.warn('event stream token check failed', { error: err });
    }
  };

  const unsubscribe = deps.events.subscribe(() => void pump());
  const unwatch = deps.events.onTokenRevoked((revoked) => {
    if (revoked === tokenId) close();
  });
  const heartbeat = setInterval(() => {
    if (!res.writableNeedDrain) res.write(': heartbeat\n\n');
    void checkToken();
    void pump();
  }, deps.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);

  function close(last?: string) {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    unsubscribe();
    unwatch();
    onClose();
    if (!res.writableEnded) res.end(last);
  }
  res.once('close', () => close());

  res.write(`retry: ${RETRY_MS}\n: connected\n\n`);
  // Its id is where the replay starts, so a reconnection right after it is not told to reload again.
  if (start.reload) res.write(`id: ${after}\nevent: reload\ndata: ${JSON.stringify({ after })}\n\n`);
  // A revocation between the request's authentication and the watch above raised no notification here.
  void checkToken();
  void pump();
  return {
    supersede: () =>
      close(`event: superseded\ndata: ${JSON.stringify({ maxStreamsPerToken: MAX_STREAMS_PER_TOKEN })}\n\n`),
  };
}

/** One SSE message: `id` lets the browser resume with Last-Event-ID, `event` is the kind. */
function formatEvent(event: StoredEvent): string {
  const data = JSON.stringify({
    id: event.id,
    at: event.at,
    kind: event.kind,
    contactId: event.contactId,
    payload: event.payload,
  });
  return `id: ${event.id}\nevent: ${event.kind.replace(/[\r\n]/g, ' ')}\ndata: ${data}\n\n`;
}
