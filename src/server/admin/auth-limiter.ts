import { insertAuditEntry } from '../../db/audit';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import type { AdminAuthMetrics } from '../../metrics/admin-auth-metrics';
import { addTo, emptyPending, FailureLedger } from './auth-failure-ledger';

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

export { AUTH_FAILURE_ACTION, OTHER_SOURCES } from './auth-failure-ledger';
export const DEFAULT_MAX_FAILURES = 20;
export const DEFAULT_WINDOW_MS = 60_000;
// About 1 MB of entries: far more sources than a school's staff, far less than a process minds.
const DEFAULT_MAX_SOURCES = 10_000;
const DEFAULT_MAX_ROWS_PER_WINDOW = 100;
const DEFAULT_SWEEP_MS = 5_000;

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

export function createAuthLimiter(options: AuthLimiterOptions): AuthLimiter {
  const maxFailures = options.maxFailures ?? DEFAULT_MAX_FAILURES;
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const now = options.now ?? Date.now;
  const ledger = new FailureLedger(
    windowMs,
    options.maxSources ?? DEFAULT_MAX_SOURCES,
    options.maxRowsPerWindow ?? DEFAULT_MAX_ROWS_PER_WINDOW,
  );
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> | undefined;

  const runSweep = async (): Promise<void> => {
    for (const entry of ledger.takeDue(now())) {
      try {
        await insertAuditEntry(options.db, entry);
      } catch (err) {
        options.logger.warn('audit summary of refused admin requests not recorded', { error: err });
      }
    }
    if (ledger.isEmpty() && timer !== undefined) {
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
      const state = ledger.get(source);
      if (!state || state.failures < maxFailures) return undefined;
      const left = state.windowStart + windowMs - now();
      return left > 0 ? Math.ceil(left / 1000) : undefined;
    },
    failed(source, reason) {
      options.metrics?.failed(reason);
      const at = now();
      const state = ledger.touch(source, at);
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
      if (!ledger.dueForRow(state.lastRowAt, at) || !ledger.takeRow(at)) return { audit: false };
      const { count, reasons } = state.pending;
      state.pending = emptyPending();
      state.lastRowAt = at;
      return { audit: true, details: { source, failures: count, ...(count > 1 ? { reasons } : {}) } };
    },
    sweep,
    sourceCount: () => ledger.size,
    async stop() {
      clearInterval(timer);
      timer = undefined;
      // Whatever is pending is written now rather than lost with the process.
      ledger.forgetRowTimes();
      await sweep();
      clearInterval(timer);
      timer = undefined;
    },
  };
}
