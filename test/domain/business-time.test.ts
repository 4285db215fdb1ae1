import { ALWAYS_OPEN, type BusinessHours, type OpenInterval, type Weekday } from '../../domain/business-hours';
import {
  HORIZON_DAYS,
  addBusinessTime,
  businessTimeBetween,
  isOpen,
  nextChange,
  nextOpening,
} from '../../domain/business-time';
import { describeOpening } from '../../domain/describe-opening';

// Examples a support team lives through, with instants written as ISO-8601 with their UTC offset (so
// the expected values do not come from the code under test). The properties are in
// business-time-properties.test.ts.

const HOUR = 3_600_000;
const MINUTE = 60_000;
const t = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad test instant ${iso}`);
  return ms;
};
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

const closedWeek: Record<Weekday, OpenInterval[]> = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
const officeWeek: Record<Weekday, OpenInterval[]> = {
  ...closedWeek,
  mon: [['08:00', '17:00']],
  tue: [['08:00', '17:00']],
  wed: [['08:00', '17:00']],
  thu: [['08:00', '17:00']],
  fri: [['08:00', '17:00']],
  sat: [['09:00', '13:00']],
};
const hoursIn = (timezone: string, weekly = officeWeek, extra: Partial<BusinessHours> = {}): BusinessHours => ({
  timezone,
  weekly,
  holidays: [],
  ...extra,
});

describe('a Lagos weekday (UTC+1, no DST)', () => {
  const lagos = hoursIn('Africa/Lagos');

  it('is open in office hours and says when it closes', () => {
    expect(isOpen(lagos, t('2026-12-07T10:00:00+01:00'))).toBe(true);
    expect(iso(nextChange(lagos, t('2026-12-07T10:00:00+01:00')))).toBe('2026-12-07T16:00:00.000Z');
    expect(nextOpening(lagos, t('2026-12-07T10:00:00+01:00'))).toBe(t('2026-12-07T10:00:00+01:00'));
  });

  it('opens at 08:00 sharp and closes at 17:00 sharp (start included, end excluded)', () => {
    expect(isOpen(lagos, t('2026-12-07T07:59:59.999+01:00'))).toBe(false);
    expect(isOpen(lagos, t('2026-12-07T08:00:00+01:00'))).toBe(true);
    expect(isOpen(lagos, t('2026-12-07T16:59:59.999+01:00'))).toBe(true);
    expect(isOpen(lagos, t('2026-12-07T17:00:00+01:00'))).toBe(false);
  });

  it('after closing, the next opening is tomorrow at 08:00, in the student words', () => {
    const evening = t('2026-12-07T18:30:00+01:00');
    expect(isOpen(lagos, evening)).toBe(false);
    expect(iso(nextOpening(lagos, evening))).toBe('2026-12-08T07:00:00.000Z');
    expect(nextChange(lagos, evening)).toBe(nextOpening(lagos, evening));
    expect(describeOpening(lagos, evening)).toBe('tomorrow at 08:00');
    expect(describeOpening(lagos, t('2026-12-08T06:00:00+01:00'))).toBe('today at 08:00');
    expect(describeOpening(lagos, t('2026-12-08T09:00:00+01:00'))).toBe('now');
  });

  it('counts a Friday afternoon into Saturday morning, and Saturday afternoon into Monday', () => {
    expect(iso(addBusinessTime(lagos, t('2026-12-11T16:00:00+01:00'), 3 * HOUR))).toBe('2026-12-12T10:00:00.000Z');
    expect(describeOpening(lagos, t('2026-12-12T14:00:00+01:00'))).toBe('on Monday at 08:00');
    expect(businessTimeBetween(lagos, t('2026-12-11T16:00:00+01:00'), t('2026-12-14T09:00:00+01:00'))).toBe(6 * HOUR);
  });

  it('ends an addition at the closing instant when the time runs out exactly there', () => {
    expect(iso(addBusinessTime(lagos, t('2026-12-07T16:00:00+01:00'), HOUR))).toBe('2026-12-07T16:00:00.000Z');
    expect(addBusinessTime(lagos, t('2026-12-07T18:00:00+01:00'), 0)).toBe(t('2026-12-07T18:00:00+01:00'));
  });

  it('steps over a lunch gap', () => {
    const split = hoursIn('Africa/Lagos', {
      ...officeWeek,
      mon: [
        ['08:00', '12:00'],
        ['13:00', '17:00'],
      ],
    });
    expect(iso(nextChange(split, t('2026-12-07T11:00:00+01:00')))).toBe('2026-12-07T11:00:00.000Z');
    expect(iso(nextChange(split, t('2026-12-07T12:00:00+01:00')))).toBe('2026-12-07T12:00:00.000Z');
    expect(iso(addBusinessTime(split, t('2026-12-07T11:30:00+01:00'), HOUR))).toBe('2026-12-07T12:30:00.000Z');
  });
});

describe('Europe/London in the weeks its clocks change', () => {
  const london = hoursIn('Europe/London', { ...officeWeek, sun: [['00:00', '24:00']] });

  it('has a 23-hour Sunday when the clocks go forward (29 March 2026) and a 25-hour one when they go back', () => {
    expect(businessTimeBetween(london, t('2026-03-29T00:00:00Z'), t('2026-03-30T00:00:00+01:00'))).toBe(23 * HOUR);
    expect(businessTimeBetween(london, t('2026-10-25T00:00:00+01:00'), t('2026-10-26T00:00:00Z'))).toBe(25 * HOUR);
  });

  it('opens at 08:00 local on either side of the change: GMT on Friday, BST on Monday', () => {
    expect(iso(nextOpening(london, t('2026-03-27T05:00:00Z')))).toBe('2026-03-27T08:00:00.000Z');
    expect(iso(nextChange(london, t('2026-03-29T12:00:00+01:00')))).toBe('2026-03-29T23:00:00.000Z');
    expect(iso(nextOpening(london, t('2026-03-30T05:00:00Z')))).toBe('2026-03-30T07:00:00.000Z');
    expect(iso(nextOpening(london, t('2026-10-26T05:00:00Z')))).toBe('2026-10-26T08:00:00.000Z');
    // A working week's hours across the change: 5 × 9 + 4 on Saturday + the 23-hour Sunday.
    expect(businessTimeBetween(london, t('2026-03-23T00:00:00Z'), t('2026-03-30T00:00:00+01:00'))).toBe(
      (45 + 4 + 23) * HOUR,
    );
  });

  it('opens a time the clocks skip at the moment they jump', () => {
    // 01:00–02:00 does not exist on 29 March: "01:30" is 02:00 BST, 01:00 UTC.
    const early = hoursIn('Europe/London', { ...closedWeek, sun: [['01:30', '03:00']] });
    expect(iso(nextOpening(early, t('2026-03-29T00:30:00Z')))).toBe('2026-03-29T01:00:00.000Z');
    expect(isOpen(early, t('2026-03-29T00:59:59Z'))).toBe(false);
    // The student reads the clock as it will be: 02:00, not the "01:30" that never shows.
    expect(describeOpening(early, t('2026-03-28T20:00:00Z'))).toBe('tomorrow at 02:00');
    expect(businessTimeBetween(early, t('2026-03-29T00:00:00Z'), t('2026-03-30T00:00:00Z'))).toBe(HOUR);
    // An interval wholly inside the skipped hour never opens that day.
    const skipped = hoursIn('Europe/London', { ...closedWeek, sun: [['01:00', '01:45']] });
    expect(businessTimeBetween(skipped, t('2026-03-29T00:00:00Z'), t('2026-03-30T00:00:00Z'))).toBe(0);
    expect(businessTimeBetween(skipped, t('2026-03-22T00:00:00Z'), t('2026-03-23T00:00:00Z'))).toBe(45 * MINUTE);
  });

  it('reads a time that happens twice as its first occurrence (25 October)', () => {
    // 01:00–02:00 happens twice: first in BST (00:00–01:00 UTC), then in GMT (01:00–02:00 UTC).
    const short = hoursIn('Europe/London', { ...closedWeek, sun: [['00:00', '01:30']] });
    expect(iso(nextChange(short, t('2026-10-24T23:30:00Z')))).toBe('2026-10-25T00:30:00.000Z');
    expect(isOpen(short, t('2026-10-25T01:15:00Z'))).toBe(false);
    // A shift that runs through the repeated hour covers both passes: 00:30 BST to 02:00 GMT.
    const through = hoursIn('Europe/London', { ...closedWeek, sun: [['00:30', '02:00']] });
    expect(businessTimeBetween(through, t('2026-10-24T12:00:00Z'), t('2026-10-25T12:00:00Z'))).toBe(2.5 * HOUR);
  });
});

describe('a US zone: America/New_York', () => {
  const newYork = hoursIn('America/New_York', { ...officeWeek, sat: [] });

  it('carries an SLA clock over the weekend the clocks go forward (8 March 2026)', () => {
    // Friday 16:00 EST + 2 h: one hour on Friday, one on Monday from 08:00 EDT.
    expect(iso(addBusinessTime(newYork, t('2026-03-06T16:00:00-05:00'), 2 * HOUR))).toBe('2026-03-09T13:00:00.000Z');
    expect(businessTimeBetween(newYork, t('2026-03-06T16:00:00-05:00'), t('2026-03-09T09:00:00-04:00'))).toBe(2 * HOUR);
  });

  it('runs a night shift over midnight as one stretch, with no change at midnight', () => {
    const nights = hoursIn('America/New_York', { ...closedWeek, fri: [['22:00', '24:00']], sat: [['00:00', '02:00']] });
    const friday = t('2026-12-11T22:30:00-05:00');
    expect(iso(nextChange(nights, friday))).toBe('2026-12-12T07:00:00.000Z');
    expect(isOpen(nights, t('2026-12-12T00:00:00-05:00'))).toBe(true);
    expect(businessTimeBetween(nights, t('2026-12-11T00:00:00-05:00'), t('2026-12-13T00:00:00-05:00'))).toBe(4 * HOUR);
    expect(iso(addBusinessTime(nights, t('2026-12-11T12:00:00-05:00'), 3 * HOUR))).toBe('2026-12-12T06:00:00.000Z');
  });
});

describe('Christmas on a Friday, through the weekend (Lagos, 2026)', () => {
  const lagos = hoursIn('Africa/Lagos', officeWeek, {
    holidays: [
      { date: '2026-12-25', name: 'Christmas' },
      { date: '2026-12-28', name: 'Boxing Day (observed)' },
    ],
    exceptions: [
      { date: '2026-12-24', hours: [['08:00', '12:00']], name: 'Christmas Eve' },
      { date: '2026-12-26', hours: [] },
    ],
  });

  it('closes from Christmas Eve noon to Tuesday 08:00', () => {
    const eve = t('2026-12-24T12:00:00+01:00');
    expect(isOpen(lagos, t('2026-12-24T11:59:00+01:00'))).toBe(true);
    expect(isOpen(lagos, eve)).toBe(false);
    expect(iso(nextChange(lagos, t('2026-12-24T09:00:00+01:00')))).toBe('2026-12-24T11:00:00.000Z');
    expect(iso(nextOpening(lagos, eve))).toBe('2026-12-29T07:00:00.000Z');
    expect(describeOpening(lagos, eve)).toBe('on Tuesday at 08:00');
  });

  it('stops the SLA clock over the holidays and the weekend', () => {
    expect(iso(addBusinessTime(lagos, t('2026-12-24T11:00:00+01:00'), 2 * HOUR))).toBe('2026-12-29T08:00:00.000Z');
    expect(businessTimeBetween(lagos, t('2026-12-24T00:00:00+01:00'), t('2026-12-30T00:00:00+01:00'))).toBe(
      (4 + 9) * HOUR,
    );
  });

  it('names the date when the opening is a week or more away', () => {
    const longBreak = hoursIn('Africa/Lagos', officeWeek, {
      holidays: ['2026-12-24', '2026-12-25', '2026-12-28', '2026-12-29', '2026-12-30', '2026-12-31', '2027-01-01'].map(
        (date) => ({ date, name: 'Break' }),
      ),
      exceptions: [
        { date: '2026-12-26', hours: [] },
        { date: '2027-01-02', hours: [] },
      ],
    });
    expect(describeOpening(longBreak, t('2026-12-23T18:00:00+01:00'))).toBe('on Monday 4 January at 08:00');
  });
});

describe('schedules with no change', () => {
  const closed = hoursIn('Europe/London', closedWeek);

  it('answers undefined for an always-closed schedule instead of searching forever', () => {
    const now = t('2026-12-07T10:00:00Z');
    expect(isOpen(closed, now)).toBe(false);
    expect(nextChange(closed, now)).toBeUndefined();
    expect(nextOpening(closed, now)).toBeUndefined();
    expect(addBusinessTime(closed, now, HOUR)).toBeUndefined();
    expect(describeOpening(closed, now)).toBeUndefined();
    expect(businessTimeBetween(closed, now, now + 365 * 24 * HOUR)).toBe(0);
  });

  it('finds an opening up to the horizon, 400 days on, and none past it', () => {
    const now = t('2026-01-05T10:00:00Z');
    expect(HORIZON_DAYS).toBe(400);
    const near = hoursIn('UTC', closedWeek, { exceptions: [{ date: '2027-02-09', hours: [['09:00', '10:00']] }] });
    expect(iso(nextOpening(near, now))).toBe('2027-02-09T09:00:00.000Z');
    expect(iso(addBusinessTime(near, now, HOUR))).toBe('2027-02-09T10:00:00.000Z');
    const far = hoursIn('UTC', closedWeek, { exceptions: [{ date: '2027-02-10', hours: [['09:00', '10:00']] }] });
    expect(addBusinessTime(far, now, HOUR)).toBeUndefined();
    expect(nextOpening(far, now)).toBeUndefined();
  });

  it('treats unset hours (ALWAYS_OPEN) as open at every instant', () => {
    const now = t('2026-12-25T03:00:00Z');
    expect(isOpen(ALWAYS_OPEN, now)).toBe(true);
    expect(nextChange(ALWAYS_OPEN, now)).toBeUndefined();
    expect(nextOpening(ALWAYS_OPEN, now)).toBe(now);
    expect(addBusinessTime(ALWAYS_OPEN, now, 90 * 24 * HOUR)).toBe(now + 90 * 24 * HOUR);
    expect(businessTimeBetween(ALWAYS_OPEN, now, now + HOUR)).toBe(HOUR);
    expect(describeOpening(ALWAYS_OPEN, now)).toBe('now');
  });

  it('reports no change for a 24/7 week in a zone with DST either', () => {
    const allWeek = hoursIn('Europe/London', {
      mon: [['00:00', '24:00']],
      tue: [['00:00', '24:00']],
      wed: [['00:00', '24:00']],
      thu: [['00:00', '24:00']],
      fri: [['00:00', '24:00']],
      sat: [['00:00', '24:00']],
      sun: [['00:00', '24:00']],
    });
    expect(nextChange(allWeek, t('2026-03-01T00:00:00Z'))).toBeUndefined();
    expect(businessTimeBetween(allWeek, t('2026-03-01T00:00:00Z'), t('2026-04-01T00:00:00Z'))).toBe(
      t('2026-04-01T00:00:00Z') - t('2026-03-01T00:00:00Z'),
    );
  });
});

describe('instants and durations out of range', () => {
  const lagos = hoursIn('Africa/Lagos');

  // Intl throws a RangeError on these, and a throw in workflow code stalls the workflow.
  it.each([NaN, Infinity, -Infinity, 8.64e15, -8.64e15])(
    'answers %p as a time that never comes, without throwing',
    (at) => {
      expect(isOpen(lagos, at)).toBe(false);
      expect(nextChange(lagos, at)).toBeUndefined();
      expect(nextOpening(lagos, at)).toBeUndefined();
      expect(describeOpening(lagos, at)).toBeUndefined();
      expect(addBusinessTime(lagos, at, HOUR)).toBeUndefined();
      expect(businessTimeBetween(lagos, at, t('2026-12-07T10:00:00Z'))).toBe(0);
      expect(businessTimeBetween(lagos, t('2026-12-07T10:00:00Z'), at)).toBe(0);
    },
  );

  it('ends no addition of a duration that is not a number, and stops at the edge of time', () => {
    const now = t('2026-12-07T10:00:00Z');
    expect(addBusinessTime(lagos, now, NaN)).toBeUndefined();
    expect(addBusinessTime(lagos, now, Infinity)).toBeUndefined();
    expect(addBusinessTime(lagos, now, -HOUR)).toBe(now);
    expect(addBusinessTime(lagos, 8.6e15 - 10 * 24 * HOUR, 100 * HOUR)).toBeUndefined();
  });
});
