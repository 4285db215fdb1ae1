// @ts-check
// How the Reports view writes a report's figures: durations of business time ("1h 05m"), counts,
// shares, money, the CSAT distribution, and the report's days (local dates in its time zone, as
// YYYY-MM-DD) with the overview's figures for each.

/**
 * A report's figures as the page reads them: defensively, every one may be missing (an older server,
 * a range with no chats), so they are looked up loosely and written with a fallback.
 * @typedef {Record<string, any>} Loose
 */
/**
 * A report as loaded: the filters it was asked with and the three answers.
 * @typedef {{ filters: { from: string; to: string }; overview: Loose; agents: Loose; labels: Loose }} Shown
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** @type {[string, string][]} */
const SENDERS = [
  ['student', 'Student'],
  ['bot', 'Bot'],
  ['agent', 'Agent'],
];

/**
 * "42s", "12m 05s", "1h 05m", "2d 03h"; "—" when there is nothing to measure.
 * @param {unknown} seconds
 */
function formatDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + two(s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + two(Math.floor((s % 3600) / 60)) + 'm';
  return Math.floor(s / 86400) + 'd ' + two(Math.floor((s % 86400) / 3600)) + 'h';
}

/**
 * A duration axis's tick: whole units, short.
 * @param {number} seconds
 */
function formatTick(seconds) {
  if (seconds === 0) return '0';
  if (seconds < 60) return Math.round(seconds) + 's';
  if (seconds < 3600) return Math.round(seconds / 60) + 'm';
  if (seconds < 86400) return +(seconds / 3600).toFixed(1) + 'h';
  return +(seconds / 86400).toFixed(1) + 'd';
}

const count = (/** @type {unknown} */ n) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
const formatCount = (/** @type {unknown} */ n) => count(n).toLocaleString();

/**
 * "80% met" of an SLA's `{ met, breached }`, or "" when nothing was measured.
 * @param {Loose | null | undefined} sla
 */
function slaShare(sla) {
  const total = count(sla && sla.met) + count(sla && sla.breached);
  return total === 0 || !sla ? '' : Math.round((100 * count(sla.met)) / total) + '% met';
}

/**
 * @param {unknown} amount
 * @param {string | undefined} currency
 */
function formatMoney(amount, currency) {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return '—';
  try {
    return amount.toLocaleString(undefined, { style: 'currency', currency, maximumFractionDigits: 4 });
  } catch {
    return amount.toFixed(4) + ' ' + String(currency || '');
  }
}

/**
 * The CSAT distribution as counts for the ratings 1–5, from `{ "1": n, … }` or `[n1, …, n5]`.
 * @param {Loose | unknown[] | null | undefined} distribution
 */
function ratings(distribution) {
  const at = (/** @type {number} */ r) =>
    Array.isArray(distribution) ? distribution[r - 1] : distribution && distribution[r];
  return [1, 2, 3, 4, 5].map((r) => count(at(r)));
}

// ---- dates: local days in the report's time zone, as YYYY-MM-DD ----

/**
 * `date` moved by `days` (a calendar day: the zone plays no part).
 * @param {string} date
 * @param {number} days
 */
function addDays(date, days) {
  return new Date(Date.parse(date + 'T00:00:00Z') + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Every date from `from` to `to`, both included.
 * @param {string} from
 * @param {string} to
 */
function everyDay(from, to) {
  /** @type {string[]} */
  const days = [];
  for (let day = from; day <= to && days.length < 400; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * "Dec 7", for an axis; the weekday too for a title.
 * @param {string} date
 * @param {boolean} long
 */
function dayLabel(date, long) {
  /** @type {Intl.DateTimeFormatOptions} */
  const options = long
    ? { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' }
    : { month: 'short', day: 'numeric', timeZone: 'UTC' };
  return new Date(date + 'T00:00:00Z').toLocaleDateString(undefined, options);
}

/**
 * The days of the range, with the overview's figures for each (zero where it has none).
 * @param {Shown} shown
 * @returns {{ date: string; figures: Loose }[]}
 */
function days(shown) {
  /** @type {Map<string, Loose>} */
  const byDay = new Map();
  for (const day of (shown.overview && shown.overview.byDay) || []) byDay.set(String(day.date).slice(0, 10), day);
  return everyDay(shown.filters.from, shown.filters.to).map((date) => ({ date, figures: byDay.get(date) || {} }));
}

export {
  DAY_MS,
  SENDERS,
  formatDuration,
  formatTick,
  count,
  formatCount,
  slaShare,
  formatMoney,
  ratings,
  addDays,
  everyDay,
  dayLabel,
  days,
};
