import pg from 'pg';
import type { Logger } from '../logger';

// The single place that talks to Postgres. Repository modules call `query`/`withTransaction`;
// parameters are never logged because they carry phone numbers and message bodies.

/**
 * A statement on the hot path, given a name so Postgres parses and plans it once per connection
 * (a named prepared statement) instead of at every call. The text must never change under a name.
 */
export interface Statement {
  name: string;
  text: string;
}

export type Db = {
  pool: pg.Pool;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string | Statement,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  /** One connection for several statements (the migrations' advisory lock); Postgres going away fails them, never the process. */
  withClient<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T>;
  /** `statementTimeoutMs`: a longer (0: no) limit for this transaction's statements, for a job known to need it. */
  withTransaction<T>(fn: (client: pg.PoolClient) => Promise<T>, options?: { statementTimeoutMs?: number }): Promise<T>;
  close(): Promise<void>;
};

export const UNIQUE_VIOLATION = '23505';
/** A statement cancelled: by statement_timeout, or by an operator's pg_cancel_backend. */
export const QUERY_CANCELED = '57014';

/**
 * How long one statement may run before Postgres cancels it. Every pooled connection carries it, so
 * one slow query (a lock wait, a plan gone wrong, a flood of lookups) gives its connection back
 * instead of holding one of the pool's ten for ever while the webhook waits for it. 15 s sits under
 * the ~20 s Meta waits for a webhook's answer and far under an activity's 60 s start-to-close, so the
 * caller still has time to answer 503 or retry; the slowest statements of the product's own requests
 * run in milliseconds. A job that needs longer (migrations, a big export) says so for its own session
 * or transaction (`withTransaction(fn, { statementTimeoutMs })`).
 */
export const STATEMENT_TIMEOUT_MS = 15_000;

/**
 * Whether Postgres refused the values of a statement rather than failed to run it: SQLSTATE class 22
 * (data exception: a character, time or number it cannot hold), class 23 (a constraint) or 54000 (a
 * limit, e.g. an index row too large). Sending the same values again can never succeed.
 */
export function refusedValues(err: unknown): boolean {
  if (!(err instanceof pg.DatabaseError) || err.code === undefined) return false;
  return err.code.startsWith('22') || err.code.startsWith('23') || err.code === '54000';
}

// The network errors of a Postgres that is down, restarting or out of reach.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * Whether Postgres could not be reached or is not serving (connection refused, lost or timed out;
 * SQLSTATE class 08, 57P (shutting down, starting up) or 53 (out of connections), or a statement
 * cancelled by the statement timeout, 57014): an outage or an overload, which the caller answers 503
 * for, never a fault of the request.
 */
export function unreachable(err: unknown): boolean {
  if (err instanceof pg.DatabaseError) return /^(08|57P|53)/.test(err.code ?? '') || err.code === QUERY_CANCELED;
  // Read by shape: a socket's error may come from another realm than this module's Error.
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect|connection error/i.test(message)
  );
}

export function createDb(
  connectionString: string,
  logger: Logger,
  options: { max?: number; statementTimeoutMs?: number } = {},
): Db {
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    // A connection attempt that gets no answer (a Postgres restarting behind a proxy, a host gone)
    // fails as unreachable after 10 s instead of holding its caller, and the activity retries it.
    connectionTimeoutMillis: 10_000,
    // Set by Postgres itself for the session (a startup parameter), so it holds for every statement.
    // No client-side query_timeout beside it: pg's gives up on the answer but lends the connection on
    // with the statement still running, which is the very hold this prevents.
    statement_timeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
    // A connection whose peer vanished without a reset is found dead by TCP instead of never.
    keepAlive: true,
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', (err) => logger.warn('idle postgres client failed', { error: err }));
  let closed = false;
  const withClient = async <T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    // The pool listens for the connection failing only while a client is idle: a checked-out one
    // without a listener of its own turns Postgres going away mid-use into an uncaught 'error' that
    // ends the process. The statement in flight fails by itself; the client is then released with the
    // error, so the pool drops it instead of lending it again.
    let lost: Error | undefined;
    const onLost = (err: Error) => {
      lost = err;
      logger.warn('postgres connection lost while in use', { error: err });
    };
    client.on('error', onLost);
    try {
      return await fn(client);
    } finally {
      client.off('error', onLost);
      client.release(lost);
    }
  };
  return {
    pool,
    async query(text, params) {
      const started = performance.now();
      const statement: { name?: string; text: string } = typeof text === 'string' ? { text } : text;
      const result = await queryRetryingDeadlock(pool, { ...statement, values: params }, logger);
      logger.debug('sql', {
        sql: statement.name ?? firstLine(statement.text),
        ms: Math.round(performance.now() - started),
        rows: result.rowCount,
      });
      return result;
    },
    withClient,
    withTransaction(fn, transactionOptions) {
      return withClient(async (client) => {
        try {
          await client.query('begin');
          const longer = transactionOptions?.statementTimeoutMs;
          // `set local` ends with the transaction: the connection goes back to the pool with the default.
          if (longer !== undefined)
            await client.query(`set local statement_timeout = ${Math.max(0, Math.floor(longer))}`);
          const result = await fn(client);
          await client.query('commit');
          return result;
        } catch (err) {
          await client.query('rollback').catch(() => undefined);
          throw err;
        }
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}

function firstLine(sql: string): string {
  return sql.trim().split('\n', 1)[0]!.slice(0, 80);
}

/** Postgres's deadlock_detected: one of the statements in the cycle was rolled back whole. */
const DEADLOCK_DETECTED = '40P01';
const DEADLOCK_ATTEMPTS = 3;

/**
 * Runs one statement on its own (its own transaction), again when Postgres chose it as a deadlock's
 * victim: it was rolled back whole, so running it again is safe. Two statements each appending an event
 * (one advisory lock, events.ts) and updating the same message row — a send's acceptance and a status
 * echoing its key — can meet in either order.
 */
async function queryRetryingDeadlock(pool: pg.Pool, config: pg.QueryConfig, logger: Logger): Promise<pg.QueryResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await pool.query(config);
    } catch (err) {
      if (!(err instanceof pg.DatabaseError) || err.code !== DEADLOCK_DETECTED || attempt >= DEADLOCK_ATTEMPTS)
        throw err;
      logger.warn('statement chosen as a deadlock victim, run again', { attempt });
    }
  }
}
