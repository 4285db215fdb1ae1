import { z } from 'zod';
import {
  type BusinessHours,
  MAX_EXCEPTIONS,
  MAX_HOLIDAYS,
  MAX_HOLIDAY_NAME_CHARS,
  MAX_INTERVALS_PER_DAY,
  minuteOfDay,
} from '../domain/business-hours';
import { dayOfIsoDate, isKnownTimeZone } from '../domain/zoned-time';

// The zod schema of business hours (SPEC §7.6), for `PUT /api/admin/business-hours` and the
// BUSINESS_HOURS start-up default. It lives here, not beside the types in domain/, because domain/
// is imported by workflow code and so may import no package (test/workflows/determinism-fence.test.ts).

// Intl knows the zone or throws. Node 20's Intl takes IANA names only and refuses bare offsets such
// as "+01:00"; newer engines take those, and test/domain/business-hours-schema.test.ts would say so.
const TimeZone = z
  .string()
  .max(64)
  .refine((name) => isKnownTimeZone(name), {
    message: 'must be an IANA time zone name such as "Africa/Lagos"',
  });

const IsoDate = z.string().refine((date) => dayOfIsoDate(date) !== undefined, {
  message: 'must be a calendar date written YYYY-MM-DD, such as "2026-12-25"',
});

/** An opening time's minute: "24:00" closes a day but opens none. */
const openingMinute = (time: string): number | undefined => (time === '24:00' ? undefined : minuteOfDay(time));

const Interval = z
  .tuple([
    z.string().refine((t) => openingMinute(t) !== undefined, {
      message: 'must be a time "HH:MM" from 00:00 to 23:59',
    }),
    z.string().refine((t) => minuteOfDay(t) !== undefined, {
      message: 'must be a time "HH:MM" from 00:00 to 24:00',
    }),
  ])
  // Zod runs this even when a time above was refused: only readable times are compared.
  .refine(
    ([start, end]) => {
      const [open, close] = [openingMinute(start), minuteOfDay(end)];
      return open === undefined || close === undefined || open < close;
    },
    {
      message: 'must close after it opens (to run past midnight, end at "24:00" and open at "00:00" the next day)',
    },
  );

/** A day's intervals: in order of opening, none overlapping (one may start where another ends). */
const DayHours = z
  .array(Interval)
  .max(MAX_INTERVALS_PER_DAY)
  .superRefine((intervals, ctx) => {
    for (let i = 1; i < intervals.length; i++) {
      const [open, previousClose] = [openingMinute(intervals[i]![0]), minuteOfDay(intervals[i - 1]![1])];
      if (open !== undefined && previousClose !== undefined && open < previousClose)
        ctx.addIssue({
          code: 'custom',
          path: [i],
          message: 'must start at or after the previous interval ends (intervals in order, not overlapping)',
        });
    }
  });

const Name = z.string().trim().min(1).max(MAX_HOLIDAY_NAME_CHARS);

const Weekly = z.strictObject({
  mon: DayHours,
  tue: DayHours,
  wed: DayHours,
  thu: DayHours,
  fri: DayHours,
  sat: DayHours,
  sun: DayHours,
});

export const BusinessHoursSchema: z.ZodType<BusinessHours> = z
  .strictObject({
    timezone: TimeZone,
    weekly: Weekly,
    holidays: z.array(z.strictObject({ date: IsoDate, name: Name })).max(MAX_HOLIDAYS),
    exceptions: z
      .array(z.strictObject({ date: IsoDate, hours: DayHours, name: Name.optional() }))
      .max(MAX_EXCEPTIONS)
      .optional(),
  })
  .superRefine((hours, ctx) => {
    // A date said twice (two holidays, or a holiday and an exception) would leave which one holds to chance.
    const seen = new Set<string>();
    const dated = [
      ...hours.holidays.map((h, i) => ({ date: h.date, path: ['holidays', i, 'date'] })),
      ...(hours.exceptions ?? []).map((e, i) => ({ date: e.date, path: ['exceptions', i, 'date'] })),
    ];
    for (const { date, path } of dated) {
      if (seen.has(date)) ctx.addIssue({ code: 'custom', path, message: `${date} is listed twice` });
      seen.add(date);
    }
  });
