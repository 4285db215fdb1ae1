import { insertAuditEntry } from '../../db/audit';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import type { AdminAuthMetrics } from '../../metrics/admin-auth-metrics';
import { ANONYMOUS_ACTOR } from '../../auth/tokens';

// Failed sign-ins to the admin API, per source (see client-source.ts), in this process's memory.
// Two jobs: a rate limit (after `maxFailures` failures within `windowMs` a source is refused with 429
// before its token is looked up, until that window ends), and the audit of failures without a row
// each: a source gets at most one audit row per `windowMs`, carrying how many failures it stands for.
// The first failure of a quiet source is recorded at once, so a single mistyped token still shows in
// the log as it happens; what follows within the minute is summed into the next row, written by a
// sweep once the minute is over. Memory is bounded: at most `maxSources` sources (least recently seen
// dropped first, their pending counts summed into one row for "other sources"), and at most
// `maxRowsPerWindow` rows across all sources per window, so an attack from many addresses cannot
// fill the audit log either. Successful requests never reach this module.

export interface AuthLimiterOptions {
  db: Db;
  logger: Logger;
  metrics?: AdminAuthMetrics;
  /** Failures within a window after which a source is refused with 429. */
  maxFailures?: number;
  /** The rate limit's window, and the least time between two audit rows of one source. */
  windowMs?: number;
  maxSources?: number;
  maxRowsPerWindow?: number;
  sweepMs?: number;
  now?: () => number;
}

export const AUTH_FAILURE_ACTION = 'admin.auth_failures';
export const DEFAULT_MAX_FAILURES = 20;
export const DEFAULT_WINDOW_MS = 60_000;
// About 1 MB of entries: far more sources than a school's staff, far less than a process minds.
const DEFAULT_MAX_SOURCES = 10_000;
const DEFAULT_MAX_ROWS_PER_WINDOW = 100;
const DEFAULT_SWEEP_MS = 5_000;
/** Where the failures of sources dropped from memory, or past the row cap, are summed. */
export const OTHER_SOURCES = 'other';

/** Whether the refused request gets its own audit row, and what the row says about its source. */
export type FailureAudit =
  { audit: false } | { audit: true; details: { source: string; failures: number; reasons?: Record<string, number> } };

export interface AuthLimiter {
  /** Seconds until `source` may try again, or undefined when its token may be checked. */
  retryAfter(source: string): number | undefined;
  /** Counts one refused request of `source` (reason as in the metric) and says whether to audit it. */
  failed(source: string, reason: string): FailureAudit;
  /** Runs the sweep now: the rows due are written and quiet sources forgotten. */
  sweep(): Promise<void>;
  sourceCount(): number;
  /** Stops the sweep timer; the pending counts are written first. */
  stop(): Promise<void>;
}

interface Pending {
  count: number;
  reasons: Record<string, number>;
  since: number;
}

interface SourceState {
  windowStart: number;
  failures: number;
  pending: Pending;
  lastRowAt: number | undefined;
}

const emptyPending = (): Pending => ({ count: 0, reasons: {}, since: 0 });

function addTo(pending: Pending, reason: string, count: number, at: number): void {
  if (pending.count === 0) pending.since = at;
  pending.count += count;
  pending.reasons[reason] = (pending.reasons[reason] ?? 0) + count;
}

