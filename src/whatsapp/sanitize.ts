// Values from a webhook, made safe to store and replay. Postgres refuses U+0000 in text and jsonb,
// and jsonb refuses an unpaired surrogate (JSON.stringify writes it as a lone \ud800 escape); a
// Date holds ±8.64e15 ms and Postgres' timestamptz less; an integer column holds 32 bits. WhatsApp
// never sends any of these, so cleaning them loses nothing a user wrote.

const UNPAIRED_SURROGATE = /\p{Cs}/u;
const UNPAIRED_SURROGATES = /\p{Cs}/gu;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/**
 * How far a WhatsApp timestamp may lie from our receipt before it counts as wrong. Meta redelivers
 * for up to 7 days (a reaction can be to a message 30 days old); a clock runs minutes ahead at most.
 */
export const MAX_TIMESTAMP_AGE_MS = 30 * DAY_MS;
export const MAX_TIMESTAMP_AHEAD_MS = 15 * MINUTE_MS;

/** Postgres `integer`. */
export const INT4_MIN = -2_147_483_648;
export const INT4_MAX = 2_147_483_647;

/** Whether `text` can be stored as it is: no U+0000 and no unpaired surrogate. */
export function isStorableText(text: string): boolean {
  return !text.includes('\0') && !UNPAIRED_SURROGATE.test(text);
}

/**
 * `text` without U+0000, each unpaired surrogate replaced by U+FFFD (as String.prototype.toWellFormed
 * does), cut to at most `maxChars` code points (WhatsApp counts code points, not UTF-16 units).
 */
export function cleanText(text: string, maxChars: number): string {
  const clean = isStorableText(text) ? text : text.replace(/\0/g, '').replace(UNPAIRED_SURROGATES, '\uFFFD');
  return clampChars(clean, maxChars);
}

/** The first `maxChars` code points of `text`; never splits a surrogate pair. */
export function clampChars(text: string, maxChars: number): string {
  // A string has at least as many UTF-16 units as code points.
  if (text.length <= maxChars) return text;
  let units = 0;
  let chars = 0;
  for (const char of text) {
    if (chars === maxChars) break;
    units += char.length;
    chars++;
  }
  return text.slice(0, units);
}

/**
 * An identifier as it is, or undefined when it cannot be one: empty, too long, or holding what
 * cleaning would change. Ids are never cleaned or cut, since a changed id names another message.
 */
export function saneId(id: string, maxChars: number): string | undefined {
  return id.length > 0 && id.length <= maxChars && isStorableText(id) ? id : undefined;
}

/**
 * A WhatsApp timestamp (Unix seconds, usually a string) in epoch milliseconds, or `receivedAt` when it
 * is missing, not a number, or outside the window around receipt.
 */
export function saneTime(seconds: string | number | undefined, receivedAt: number): number {
  const value = seconds === undefined || seconds === '' ? NaN : Number(seconds);
  const ms = Math.trunc(value * 1000);
  const sane = ms >= receivedAt - MAX_TIMESTAMP_AGE_MS && ms <= receivedAt + MAX_TIMESTAMP_AHEAD_MS;
  return sane ? ms : receivedAt;
}

/** A finite `value` truncated to an integer within [min, max] (a Postgres `integer` by default). */
export function clampInt(value: number, min = INT4_MIN, max = INT4_MAX): number {
  return Math.min(max, Math.max(min, Math.trunc(value)));
}

/** `value` within [min, max] (a latitude, a longitude). */
export function clampNumber(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
