import fc from 'fast-check';
import { WEEKDAYS, type BusinessHours, type OpenInterval, type Weekday } from '../../domain/business-hours';
import { addBusinessTime, businessTimeBetween, isOpen, nextChange, nextOpening } from '../../domain/business-time';
import { instantOf, isoDate, localTime } from '../../domain/zoned-time';
import { fuzzRuns } from '../helpers/fuzz-values';

// Properties of business time for random schedules, instants and durations, in zones chosen for
// their clock changes: London and New York (an hour at 01:00/02:00), Havana (midnight skipped in
// spring), Santiago (back an hour across midnight), Lord Howe (a half-hour change), Chatham (+12:45),
// and Lagos, Kolkata and UTC without DST. Instants crowd around each zone's changes.
// BUSINESS_TIME_RUNS sets the runs per property, FUZZ_SEED replays one.

const RUNS = fuzzRuns('BUSINESS_TIME_RUNS', 300);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const ZONES = [
  'Europe/London',
  'America/New_York',
  'America/Havana',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Africa/Lagos',
  'Asia/Kolkata',
  'UTC',
];
const FROM = Date.UTC(2025, 6, 1);
const TO = Date.UTC(2027, 6, 1);

/** The instants where a zone's offset changes in [FROM, TO), found by minutes from a plain Intl reading. */
function clockChanges(zone: string): number[] {
  const offset = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
  const name = (at: number): string => offset.formatToParts(at).find((p) => p.type === 'timeZoneName')!.value;
  const changes: number[] = [];
  for (let at = FROM; at < TO; at += 6 * HOUR) {
    if (name(at) === name(at + 6 * HOUR)) continue;
    let minute = at;
    while (name(minute) === name(at)) minute += MINUTE;
    changes.push(minute);
  }
  return changes;
}
const CHANGES = new Map(ZONES.map((zone) => [zone, clockChanges(zone)]));

const hhmm = (minute: number): string =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** A day's intervals: boundaries on quarter hours (where clocks change), paired in order. */
const dayHours: fc.Arbitrary<OpenInterval[]> = fc
  .uniqueArray(fc.integer({ min: 0, max: 96 }), { maxLength: 6 })
  .map((quarters) => {
    const sorted = [...quarters].sort((a, b) => a - b);
    const intervals: OpenInterval[] = [];
    for (let i = 0; i + 1 < sorted.length; i += 2) intervals.push([hhmm(sorted[i]! * 15), hhmm(sorted[i + 1]! * 15)]);
    return intervals;
  });

const weekly = fc
  .tuple(...WEEKDAYS.map(() => fc.oneof(dayHours, fc.constant<OpenInterval[]>([['00:00', '24:00']]))))
  .map((days) => Object.fromEntries(WEEKDAYS.map((day, i) => [day, days[i]!])) as Record<Weekday, OpenInterval[]>);

const schedule: fc.Arbitrary<BusinessHours> = fc
  .record({
    timezone: fc.constantFrom(...ZONES),
    weekly,
    // Dated days among the changes' weeks and elsewhere: a holiday or an exception each.
    dated: fc.uniqueArray(fc.integer({ min: FROM / DAY, max: TO / DAY }), { maxLength: 40 }),
    exceptionHours: fc.array(fc.option(dayHours, { nil: undefined }), { minLength: 40, maxLength: 40 }),
  })
  .map(({ timezone, weekly, dated, exceptionHours }) => {
    const holidays: BusinessHours['holidays'] = [];
    const exceptions: NonNullable<BusinessHours['exceptions']> = [];
    dated.forEach((day, i) => {
      const hours = exceptionHours[i];
      if (hours === undefined) holidays.push({ date: isoDate(day), name: 'Holiday' });
      else exceptions.push({ date: isoDate(day), hours });
    });
    return { timezone, weekly, holidays, exceptions };
  });

/** Some open time every week, so additions always end. */
const openSchedule = schedule.filter((h) => WEEKDAYS.some((day) => h.weekly[day].length > 0));

/** An instant in the window, half the time within a day and a half of one of the zone's clock changes. */
const instantIn = (zone: string): fc.Arbitrary<number> => {
  const changes = CHANGES.get(zone)!;
  const uniform = fc.integer({ min: FROM, max: TO });
  if (changes.length === 0) return uniform;
  return fc.oneof(
    uniform,
    fc
      .tuple(fc.constantFrom(...changes), fc.integer({ min: -36 * HOUR, max: 36 * HOUR }))
      .map(([change, delta]) => change + delta),
    fc
      .tuple(fc.constantFrom(...changes), fc.integer({ min: -8, max: 8 }))
      .map(([change, quarters]) => change + quarters * 15 * MINUTE),
  );
};
const duration = fc.oneof(fc.integer({ min: 0, max: 3 * HOUR }), fc.integer({ min: 0, max: 20 * DAY }));

const withInstant = (hours: fc.Arbitrary<BusinessHours>) =>
  hours.chain((h) => fc.record({ h: fc.constant(h), at: instantIn(h.timezone) }));

