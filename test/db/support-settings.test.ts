import type { BusinessHours } from '../../domain/business-hours';
import { ALWAYS_OPEN } from '../../domain/business-hours';
import { NO_SLA, type SlaPolicy } from '../../domain/support-policy';
import type { Db } from '../../src/db/pool';
import {
  readSupportPolicy,
  readSupportSettings,
  writeBusinessHours,
  writeSlaPolicy,
} from '../../src/db/support-settings';
import { createLogger } from '../../src/logger';
import { createTestDatabase } from '../helpers/database';

// The support team's settings in Postgres: a stored row wins over the start-up default, and a row that
// no longer reads (written by hand, or by another version) falls back to it with a warning that names
// the setting and the fields at fault, never what the row holds.

const LAGOS: BusinessHours = {
  timezone: 'Africa/Lagos',
  weekly: {
    mon: [['08:00', '17:00']],
    tue: [['08:00', '17:00']],
    wed: [
      ['08:00', '12:00'],
      ['13:00', '17:00'],
    ],
    thu: [['08:00', '17:00']],
    fri: [['08:00', '17:00']],
    sat: [['09:00', '13:00']],
    sun: [],
  },
  holidays: [{ date: '2026-12-25', name: 'Christmas' }],
};

const SLA: SlaPolicy = {
  firstResponse: { normal: 3_600_000, urgent: 900_000 },
  resolution: { normal: 86_400_000 },
  warnAt: 0.75,
  escalate: true,
};

let db: Db;
beforeAll(async () => {
  ({ db } = await createTestDatabase({ migrated: true }));
});
afterEach(async () => {
  await db.query('delete from support_settings');
});

function capturingLogger() {
  const lines: string[] = [];
  return { logger: createLogger('debug', {}, { write: (line: string) => lines.push(line) }), lines };
}

it('answers the default hours and no SLA while nothing is stored', async () => {
  expect(await readSupportPolicy(db, { hours: LAGOS })).toEqual({ hours: LAGOS, sla: NO_SLA });
  expect(await readSupportSettings(db, { hours: ALWAYS_OPEN })).toEqual({
    policy: { hours: ALWAYS_OPEN, sla: NO_SLA },
    hoursUpdatedAt: null,
    slaUpdatedAt: null,
  });
});

it('answers the stored hours and SLA over the defaults, the latest write winning', async () => {
  await writeBusinessHours(db, ALWAYS_OPEN);
  const hoursAt = await writeBusinessHours(db, LAGOS);
  const slaAt = await writeSlaPolicy(db, SLA);

  expect(await readSupportPolicy(db, { hours: ALWAYS_OPEN })).toEqual({ hours: LAGOS, sla: SLA });
  const settings = await readSupportSettings(db, { hours: ALWAYS_OPEN });
  expect(settings.hoursUpdatedAt).toEqual(hoursAt);
  expect(settings.slaUpdatedAt).toEqual(slaAt);
  const { rows } = await db.query<{ n: string }>('select count(*) as n from support_settings');
  expect(rows[0]!.n).toBe('2');
});

it('appends a console event naming the setting with every write, nothing of its content', async () => {
  const { rows: before } = await db.query<{ id: string }>('select coalesce(max(id), 0) as id from events');
  await writeBusinessHours(db, LAGOS);
  await writeSlaPolicy(db, SLA);
  const { rows } = await db.query<{ kind: string; contact_id: string | null; payload: unknown }>(
    'select kind, contact_id, payload from events where id > $1 order by id',
    [before[0]!.id],
  );
  expect(rows).toEqual([
    { kind: 'support_settings', contact_id: null, payload: { setting: 'business_hours' } },
    { kind: 'support_settings', contact_id: null, payload: { setting: 'sla' } },
  ]);
});

it('keeps the optional exceptions of the hours', async () => {
  const withException: BusinessHours = {
    ...LAGOS,
    exceptions: [{ date: '2026-12-24', hours: [['08:00', '12:00']], name: 'Christmas Eve' }],
  };
  await writeBusinessHours(db, withException);
  expect((await readSupportPolicy(db, { hours: ALWAYS_OPEN })).hours).toEqual(withException);
});

it('falls back to the default for a row that no longer reads, and logs which fields without their content', async () => {
  const secretName = 'Secret holiday of a student named Ada';
  await db.query(`insert into support_settings (name, value) values ('business_hours', $1), ('sla', $2)`, [
    JSON.stringify({ ...LAGOS, timezone: 'Mars/Olympus', holidays: [{ date: '2026-13-01', name: secretName }] }),
    JSON.stringify({ ...SLA, warnAt: 1.5 }),
  ]);
  const { logger, lines } = capturingLogger();

  const settings = await readSupportSettings(db, { hours: ALWAYS_OPEN }, logger);

  expect(settings).toEqual({ policy: { hours: ALWAYS_OPEN, sla: NO_SLA }, hoursUpdatedAt: null, slaUpdatedAt: null });
  const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(entries).toEqual([
    expect.objectContaining({ level: 'warn', setting: 'business_hours', paths: ['timezone', 'holidays.0.date'] }),
    expect.objectContaining({ level: 'warn', setting: 'sla', paths: ['warnAt'] }),
  ]);
  expect(lines.join('')).not.toContain('Ada');
  expect(lines.join('')).not.toContain('Mars');
});

it('refuses a stored SLA whose target is out of bounds or names an unknown priority', async () => {
  for (const bad of [
    { ...SLA, firstResponse: { normal: 1000 } },
    { ...SLA, resolution: { someday: 3_600_000 } },
    { ...SLA, firstResponse: { normal: '1h' } },
  ]) {
    await db.query(
      `insert into support_settings (name, value) values ('sla', $1) on conflict (name) do update set value = $1`,
      [JSON.stringify(bad)],
    );
    const { logger, lines } = capturingLogger();
    expect((await readSupportPolicy(db, { hours: ALWAYS_OPEN }, logger)).sla).toEqual(NO_SLA);
    expect(lines).toHaveLength(1);
  }
});
