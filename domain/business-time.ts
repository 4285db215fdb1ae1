import { type BusinessHours, WEEKDAYS, minuteOfDay } from './business-hours';
import { DAY, dayOfIsoDate, instantsOf, localTime, weekdayOf } from './zoned-time';

// Business-time arithmetic over epoch milliseconds (SPEC §7.6): is the team open, when does that
// change, and how much open time lies between two instants. Pure and deterministic (no clock, no
// I/O), so the conversation workflow's durable timers and the reports compute the same figures.
//
// A schedule becomes, day by day, a list of open spans [start, end) in epoch ms. Local times map to
// instants monotonically (domain/zoned-time.ts says how DST gaps and repeats resolve), so the spans
// of successive days are in order and a day's "24:00" is the next day's "00:00": a night shift
// written as "22:00"–"24:00" then "00:00"–"02:00" is one stretch, with no change at midnight.

/**
 * How far the searches look: a schedule with no opening (or no change) within this many days of the
 * instant asked about answers undefined, so an always-closed schedule cannot loop forever.
 */
export const HORIZON_DAYS = 400;

type Span = [start: number, end: number];

interface Compiled {
  timezone: string;
  /** Minute intervals per weekday, 0 = Monday. */
  weekly: Span[][];
  /** Dates with their own intervals: holidays (none) and exceptions. */
  dated: Map<number, Span[]>;
  alwaysOpen: boolean;
  /** Each day's spans in epoch ms, computed once (a day is asked for again and again). */
  spans: Map<number, Span[]>;
}

const MAX_CACHED_DAYS = 2048;
// Keyed by the hours object itself: callers treat hours as immutable values, as JSON data is.
const compiled = new WeakMap<BusinessHours, Compiled>();

