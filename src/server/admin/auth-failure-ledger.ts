import { ANONYMOUS_ACTOR } from '../../auth/tokens';

// The auth limiter's memory (auth-limiter.ts): per source, its rate-limit window and the failures not
// yet in an audit row; the failures of sources dropped from memory or past the row cap, summed as
// "other sources"; and the count of rows written in the current window. No I/O: the limiter writes
// the rows this hands it.

export const AUTH_FAILURE_ACTION = 'admin.auth_failures';
/** Where the failures of sources dropped from memory, or past the row cap, are summed. */
export const OTHER_SOURCES = 'other';

export interface Pending {
  count: number;
  reasons: Record<string, number>;
  since: number;
}

export interface SourceState {
  windowStart: number;
  failures: number;
  pending: Pending;
  lastRowAt: number | undefined;
}

export const emptyPending = (): Pending => ({ count: 0, reasons: {}, since: 0 });

export function addTo(pending: Pending, reason: string, count: number, at: number): void {
  if (pending.count === 0) pending.since = at;
  pending.count += count;
  pending.reasons[reason] = (pending.reasons[reason] ?? 0) + count;
}

/** The audit row summing a source's failures since the last one. */
export type FailureSummary = ReturnType<typeof summary>;

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

export class FailureLedger {
  // Insertion order is recency order: a source seen again is moved to the end.
  private readonly sources = new Map<string, SourceState>();
  private readonly other = { pending: emptyPending(), lastRowAt: undefined as number | undefined };
  private readonly rows = { windowStart: 0, written: 0 };

  constructor(
    private readonly windowMs: number,
    private readonly maxSources: number,
    private readonly maxRows: number,
  ) {}

  get(source: string): SourceState | undefined {
    return this.sources.get(source);
  }

  get size(): number {
    return this.sources.size;
  }

  /** Nothing remembered and nothing pending: the sweep may stop. */
  isEmpty(): boolean {
    return this.sources.size === 0 && this.other.pending.count === 0;
  }

  /** Whether a source whose last row was at `lastRowAt` may have another now. */
  dueForRow(lastRowAt: number | undefined, at: number): boolean {
    return lastRowAt === undefined || at - lastRowAt >= this.windowMs;
  }

  /** Counts a row against the window's cap; false when the cap is reached. */
  takeRow(at: number): boolean {
    if (at - this.rows.windowStart >= this.windowMs) {
      this.rows.windowStart = at;
      this.rows.written = 0;
    }
    if (this.rows.written >= this.maxRows) return false;
    this.rows.written++;
    return true;
  }

  /** The source's state, made most recent; a new one may push the least recent out of memory. */
  touch(source: string, at: number): SourceState {
    let state = this.sources.get(source);
    if (state) {
      this.sources.delete(source);
    } else {
      state = { windowStart: at, failures: 0, pending: emptyPending(), lastRowAt: undefined };
      while (this.sources.size >= this.maxSources) {
        const [oldest, dropped] = this.sources.entries().next().value as [string, SourceState];
        this.sources.delete(oldest);
        this.moveToOther(dropped.pending, at);
      }
    }
    this.sources.set(source, state);
    return state;
  }

  /** The rows due at `at`, taken out of the pending counts; quiet sources are forgotten. */
  takeDue(at: number): FailureSummary[] {
    const due: FailureSummary[] = [];
    for (const [source, state] of this.sources) {
      if (state.pending.count > 0 && this.dueForRow(state.lastRowAt, at)) {
        if (this.takeRow(at)) due.push(summary(source, state.pending, at));
        else this.moveToOther(state.pending, at);
        state.pending = emptyPending();
        state.lastRowAt = at;
      }
      // A source is forgotten once nothing of it is pending and a new failure would be due a row anyway.
      const quiet =
        state.pending.count === 0 && at - state.windowStart >= this.windowMs && this.dueForRow(state.lastRowAt, at);
      if (quiet) this.sources.delete(source);
    }
    if (this.other.pending.count > 0 && this.dueForRow(this.other.lastRowAt, at)) {
      due.push(summary(OTHER_SOURCES, this.other.pending, at));
      this.other.pending = emptyPending();
      this.other.lastRowAt = at;
    }
    return due;
  }

  /** Makes every pending count due at once (the process is stopping). */
  forgetRowTimes(): void {
    for (const state of this.sources.values()) state.lastRowAt = undefined;
    this.other.lastRowAt = undefined;
  }

  private moveToOther(pending: Pending, at: number): void {
    for (const [reason, count] of Object.entries(pending.reasons)) addTo(this.other.pending, reason, count, at);
  }
}
