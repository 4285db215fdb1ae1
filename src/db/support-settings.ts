import type { z } from 'zod';
import type { BusinessHours } from '../../domain/business-hours';
import { NO_SLA, type SlaPolicy, type SupportPolicy } from '../../domain/support-policy';
import { BusinessHoursSchema } from '../business-hours-schema';
import { createLogger, type Logger } from '../logger';
import { StoredSlaPolicySchema } from '../sla-schema';
import { appendEventCte, eventParams, NOTIFY_APPENDED } from './events';
import type { Queryable } from './queryable';

// The support team's settings (SPEC §7.6): the business hours and SLA targets an admin set, one row
// each in support_settings. Without a row the start-up defaults hold (BUSINESS_HOURS and
// BUSINESS_TIMEZONE; no SLA targets). A row is checked again whenever it is read, because a row
// written by hand or by another version must not reach the workflow unchecked.

/** The start-up defaults a missing (or unreadable) row falls back to. */
export interface SupportDefaults {
  hours: BusinessHours;
}

export interface StoredSupportSettings {
  policy: SupportPolicy;
  /** When each setting was last written; null while its default holds. */
  hoursUpdatedAt: Date | null;
  slaUpdatedAt: Date | null;
}

interface DbSetting {
  name: 'business_hours' | 'sla';
  value: unknown;
  updated_at: Date;
}

// Only for the rare warning about a bad row, when the caller gave no logger of its own.
const fallbackLogger = createLogger('warn');

/** The policy in force: each stored row wins over its default; NO_SLA when no SLA was ever set. */
export async function readSupportPolicy(
  db: Queryable,
  defaults: SupportDefaults,
  logger: Logger = fallbackLogger,
): Promise<SupportPolicy> {
  return (await readSupportSettings(db, defaults, logger)).policy;
}

/** The policy in force with when each part was written (for the admin API). */
export async function readSupportSettings(
  db: Queryable,
  defaults: SupportDefaults,
  logger: Logger = fallbackLogger,
): Promise<StoredSupportSettings> {
  const { rows } = await db.query<DbSetting>(`select name, value, updated_at from support_settings`);
  const hoursRow = rows.find((r) => r.name === 'business_hours');
  const slaRow = rows.find((r) => r.name === 'sla');
  const hours = hoursRow && checked(BusinessHoursSchema, hoursRow, logger);
  const sla = slaRow && checked(StoredSlaPolicySchema, slaRow, logger);
  return {
    policy: { hours: hours ?? defaults.hours, sla: sla ?? NO_SLA },
    hoursUpdatedAt: hours ? hoursRow.updated_at : null,
    slaUpdatedAt: sla ? slaRow.updated_at : null,
  };
}

/** The row's value when the schema admits it; otherwise undefined, logged by the paths at fault only. */
function checked<T>(schema: z.ZodType<T, unknown>, row: DbSetting, logger: Logger): T | undefined {
  const result = schema.safeParse(row.value);
  if (result.success) return result.data;
  // Paths only: a holiday's name or anything else the row holds stays out of the log.
  const paths = result.error.issues.slice(0, 5).map((issue) => issue.path.map(String).join('.'));
  logger.warn('support setting unreadable, its default applies', { setting: row.name, paths });
  return undefined;
}

/** Stores the business hours (already checked by BusinessHoursSchema); answers when they were written. */
export async function writeBusinessHours(db: Queryable, hours: BusinessHours): Promise<Date> {
  return writeSetting(db, 'business_hours', hours);
}

/** Stores the SLA targets (milliseconds, already checked); answers when they were written. */
export async function writeSlaPolicy(db: Queryable, sla: SlaPolicy): Promise<Date> {
  return writeSetting(db, 'sla', sla);
}

/** The console event every write appends, so each open console shows the new settings at once. */
export const SUPPORT_SETTINGS_EVENT = 'support_settings';

// One statement: the row and its event commit together (appendEventCte holds its lock until commit).
async function writeSetting(db: Queryable, name: DbSetting['name'], value: unknown): Promise<Date> {
  const { rows } = await db.query<{ updated_at: Date }>(
    `with saved as (
       insert into support_settings (name, value, updated_at) values ($1, $2, now())
       on conflict (name) do update set value = excluded.value, updated_at = excluded.updated_at
       returning updated_at
     ), ${appendEventCte('saved', 3)}
     select (select updated_at from saved) as updated_at, ${NOTIFY_APPENDED}`,
    [
      name,
      JSON.stringify(value),
      ...eventParams({ kind: SUPPORT_SETTINGS_EVENT, contactId: null, payload: { setting: name } }),
    ],
  );
  return rows[0]!.updated_at;
}