/** "HH:MM" pairs as sorted, merged minute spans; anything unreadable is left out. */
function minuteSpans(intervals: readonly (readonly [string, string])[]): Span[] {
  const spans: Span[] = [];
  for (const [from, to] of intervals) {
    const start = minuteOfDay(from);
    const end = minuteOfDay(to);
    if (start !== undefined && end !== undefined && start < end) spans.push([start, end]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last !== undefined && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  return merged;
}

function compile(hours: BusinessHours): Compiled {
  const found = compiled.get(hours);
  if (found) return found;
  const weekly = WEEKDAYS.map((day) => minuteSpans(hours.weekly[day] ?? []));
  const dated = new Map<number, Span[]>();
  for (const holiday of hours.holidays) {
    const day = dayOfIsoDate(holiday.date);
    if (day !== undefined) dated.set(day, []);
  }
  // An exception is the more specific statement: it wins over a holiday on the same date.
  for (const exception of hours.exceptions ?? []) {
    const day = dayOfIsoDate(exception.date);
    if (day !== undefined) dated.set(day, minuteSpans(exception.hours));
  }
  const alwaysOpen = dated.size === 0 && weekly.every((d) => d.length === 1 && d[0]![0] === 0 && d[0]![1] === 1440);
  const result: Compiled = { timezone: hours.timezone, weekly, dated, alwaysOpen, spans: new Map() };
  compiled.set(hours, result);
  return result;
}

/** The open spans of one local civil day, in epoch ms, in order; empty ones (inside a DST gap) dropped. */
function daySpans(c: Compiled, day: number): Span[] {
  const cached = c.spans.get(day);
  if (cached) return cached;
  const minutes = c.dated.get(day) ?? c.weekly[weekdayOf(day)] ?? [];
  const spans: Span[] = [];
  if (minutes.length > 0) {
    const instants = instantsOf(
      c.timezone,
      day,
      minutes.flatMap(([start, end]) => [start, end]),
    );
    for (let i = 0; i < instants.length; i += 2) {
      const start = instants[i]!;
      const end = instants[i + 1]!;
      if (start < end) spans.push([start, end]);
    }
  }
  if (c.spans.size >= MAX_CACHED_DAYS) c.spans.clear();
  c.spans.set(day, spans);
  return spans;
}

/**
 * The spans with an end after `at`, in order, day by day from the local day of `at` to `lastDay`.
 * Earlier days' spans all end by the first instant the clocks read that day's 00:00, so before `at`.
 * A later day's span may have begun before `at` only where clocks go back across midnight, which no
 * zone does between 2015 and 2035; the callers take the first span as it comes either way.
 */
function* spansAfter(c: Compiled, at: number, lastDay: number): Generator<Span> {
  for (let day = localTime(c.timezone, at).day; day <= lastDay; day++) {
    for (const span of daySpans(c, day)) if (span[1] > at) yield span;
  }
}

const horizonOf = (c: Compiled, at: number): number => localTime(c.timezone, at).day + HORIZON_DAYS;

/**
 * The instants these functions take: Date's range (±8.64e15) less the searches' reach, since Intl
 * throws a RangeError past it and a throw in workflow code stalls the workflow. Anything else (NaN,
 * ±Infinity) is a time that never comes: not open, no change, no end, no open time.
 */
const MAX_INSTANT = 8.6e15;
const readable = (at: number): boolean => Math.abs(at) <= MAX_INSTANT;

/** True when the team is open at `at`. */
export function isOpen(hours: BusinessHours, at: number): boolean {
  if (!readable(at)) return false;
  const c = compile(hours);
  if (c.alwaysOpen) return true;
  // The first span still running after `at` decides; its day is the day of `at` or, rarely, a later one.
  for (const [start] of spansAfter(c, at, horizonOf(c, at))) return start <= at;
  return false;
}

/**
 * The next instant after `at` when the team opens or closes, or undefined when nothing changes within
 * HORIZON_DAYS (always closed, or always open).
 */
export function nextChange(hours: BusinessHours, at: number): number | undefined {
  if (!readable(at)) return undefined;
  const c = compile(hours);
  if (c.alwaysOpen) return undefined;
  let openUntil: number | undefined;
  for (const [start, end] of spansAfter(c, at, horizonOf(c, at))) {
    if (openUntil === undefined) {
      if (start > at) return start;
      openUntil = end;
    } else {
      // A span that starts where the last one ends continues it: no change there.
      if (start > openUntil) return openUntil;
      openUntil = Math.max(openUntil, end);
    }
  }
  return undefined;
}

/**
 * When the team is next available: `at` itself when open then, else the next opening; undefined when
 * there is none within HORIZON_DAYS.
 */
export function nextOpening(hours: BusinessHours, at: number): number | undefined {
  if (!readable(at)) return undefined;
  const c = compile(hours);
  if (c.alwaysOpen) return at;
  for (const [start] of spansAfter(c, at, horizonOf(c, at))) return Math.max(start, at);
  return undefined;
}

/**
 * The earliest instant by which `ms` of open time have passed since `start` (a closing instant when
 * the time runs out exactly there), or undefined when the schedule has a stretch of HORIZON_DAYS with
 * no open time on the way. `ms` ≤ 0 gives `start`. It walks the days one by one (about 10 µs a day
 * on a fresh schedule), so `ms` is a target such as an SLA's, not an open-ended figure.
 */
export function addBusinessTime(hours: BusinessHours, start: number, ms: number): number | undefined {
  if (!readable(start) || !Number.isFinite(ms)) return undefined;
  if (ms <= 0) return start;
  const c = compile(hours);
  if (c.alwaysOpen) return start + ms;
  let left = ms;
  let lastOpenDay = localTime(c.timezone, start).day;
  // Open-ended on purpose (a long duration crosses many days); a run of empty days ends it.
  for (let day = lastOpenDay; day <= lastOpenDay + HORIZON_DAYS && readable(day * DAY); day++) {
    for (const [spanStart, spanEnd] of daySpans(c, day)) {
      if (spanEnd <= start) continue;
      const from = Math.max(spanStart, start);
      if (spanEnd - from >= left) return from + left;
      left -= spanEnd - from;
      lastOpenDay = day;
    }
  }
  return undefined;
}

/** The open time in [from, to), in ms; 0 when `to` is not after `from`. */
export function businessTimeBetween(hours: BusinessHours, from: number, to: number): number {
  if (!(to > from) || !readable(from) || !readable(to)) return 0;
  const c = compile(hours);
  if (c.alwaysOpen) return to - from;
  let total = 0;
  for (const [start, end] of spansAfter(c, from, localTime(c.timezone, to).day + 1)) {
    if (start >= to) break;
    total += Math.min(end, to) - Math.max(start, from);
  }
  return total;
}