describe('business time, for random schedules in zones with clock changes', () => {
  it('measures back what it adds: businessTimeBetween(s, addBusinessTime(s, d)) = d', () => {
    fc.assert(
      fc.property(withInstant(openSchedule), duration, ({ h, at }, d) => {
        const end = addBusinessTime(h, at, d);
        expect(end).toBeDefined();
        expect(businessTimeBetween(h, at, end!)).toBe(d);
        // The earliest such instant: any earlier one has less open time behind it.
        if (d > 0) expect(businessTimeBetween(h, at, end! - 1)).toBe(d - 1);
      }),
      RUNS,
    );
  });

  it('adds monotonically: a longer duration never ends earlier, and a strictly longer one ends later', () => {
    fc.assert(
      fc.property(withInstant(openSchedule), duration, duration, ({ h, at }, a, b) => {
        const [short, long] = a <= b ? [a, b] : [b, a];
        const shortEnd = addBusinessTime(h, at, short)!;
        const longEnd = addBusinessTime(h, at, long)!;
        if (short === long) expect(longEnd).toBe(shortEnd);
        else expect(longEnd).toBeGreaterThan(shortEnd);
      }),
      RUNS,
    );
  });

  it('flips the state exactly at nextChange, and holds it constant until then (sampled)', () => {
    fc.assert(
      fc.property(
        withInstant(schedule),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        ({ h, at }, samples) => {
          const open = isOpen(h, at);
          const change = nextChange(h, at);
          if (change === undefined) {
            // No change within the horizon: the same state a while later, and no opening if closed.
            expect(isOpen(h, at + 30 * DAY)).toBe(open);
            if (!open) expect(nextOpening(h, at)).toBeUndefined();
            return;
          }
          expect(change).toBeGreaterThan(at);
          expect(isOpen(h, change)).toBe(!open);
          expect(isOpen(h, change - 1)).toBe(open);
          for (const share of samples) {
            const inside = at + Math.floor((change - at) * share);
            if (inside >= change) continue;
            expect(isOpen(h, inside)).toBe(open);
            expect(nextChange(h, inside)).toBe(change);
          }
          // Open time between the two is all of it, or none of it.
          expect(businessTimeBetween(h, at, change)).toBe(open ? change - at : 0);
        },
      ),
      RUNS,
    );
  });

  it('gives the next opening as now when open, else as the next change', () => {
    fc.assert(
      fc.property(withInstant(schedule), ({ h, at }) => {
        if (isOpen(h, at)) expect(nextOpening(h, at)).toBe(at);
        else expect(nextOpening(h, at)).toBe(nextChange(h, at));
      }),
      RUNS,
    );
  });

  it('adds up open time over consecutive ranges, never more than the range itself', () => {
    fc.assert(
      fc.property(
        withInstant(schedule),
        fc.integer({ min: 0, max: 10 * DAY }),
        fc.integer({ min: 0, max: 10 * DAY }),
        ({ h, at }, first, second) => {
          const whole = businessTimeBetween(h, at, at + first + second);
          expect(whole).toBe(
            businessTimeBetween(h, at, at + first) + businessTimeBetween(h, at + first, at + first + second),
          );
          expect(whole).toBeGreaterThanOrEqual(0);
          expect(whole).toBeLessThanOrEqual(first + second);
        },
      ),
      RUNS,
    );
  });
});

/**
 * The reference for a local time's instant, by walking the zone's clock a minute at a time: the first
 * instant whose wall clock reads `minute` of `day` or later (clocks change on whole minutes).
 */
function firstReach(zone: string, day: number, minute: number): number {
  const wall = (at: number): number => {
    const local = localTime(zone, at);
    return local.day * 1440 + local.minute;
  };
  const target = day * 1440 + minute;
  // Start well before: three hours earlier than the offset two days before suggests.
  const guess = day * DAY + minute * MINUTE - (wall(day * DAY - 2 * DAY) * MINUTE - (day * DAY - 2 * DAY));
  let at = Math.floor((guess - 3 * HOUR) / MINUTE) * MINUTE;
  expect(wall(at)).toBeLessThan(target);
  while (wall(at) < target) at += MINUTE;
  return at;
}

describe('local times in zones with clock changes', () => {
  // Any local time on any day, or one within two hours of what the clock read just before a change:
  // the skipped stretch after a spring change, the repeated one before an autumn change.
  const localMoment = fc.constantFrom(...ZONES).chain((zone) => {
    const anyTime = fc.record({
      zone: fc.constant(zone),
      day: fc.integer({ min: FROM / DAY, max: TO / DAY }),
      minute: fc.oneof(
        fc.integer({ min: 0, max: 96 }).map((q) => q * 15),
        fc.integer({ min: 0, max: 1440 }),
      ),
    });
    const changes = CHANGES.get(zone)!;
    if (changes.length === 0) return anyTime;
    const nearChange = fc
      .tuple(fc.constantFrom(...changes), fc.integer({ min: -120, max: 120 }))
      .map(([change, delta]) => {
        const before = localTime(zone, change - MINUTE);
        const wall = before.day * 1440 + before.minute + 1 + delta;
        const day = Math.floor(wall / 1440);
        return { zone, day, minute: wall - day * 1440 };
      });
    return fc.oneof(anyTime, nearChange);
  });

  it('map to the first instant the wall clock reaches them (a skipped time: the jump; a repeated one: its first pass)', () => {
    fc.assert(
      fc.property(localMoment, ({ zone, day, minute }) => {
        expect(new Date(instantOf(zone, day, minute)).toISOString()).toBe(
          new Date(firstReach(zone, day, minute)).toISOString(),
        );
      }),
      { ...RUNS, numRuns: Math.ceil(RUNS.numRuns / 2) },
    );
  });

  it('finds clock changes in every DST zone of the list (the generators above rely on them)', () => {
    for (const zone of [
      'Europe/London',
      'America/New_York',
      'America/Havana',
      'America/Santiago',
      'Australia/Lord_Howe',
      'Pacific/Chatham',
    ])
      expect(CHANGES.get(zone)!.length).toBeGreaterThanOrEqual(3);
  });
});
