import type Router from '@koa/router';
import type { BusinessHours } from '../../../domain/business-hours';
import { isOpen, nextChange } from '../../../domain/business-time';
import type { SlaPolicy } from '../../../domain/support-policy';
import { BusinessHoursSchema } from '../../business-hours-schema';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import { readSupportSettings, writeBusinessHours, writeSlaPolicy } from '../../db/support-settings';
import type { Logger } from '../../logger';
import { SlaBodySchema, slaToWire } from '../../sla-schema';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { parse, readJsonBody } from './params';

// The support team's business hours and SLA targets (SPEC §7.6). Every agent reads them (the console
// shows whether the team is open); only admins write them. A write stores the row and appends a
// `support_settings` event in one statement, so every open console updates, and conversations read
// the new policy at their next turn. Until an admin writes one, the start-up default answers
// (BUSINESS_HOURS, BUSINESS_TIMEZONE; no SLA targets), with `updatedAt` null.

type SupportSettingsDeps = { config: Config; db: Db; logger: Logger };

/** The hours as stored, with whether the team is open now and when that next changes (ISO, or null: never). */
function hoursJson(hours: BusinessHours, updatedAt: Date | null, now: number) {
  const change = nextChange(hours, now);
  return {
    timezone: hours.timezone,
    weekly: hours.weekly,
    holidays: hours.holidays,
    ...(hours.exceptions !== undefined ? { exceptions: hours.exceptions } : {}),
    openNow: isOpen(hours, now),
    nextChange: change === undefined ? null : new Date(change).toISOString(),
    updatedAt: updatedAt?.toISOString() ?? null,
  };
}

const slaJson = (sla: SlaPolicy, updatedAt: Date | null) => ({
  ...slaToWire(sla),
  updatedAt: updatedAt?.toISOString() ?? null,
});

// The answers' shapes, for the browser code's type check (src/web/api-types.d.ts).
export type BusinessHoursJson = ReturnType<typeof hoursJson>;
export type SlaJson = ReturnType<typeof slaJson>;

/** How many targets a policy sets, for the audit row (the targets themselves are no secret, but long). */
const targetCount = (sla: SlaPolicy) => Object.keys(sla.firstResponse).length + Object.keys(sla.resolution).length;

export function mountSupportSettingsRoutes(
  router: Router<AdminState>,
  deps: SupportSettingsDeps,
  guard: AdminGuard,
): void {
  const { db, logger } = deps;
  const defaults = { hours: deps.config.businessHours };

  router.get('/api/admin/business-hours', ...guard('business_hours.get', AGENT_OR_ADMIN), async (ctx) => {
    const settings = await readSupportSettings(db, defaults, logger);
    ctx.body = { status: 'success', ...hoursJson(settings.policy.hours, settings.hoursUpdatedAt, Date.now()) };
  });

  router.put('/api/admin/business-hours', ...guard('business_hours.set', ADMIN_ONLY), async (ctx) => {
    const hours = parse(
      BusinessHoursSchema,
      await readJsonBody(ctx),
      'invalid_business_hours',
      'Invalid business hours',
    );
    noteAudit(ctx, {
      details: {
        timezone: hours.timezone,
        intervals: Object.values(hours.weekly).reduce((n, day) => n + day.length, 0),
        holidays: hours.holidays.length,
        exceptions: hours.exceptions?.length ?? 0,
      },
    });
    const updatedAt = await writeBusinessHours(db, hours);
    ctx.body = {
      status: 'success',
      message: 'Business hours saved',
      timestamp: new Date().toISOString(),
      ...hoursJson(hours, updatedAt, Date.now()),
    };
  });

  router.get('/api/admin/sla', ...guard('sla.get', AGENT_OR_ADMIN), async (ctx) => {
    const settings = await readSupportSettings(db, defaults, logger);
    ctx.body = { status: 'success', ...slaJson(settings.policy.sla, settings.slaUpdatedAt) };
  });

  router.put('/api/admin/sla', ...guard('sla.set', ADMIN_ONLY), async (ctx) => {
    const sla = parse(SlaBodySchema, await readJsonBody(ctx), 'invalid_sla', 'Invalid SLA targets');
    noteAudit(ctx, { details: { targets: targetCount(sla), warnAt: sla.warnAt, escalate: sla.escalate } });
    const updatedAt = await writeSlaPolicy(db, sla);
    ctx.body = {
      status: 'success',
      message: 'SLA targets saved',
      timestamp: new Date().toISOString(),
      ...slaJson(sla, updatedAt),
    };
  });
}
