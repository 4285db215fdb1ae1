import { MAX_HOLIDAYS, MAX_INTERVALS_PER_DAY, type BusinessHours } from '../../domain/business-hours';
import { BusinessHoursSchema } from '../../src/business-hours-schema';

// The schema of business hours (SPEC §7.6) takes the SPEC's shape and names the first thing wrong
// with anything else, by path, in words an admin can act on.

const spec: BusinessHours = {
  timezone: 'Africa/Lagos',
  weekly: {
    mon: [['08:00', '17:00']],
    tue: [['08:00', '17:00']],
    wed: [['08:00', '17:00']],
    thu: [['08:00', '17:00']],
    fri: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    sat: [['22:00', '24:00']],
    sun: [['00:00', '02:00']],
  },
  holidays: [{ date: '2026-12-25', name: 'Christmas' }],
  exceptions: [{ date: '2026-12-24', hours: [['08:00', '12:00']], name: 'Christmas Eve' }],
};

/** The issues of a value that must be refused, as "path: message" lines. */
function problems(value: unknown): string[] {
  const result = BusinessHoursSchema.safeParse(value);
  expect(result.success).toBe(false);
  return result.error!.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}
const withDay = (day: string, hours: unknown): unknown => ({ ...spec, weekly: { ...spec.weekly, [day]: hours } });

describe('the business hours schema', () => {
  it("takes SPEC §7.6's shape, with exceptions or without", () => {
    expect(BusinessHoursSchema.parse(spec)).toEqual(spec);
    const { exceptions: _exceptions, ...plain } = spec;
    expect(BusinessHoursSchema.parse(plain)).toEqual(plain);
  });

  it('takes IANA zones and refuses unknown ones and bare offsets', () => {
    for (const timezone of ['Europe/London', 'America/Argentina/Salta', 'Etc/GMT+1', 'UTC'])
      expect(BusinessHoursSchema.safeParse({ ...spec, timezone }).success).toBe(true);
    for (const timezone of ['Mars/Olympus_Mons', '+01:00', 'GMT+1:00', '', 'Africa/Lagos '])
      expect(problems({ ...spec, timezone })).toEqual([
        'timezone: must be an IANA time zone name such as "Africa/Lagos"',
      ]);
  });

  it('wants all seven days, and no others', () => {
    const { sun: _sun, ...sixDays } = spec.weekly;
    expect(problems({ ...spec, weekly: sixDays })).toEqual([expect.stringMatching(/^weekly\.sun: /)]);
    expect(problems({ ...spec, weekly: { ...spec.weekly, monday: [] } })).toEqual([
      expect.stringMatching(/^weekly: .*monday/),
    ]);
  });

  it('refuses times that are not HH:MM, "24:00" as an opening, and intervals that close before they open', () => {
    expect(problems(withDay('mon', [['8:00', '17:00']]))).toEqual([
      'weekly.mon.0.0: must be a time "HH:MM" from 00:00 to 23:59',
    ]);
    expect(problems(withDay('mon', [['08:00', '24:01']]))).toEqual([
      'weekly.mon.0.1: must be a time "HH:MM" from 00:00 to 24:00',
    ]);
    expect(problems(withDay('mon', [['24:00', '24:00']]))).toEqual([
      'weekly.mon.0.0: must be a time "HH:MM" from 00:00 to 23:59',
    ]);
    expect(problems(withDay('mon', [['17:00', '08:00']]))).toEqual([
      'weekly.mon.0: must close after it opens (to run past midnight, end at "24:00" and open at "00:00" the next day)',
    ]);
    expect(problems(withDay('mon', [['08:00', '08:00']]))).toHaveLength(1);
  });

  it('refuses overlapping or unordered intervals, and more than a day may hold', () => {
    const overlapping = problems(
      withDay('tue', [
        ['08:00', '12:00'],
        ['11:00', '17:00'],
      ]),
    );
    expect(overlapping).toEqual([
      'weekly.tue.1: must start at or after the previous interval ends (intervals in order, not overlapping)',
    ]);
    expect(
      problems(
        withDay('tue', [
          ['13:00', '17:00'],
          ['08:00', '12:00'],
        ]),
      ),
    ).toEqual(overlapping);
    // Touching intervals are fine: one stretch.
    expect(
      BusinessHoursSchema.safeParse(
        withDay('tue', [
          ['08:00', '12:00'],
          ['12:00', '17:00'],
        ]),
      ).success,
    ).toBe(true);
    const many = Array.from({ length: MAX_INTERVALS_PER_DAY + 1 }, (_, i) => [
      `${String(i).padStart(2, '0')}:00`,
      `${String(i).padStart(2, '0')}:30`,
    ]);
    expect(problems(withDay('wed', many))).toEqual([expect.stringMatching(/^weekly\.wed: /)]);
  });

  it('refuses dates that are not on the calendar, and a date given twice', () => {
    expect(problems({ ...spec, holidays: [{ date: '2026-02-30', name: 'Nope' }] })).toEqual([
      'holidays.0.date: must be a calendar date written YYYY-MM-DD, such as "2026-12-25"',
    ]);
    expect(problems({ ...spec, holidays: [{ date: '25/12/2026', name: 'Christmas' }] })).toHaveLength(1);
    expect(
      problems({
        ...spec,
        holidays: [...spec.holidays, { date: '2026-12-25', name: 'Christmas again' }],
      }),
    ).toEqual(['holidays.1.date: 2026-12-25 is listed twice']);
    expect(problems({ ...spec, exceptions: [{ date: '2026-12-25', hours: [] }] })).toEqual([
      'exceptions.0.date: 2026-12-25 is listed twice',
    ]);
  });

  it('refuses a nameless holiday and more holidays than the limit', () => {
    expect(problems({ ...spec, holidays: [{ date: '2026-12-25', name: '  ' }] })).toEqual([
      expect.stringMatching(/^holidays\.0\.name: /),
    ]);
    const days = Array.from({ length: MAX_HOLIDAYS + 1 }, (_, i) => ({
      date: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10),
      name: 'Day off',
    }));
    expect(problems({ ...spec, holidays: days })).toEqual([expect.stringMatching(/^holidays: /)]);
  });

  it('refuses a body that is not an object of that shape', () => {
    for (const value of [null, [], 'Africa/Lagos', { timezone: 'Africa/Lagos' }])
      expect(problems(value).length).toBeGreaterThan(0);
  });
});
