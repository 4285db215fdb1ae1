import type { BusinessHours } from './business-hours';
import { nextOpening } from './business-time';
import { isoDate, localTime, weekdayOf } from './zoned-time';

// "When agents are back", as the student reads it in the away message (SPEC §7.6): the next opening
// in the business's time zone, said relative to the student's day there. The words are written out
// here rather than taken from Intl's locale data, so the workflow's text never changes with the
// worker's ICU version (the bot's other texts are English, see workflows/flow/texts.ts).

/** The words of one language; `time` is the local "08:00". */
export interface OpeningWords {
  now: string;
  today: (time: string) => string;
  tomorrow: (time: string) => string;
  /** Later this week: "on Monday at 08:00". */
  thisWeek: (weekday: string, time: string) => string;
  /** A week or more away: "on Monday 4 January at 08:00". */
  later: (weekday: string, dayOfMonth: number, month: string, time: string) => string;
  /** Monday first. */
  weekdays: readonly string[];
  months: readonly string[];
}

export const ENGLISH_OPENING_WORDS: OpeningWords = {
  now: 'now',
  today: (time) => `today at ${time}`,
  tomorrow: (time) => `tomorrow at ${time}`,
  thisWeek: (weekday, time) => `on ${weekday} at ${time}`,
  later: (weekday, dayOfMonth, month, time) => `on ${weekday} ${dayOfMonth} ${month} at ${time}`,
  weekdays: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
  months: [
    'January',
    'February',
    'March',
    'April',
    'May',
    'June',
    'July',
    'August',
    'September',
    'October',
    'November',
    'December',
  ],
};

const twoDigits = (n: number): string => String(n).padStart(2, '0');

/**
 * The next opening after `at` in words: "now" when open, "today at 14:00", "tomorrow at 08:00",
 * "on Monday at 08:00" within the week, "on Monday 4 January at 08:00" beyond it; undefined when
 * there is no opening within the search horizon. Times are the business zone's 24-hour clock.
 */
export function describeOpening(
  hours: BusinessHours,
  at: number,
  words: OpeningWords = ENGLISH_OPENING_WORDS,
): string | undefined {
  const opening = nextOpening(hours, at);
  if (opening === undefined) return undefined;
  if (opening === at) return words.now;
  const today = localTime(hours.timezone, at).day;
  const then = localTime(hours.timezone, opening);
  const time = `${twoDigits(Math.floor(then.minute / 60))}:${twoDigits(then.minute % 60)}`;
  const weekday = words.weekdays[weekdayOf(then.day)] ?? '';
  const ahead = then.day - today;
  if (ahead <= 0) return words.today(time);
  if (ahead === 1) return words.tomorrow(time);
  if (ahead < 7) return words.thisWeek(weekday, time);
  const [, month, dayOfMonth] = isoDate(then.day).split('-').map(Number);
  return words.later(weekday, dayOfMonth ?? 1, words.months[(month ?? 1) - 1] ?? '', time);
}
