import pg from 'pg';
import { EVENTS_CHANNEL } from '../db/events';
import { TOKEN_REVOKED_CHANNEL } from '../db/tokens';
import type { Logger } from '../logger';

// One LISTEN connection per server, fanned out in-process to every open event stream. A wake-up
// carries no event: each stream reads the table after the last id it sent, so coalesced or missed
// notifications lose nothing and duplicates send nothing twice. Revoked admin tokens arrive on a
// second channel, so a stream of a revoked token closes on every server, whoever revoked it.

export interface EventHub {
  /** Calls `wake` whenever new events may be in the table. Returns the unsubscribe function. */
  subscribe(wake: () => void): () => void;
  /** Calls `revoked` with the id of every admin token revoked from now on. Returns the unsubscribe function. */
  onTokenRevoked(revoked: (tokenId: number) => void): () => void;
  subscriberCount(): number;
  stop(): Promise<void>;
}

const MAX_RETRY_MS = 30_000;

/** Starts listening on the events channel at once, reconnecting with backoff when the connection drops. */
export function createEventHub(databaseUrl: string, logger: Logger): EventHub {
  const subscribers = new Set<() => void>();
  const revocationListeners = new Set<(tokenId: number) => void>();
  let client: pg.Client | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let stopped = false;

  const wakeAll = () => {
    for (const wake of [...subscribers]) wake();
  };

  const reconnect = (lost: pg.Client) => {
    // 'error' and 'end' both arrive for one loss; only the first schedules a new connection.
    if (stopped || client !== lost) return;
    client = undefined;
    lost.end().catch(() => undefined);
    const delay = Math.min(MAX_RETRY_MS, 500 * 2 ** failures++);
    retryTimer = setTimeout(() => void connect(), delay);
  };

  const connect = async () => {
    const next = new pg.Client({ connectionString: databaseUrl });
    client = next;
    next.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL) wakeAll();
      else if (message.channel === TOKEN_REVOKED_CHANNEL) {
        const tokenId = Number(message.payload);
        for (const revoked of [...revocationListeners]) revoked(tokenId);
      }
    });
    next.on('error', (err) => {
      logger.warn('event listener connection failed', { error: err });
      reconnect(next);
    });
    next.on('end', () => reconnect(next));
    try {
      await next.connect();
      await next.query(`listen ${EVENTS_CHANNEL}`);
      await next.query(`listen ${TOKEN_REVOKED_CHANNEL}`);
    } catch (err) {
      if (!stopped) logger.warn('event listener could not connect', { error: err });
      reconnect(next);
      return;
    }
    failures = 0;
    // Events committed while nobody listened raised no notification here: every stream looks again.
    wakeAll();
  };

  void connect();

  return {
    subscribe(wake) {
      subscribers.add(wake);
      return () => subscribers.delete(wake);
    },
    onTokenRevoked(revoked) {
      revocationListeners.add(revoked);
      return () => revocationListeners.delete(revoked);
    },
    subscriberCount: () => subscribers.size,
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      subscribers.clear();
      revocationListeners.clear();
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
