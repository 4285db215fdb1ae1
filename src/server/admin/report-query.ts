import pg from 'pg';
import { z } from 'zod';
import { PRIORITIES } from '../../../domain/support-policy';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import { businessZone, localMidnight, type ReportFilter } from '../../db/reports';
import { badRequest } from '../errors';
import { noteAudit } from './audit';
import { parse, type AdminContext } from './params';

// The query string the reports and the exports share: `from`, `to` (an ISO date, read as local
// midnight in `tz`, or a date-time with an offset), `tz` (an IANA zone; default: the business hours'
// zone), `label` and `priority`. The range is [from, to), at most 400 days; without `from`
// it is the 30 local days ending today, or the 30 days before `to`.

const MAX_RANGE_DAYS = 400;
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

/** An IANA zone name (`Africa/Lagos`, `UTC`, `Etc/GMT+5`): never an offset, which Postgres reads reversed. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** Whether Intl (and so every zone rule the product uses) knows the zone. */
function knownZone(tz: string): boolean {
  if (!ZONE_NAME.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const ReportQuery = z.object({
  from: Instant.optional(),
  to: Instant.optional(),
  tz: z.string().trim().min(1).max(64).refine(knownZone, 'not a time zone such as Africa/Lagos or UTC').optional(),
  label: z
    .string()
    .trim()
    .min(1)
    .max(50)
    .refine((name) => ![...name].some((c) => c < ' ' || c === '\u007f'), 'a label name has no control characters')
    .optional(),
  priority: z.enum(PRIORITIES).optional(),
});

/** `SQLSTATE 22023`: Postgres does not know a zone Intl knows (its tz database is older or newer). */
const INVALID_PARAMETER_VALUE = '22023';

/** The filter of a report or export request, noted on its audit row; 400 for anything malformed. */
export async function reportFilter(
  ctx: AdminContext,
  { db, config }: { db: Db; config: Pick<Config, 'businessHours'> },
  now = new Date(),
): Promise<ReportFilter> {
  const query = parse(ReportQuery, ctx.query, 'invalid_query', 'Invalid query');
  // The zone of the hours an admin set, else of BUSINESS_TIMEZONE (UTC when unset).
  const tz = query.tz ?? (await businessZone(db)) ?? config.businessHours.timezone;
  try {
    // Postgres groups by the zone too: one it does not know is refused here, not as a 500 later.
    await db.query('select now() at time zone $1', [tz]);
    const instant = (value: string) => (DATE.test(value) ? localMidnight(db, value, tz) : new Date(value));
    const to = query.to === undefined ? now : await instant(query.to);
    const from =
      query.from !== undefined
        ? await instant(query.from)
        : query.to === undefined
          ? await localMidnight(db, shiftDate(localDate(now, tz), -(DEFAULT_DAYS - 1)), tz)
          : new Date(to.getTime() - DEFAULT_DAYS * DAY_MS);
    if (from.getTime() >= to.getTime()) throw badRequest('invalid_query', 'Invalid query: from must be before to');
    if (to.getTime() - from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
      throw badRequest('invalid_query', `Invalid query: a range spans at most ${MAX_RANGE_DAYS} days`);
    }
    const filter: ReportFilter = { from, to, tz, ...pick(query, 'label'), ...pick(query, 'priority') };
    noteAudit(ctx, { details: filterDetails(filter) });
    return filter;
  } catch (err) {
    if (err instanceof pg.DatabaseError && err.code === INVALID_PARAMETER_VALUE) {
      throw badRequest('invalid_query', `Invalid query: tz: Postgres does not know the zone "${tz}"`);
    }
    throw err;
  }
}

function pick<T extends object, K extends keyof T>(value: T, key: K): Partial<Pick<T, K>> {
  return value[key] === undefined ? {} : ({ [key]: value[key] } as Partial<Pick<T, K>>);
}

/** The filter as JSON: what a report answers with and an audit row records. */
export function filterDetails(filter: ReportFilter): Record<string, string> {
  return {
    from: filter.from.toISOString(),
    to: filter.to.toISOString(),
    tz: filter.tz,
    ...pick(filter, 'label'),
    ...pick(filter, 'priority'),
  };
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function localDate(at: Date, tz: string): string {
  // en-CA writes dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    at,
  );
}

function shiftDate(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}
