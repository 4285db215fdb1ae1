// The support team's business hours (SPEC §7.6): a weekly schedule in a time zone, dated holidays
// and dated exceptions. Plain data, the shape `PUT /api/admin/business-hours` takes and the workflow
// carries; its zod schema lives in src/business-hours-schema.ts, because domain/ is imported by
// workflow code and so imports nothing (test/workflows/determinism-fence.test.ts).

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export type Weekday = (typeof WEEKDAYS)[number];

/** Local "HH:MM" opening and closing times; the closing time may be "24:00" (the next midnight). */
export type OpenInterval = [start: string, end: string];

export interface Holiday {
  /** A local calendar date, "2026-12-25". */
  date: string;
  name: string;
}

/**
 * A dated day with other hours than its weekday's: a Saturday opening, a short Christmas Eve.
 * It replaces the weekday's intervals for that date (an empty list closes the day).
 */
export interface HoursException {
  date: string;
  hours: OpenInterval[];
  name?: string;
}

export interface BusinessHours {
  /** An IANA zone name, "Africa/Lagos": every time above is wall-clock time there. */
  timezone: string;
  weekly: Record<Weekday, OpenInterval[]>;
  holidays: Holiday[];
  exceptions?: HoursException[];
}

/** Limits the schema enforces: enough for any real team, small enough to keep every scan cheap. */
export const MAX_INTERVALS_PER_DAY = 8;
export const MAX_HOLIDAYS = 400;
export const MAX_EXCEPTIONS = 400;
export const MAX_HOLIDAY_NAME_CHARS = 100;

/**
 * SPEC §2: with `BUSINESS_HOURS` unset the team is always open. This value says so, so callers pass
 * hours around without an "unset" case; every function of domain/business-time.ts treats it as open
 * at every instant, with no change to report.
 */
export const ALWAYS_OPEN: BusinessHours = {
  timezone: 'UTC',
  weekly: {
    mon: [['00:00', '24:00']],
    tue: [['00:00', '24:00']],
    wed: [['00:00', '24:00']],
    thu: [['00:00', '24:00']],
    fri: [['00:00', '24:00']],
    sat: [['00:00', '24:00']],
    sun: [['00:00', '24:00']],
  },
  holidays: [],
};

/** Minutes since midnight of "HH:MM" ("24:00" is 1440), or undefined when it is not such a time. */
export function minuteOfDay(time: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (match) return Number(match[1]) * 60 + Number(match[2]);
  return time === '24:00' ? 1440 : undefined;
}
