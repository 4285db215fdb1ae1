import { ALWAYS_OPEN, type BusinessHours, type OpenInterval, WEEKDAYS, type Weekday } from '../domain/business-hours';
import { BusinessHoursSchema } from './business-hours-schema';

// BUSINESS_HOURS and BUSINESS_TIMEZONE (SPEC §2): the business hours in force until an admin sets
// some in the console. The variable is written for people, not as JSON:
//
//   BUSINESS_HOURS="mon-fri 08:00-17:00; sat 09:00-13:00"
//   BUSINESS_HOURS="mon-thu 08:00-12:00,13:00-17:00; fri 08:00-12:00"
//
// Groups are separated by ";", each one or more days (a day, or a range in week order such as
// "mon-fri", comma-separated) then one or more intervals "HH:MM-HH:MM" (comma-separated, in order;
// "24:00" closes at midnight). A day no group names is closed. Holidays are an admin's to set.

const DAY_RANGE = /^([a-z]{3})(?:-([a-z]{3}))?$/;
const INTERVAL = /^(\d{2}:\d{2})-(\d{2}:\d{2})$/;

/**
 * The hours the two variables describe, or a message saying what is wrong. Both unset: always open;
 * BUSINESS_TIMEZONE alone: always open, that zone being the one the console's editor starts from;
 * BUSINESS_HOURS alone is refused, since hours read in a zone nobody chose would open at the wrong time.
 */
export function parseBusinessHoursEnv(
  hours: string | undefined,
  timezone: string | undefined,
): BusinessHours | { variable: 'BUSINESS_HOURS' | 'BUSINESS_TIMEZONE'; message: string } {
  if (hours === undefined) {
    if (timezone === undefined) return ALWAYS_OPEN;
    const checked = BusinessHoursSchema.safeParse({ ...ALWAYS_OPEN, timezone });
    return checked.success ? checked.data : { variable: 'BUSINESS_TIMEZONE', message: firstMessage(checked.error) };
  }
  if (timezone === undefined) {
    return {
      variable: 'BUSINESS_TIMEZONE',
      message: 'required when BUSINESS_HOURS is set: an IANA time zone name such as "Africa/Lagos"',
    };
  }
  const weekly = readWeekly(hours);
  if (typeof weekly === 'string') return { variable: 'BUSINESS_HOURS', message: weekly };
  const checked = BusinessHoursSchema.safeParse({ timezone, weekly, holidays: [] });
  if (checked.success) return checked.data;
  const issue = checked.error.issues[0]!;
  return {
    variable: issue.path[0] === 'timezone' ? 'BUSINESS_TIMEZONE' : 'BUSINESS_HOURS',
    message: issue.path[0] === 'weekly' ? `${String(issue.path[1])}: ${issue.message}` : issue.message,
  };
}

function firstMessage(error: { issues: { message: string }[] }): string {
  return error.issues[0]!.message;
}

const FORMAT_HINT = 'write days then times, such as "mon-fri 08:00-17:00; sat 09:00-13:00"';

function readWeekly(text: string): Record<Weekday, OpenInterval[]> | string {
  const weekly = Object.fromEntries(WEEKDAYS.map((d) => [d, [] as OpenInterval[]])) as Record<Weekday, OpenInterval[]>;
  const named = new Set<Weekday>();
  const groups = text
    .toLowerCase()
    .split(';')
    .map((g) => g.trim())
    .filter((g) => g !== '');
  if (groups.length === 0) return `names no day: ${FORMAT_HINT}`;
  for (const group of groups) {
    const [daysText, timesText, ...rest] = group.split(/\s+/);
    if (timesText === undefined || rest.length > 0) return `"${group}" is not days then times: ${FORMAT_HINT}`;
    const days = readDays(daysText!);
    if (typeof days === 'string') return days;
    const intervals: OpenInterval[] = [];
    for (const part of timesText.split(',')) {
      const match = INTERVAL.exec(part);
      if (!match) return `"${part}" is not an interval such as 08:00-17:00`;
      intervals.push([match[1]!, match[2]!]);
    }
    for (const day of days) {
      if (named.has(day)) return `${day} is named twice`;
      named.add(day);
      weekly[day] = intervals;
    }
  }
  return weekly;
}

function readDays(text: string): Weekday[] | string {
  const days: Weekday[] = [];
  for (const part of text.split(',')) {
    const match = DAY_RANGE.exec(part);
    const from = WEEKDAYS.indexOf(match?.[1] as Weekday);
    const to = match?.[2] === undefined ? from : WEEKDAYS.indexOf(match[2] as Weekday);
    if (from < 0 || to < 0) return `"${part}" is not a day or range of days such as mon, sat or mon-fri`;
    if (to < from)
      return `"${part}" runs backwards: write days in week order, monday first (e.g. "sat,sun" or "mon-fri")`;
    days.push(...WEEKDAYS.slice(from, to + 1));
  }
  return days;
}