export function createAuthLimiter(options: AuthLimiterOptions): AuthLimiter {
  const maxFailures = options.maxFailures ?? DEFAULT_MAX_FAILURES;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const maxSources = options.maxSources ?? DEFAULT_MAX_SOURCES;
  const maxRows = options.maxRowsPerWindow ?? DEFAULT_MAX_ROWS_PER_WINDOW;
  const now = options.now ?? Date.now;
  // Insertion order is recency order: a source seen again is moved to the end.
  const sources = new Map<string, SourceState>();
  const other = { pending: emptyPending(), lastRowAt: undefined as number | undefined };
  const rows = { windowStart: 0, written: 0 };
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  const takeRow = (at: number): boolean => {
    if (at - rows.windowStart >= windowMs) {
      rows.windowStart = at;
      rows.written = 0;
    }
    if (rows.written >= maxRows) return false;
    rows.written++;
    return true;
  };

  const dueForRow = (lastRowAt: number | undefined, at: number) =>
    lastRowAt === undefined || at - lastRowAt >= windowMs;

  const moveToOther = (pending: Pending, at: number) => {
    for (const [reason, count] of Object.entries(pending.reasons)) addTo(other.pending, reason, count, at);
  };

  const touch = (source: string, at: number): SourceState => {
    let state = sources.get(source);
    if (state) {
      sources.delete(source);
    } else {
      state = { windowStart: at, failures: 0, pending: emptyPending(), lastRowAt: undefined };
      while (sources.size >= maxSources) {
        const [oldest, dropped] = sources.entries().next().value as [string, SourceState];
        sources.delete(oldest);
        moveToOther(dropped.pending, at);
      }
    }
    sources.set(source, state);
    return state;
  };

  const summary = (source: string, pending: Pending, at: number) => ({
    actor: ANONYMOUS_ACTOR,
    action: AUTH_FAILURE_ACTION,
    outcome: 'unauthorized',
    httpStatus: 401,
    details: {
      source,
      failures: pending.count,
      reasons: pending.reasons,
      since: new Date(pending.since).toISOString(),
      until: new Date(at).toISOString(),
    },
  });

  const runSweep = async (): Promise<void> => {
    const at = now();
    const due: ReturnType<typeof summary>[] = [];
    for (const [source, state] of sources) {
      if (state.pending.count > 0 && dueForRow(state.lastRowAt, at)) {
        if (takeRow(at)) due.push(summary(source, state.pending, at));
        else moveToOther(state.pending, at);
        state.pending = emptyPending();
        state.lastRowAt = at;
      }
      // A source is forgotten once nothing of it is pending and a new failure would be due a row anyway.
      const quiet = state.pending.count === 0 && at - state.windowStart >= windowMs && dueForRow(state.lastRowAt, at);
      if (quiet) sources.delete(source);
    }
    if (other.pending.count > 0 && dueForRow(other.lastRowAt, at)) {
      due.push(summary(OTHER_SOURCES, other.pending, at));
      other.pending = emptyPending();
      other.lastRowAt = at;
    }
    for (const entry of due) {
      try {
        await insertAuditEntry(options.db, entry);
      } catch (err) {
        options.logger.warn('audit summary of refused admin requests not recorded', { error: err });
      }
    }
    if (sources.size === 0 && other.pending.count === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  const sweep = (): Promise<void> => {
    // One sweep at a time: a slow insert must not make the next tick write the same rows again.
    sweeping ??= runSweep().finally(() => {
      sweeping = undefined;
    });
    return sweeping;
  };

  const startSweeping = () => {
    if (timer !== undefined) return;
    timer = setInterval(() => void sweep(), options.sweepMs ?? DEFAULT_SWEEP_MS);
    // Pending counts never keep a process alive that is otherwise done.
    timer.unref();
  };

  return {
    retryAfter(source) {
      const state = sources.get(source);
      if (!state || state.failures < maxFailures) return undefined;
      const left = state.windowStart + windowMs - now();
      return left > 0 ? Math.ceil(left / 1000) : undefined;
    },
    failed(source, reason) {
      options.metrics?.failed(reason);
      const at = now();
      const state = touch(source, at);
      // A refusal for being over the limit does not stretch the window: it ends when it was going to.
      if (reason !== 'rate_limited') {
        if (at - state.windowStart >= windowMs) {
          state.windowStart = at;
          state.failures = 0;
        }
        state.failures++;
      }
      addTo(state.pending, reason, 1, at);
      startSweeping();
      if (!dueForRow(state.lastRowAt, at) || !takeRow(at)) return { audit: false };
      const { count, reasons } = state.pending;
      state.pending = emptyPending();
      state.lastRowAt = at;
      return { audit: true, details: { source, failures: count, ...(count > 1 ? { reasons } : {}) } };
    },
    sweep,
    sourceCount: () => sources.size,
    async stop() {
      clearInterval(timer);
      timer = undefined;
      // Whatever is pending is written now rather than lost with the process.
      for (const state of sources.values()) state.lastRowAt = undefined;
      other.lastRowAt = undefined;
      await sweep();
      clearInterval(timer);
      timer = undefined;
    },
  };
}
