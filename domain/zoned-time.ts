// Wall-clock time in an IANA time zone, from epoch milliseconds and back, with the JS `Intl` API
// only: Temporal's workflow sandbox has it, and it brings the zone rules of the running Node's ICU,
// so no dependency and no I/O. The business-hours code (workflows and reports alike) builds on this.
//
// A local date is a civil day number: days since 1970-01-01 on the calendar, whatever the zone.

const MINUTE = 60_000;
export const DAY = 86_400_000;

/** Intl refuses an offset larger than this, so a local time's instant lies within this of it. */
const MAX_OFFSET = 14 * 3_600_000;

/** A wall-clock reading in one zone: its civil day and the minute of that day (0–1439). */
export interface LocalTime {
  day: number;
  minute: number;
}

// Formatters are costly to build and hold no state: one per zone, kept for the process (zones are few).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let found = formatters.get(timeZone);
  if (found === undefined) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, found);
  }
  return found;
}

/** True when `Intl` knows the zone (it throws a RangeError on an unknown one). */
export function isKnownTimeZone(name: string): boolean {
  try {
    formatter(name);
    return true;
  } catch {
    return false;
  }
}

/** The zone's wall clock at `at`, read as if it were UTC: epoch ms of the local date and time. */
function wallClock(timeZone: string, at: number): number {
  const fields: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return Date.UTC(
    fields.year ?? 1970,
    (fields.month ?? 1) - 1,
    fields.day ?? 1,
    fields.hour ?? 0,
    fields.minute ?? 0,
    fields.second ?? 0,
  );
}

/** The zone's offset from UTC at `at`, in ms (positive east of Greenwich). Intl reads whole seconds. */
export function offsetAt(timeZone: string, at: number): number {
  const second = Math.floor(at / 1000) * 1000;
  return wallClock(timeZone, second) - second;
}

/** The local civil day and minute of `at` in the zone. */
export function localTime(timeZone: string, at: number): LocalTime {
  const wall = at + offsetAt(timeZone, at);
  const day = Math.floor(wall / DAY);
  return { day, minute: Math.floor((wall - day * DAY) / MINUTE) };
}

/**
 * The instant at which the zone's clocks read `minute` (0–1440, 1440 being the next midnight) of the
 * civil `day`. Local→instant is kept monotonic, which is what makes "22:00–24:00" then "00:00–02:00"
 * one stretch and keeps a day's intervals inside the day:
 * - a time skipped by a spring-forward change (01:30 on a day London jumps from 01:00 to 02:00) is the
 *   instant the clocks jump (02:00 BST), the first moment the wall clock has passed it;
 * - a time that happens twice (01:30 on an autumn day London goes from 02:00 back to 01:00) is its
 *   first occurrence, so an interval that runs through the repeated hour covers both passes of it.
 */
export function instantOf(timeZone: string, day: number, minute: number): number {
  const wall = day * DAY + minute * MINUTE;
  const before = offsetAt(timeZone, wall - MAX_OFFSET - DAY);
  const after = offsetAt(timeZone, wall + MAX_OFFSET + DAY);
  // No change in the surrounding days (nearly always): one answer.
  if (before === after) return wall - before;
  const candidates = [wall - before, wall - after].filter((at) => at + offsetAt(timeZone, at) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  return transitionBetween(timeZone, wall - after, wall - before);
}

/**
 * `instantOf` for several minutes of one civil day at once: one look at the zone's rules for a day
 * without a change (nearly every day), the careful path only on a day with one.
 */
export function instantsOf(timeZone: string, day: number, minutes: number[]): number[] {
  const midnight = day * DAY;
  const before = offsetAt(timeZone, midnight - MAX_OFFSET - DAY);
  const after = offsetAt(timeZone, midnight + 2 * DAY + MAX_OFFSET);
  if (before === after) return minutes.map((minute) => midnight + minute * MINUTE - before);
  return minutes.map((minute) => instantOf(timeZone, day, minute));
}

/** The first second whose offset differs from the one at `low`, for `low` < change ≤ `high`. */
function transitionBetween(timeZone: string, low: number, high: number): number {
  const start = offsetAt(timeZone, low);
  let lo = Math.floor(low / 1000);
  let hi = Math.ceil(high / 1000);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(timeZone, mid * 1000) === start) lo = mid;
    else hi = mid;
  }
  return hi * 1000;
}

/** Day of the week of a civil day: 0 = Monday … 6 = Sunday (1970-01-01 was a Thursday). */
export function weekdayOf(day: number): number {
  return (((day + 3) % 7) + 7) % 7;
}

/** "2026-12-25" of a civil day. */
export function isoDate(day: number): string {
  return new Date(day * DAY).toISOString().slice(0, 10);
}

/** The civil day of "2026-12-25", or undefined when it is not a real calendar date. */
export function dayOfIsoDate(date: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!match) return undefined;
  const [year, month, dayOfMonth] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, dayOfMonth);
  const back = new Date(ms);
  // Date.UTC rolls 2026-02-30 over to March: a real date reads back the same.
  if (back.getUTCFullYear() !== year || back.getUTCMonth() !== month - 1 || back.getUTCDate() !== dayOfMonth)
    return undefined;
  return ms / DAY;
}
