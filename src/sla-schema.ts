import { z } from 'zod';
import { PRIORITIES, type Priority, type SlaPolicy } from '../domain/support-policy';
import { parseDuration } from './duration';

// The zod schemas of the SLA targets (SPEC §7.6). On the wire (`PUT /api/admin/sla`) targets are
// durations as in SPEC §2 ("15m", "1h", "2d"); inside, and in support_settings, they are milliseconds
// of business time (SlaPolicy). Both are checked against the same bounds.

/** A target shorter than this would breach before an agent could read the chat. */
export const MIN_SLA_TARGET_MS = 60_000;
/** Thirty days: longer is no target at all (and keeps every business-time search bounded). */
export const MAX_SLA_TARGET_MS = 30 * 86_400_000;

const BOUNDS_MESSAGE = 'must be from 1m to 30d';

const WireDuration = z
  .string()
  .max(32)
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'must be a duration such as "30m", "1h" or "2d"' });
      return z.NEVER;
    }
    if (ms < MIN_SLA_TARGET_MS || ms > MAX_SLA_TARGET_MS) {
      ctx.addIssue({ code: 'custom', message: BOUNDS_MESSAGE });
      return z.NEVER;
    }
    return ms;
  });

const StoredDuration = z.number().int().min(MIN_SLA_TARGET_MS, BOUNDS_MESSAGE).max(MAX_SLA_TARGET_MS, BOUNDS_MESSAGE);

const WarnAt = z.number().gt(0, 'must be between 0 and 1').lt(1, 'must be between 0 and 1');

/** Targets per priority: a strict object, so an unknown priority is refused by name. */
function targets<T extends z.ZodType<number, unknown>>(duration: T) {
  const shape = Object.fromEntries(PRIORITIES.map((p) => [p, duration.optional()])) as Record<
    Priority,
    z.ZodOptional<T>
  >;
  return z.strictObject(shape);
}

/** Drops the priorities without a target (an optional key present as undefined). */
function defined(record: Partial<Record<Priority, number | undefined>>): Partial<Record<Priority, number>> {
  return Object.fromEntries(Object.entries(record).filter(([, ms]) => ms !== undefined));
}

/** The body of `PUT /api/admin/sla`, read into a policy in milliseconds. */
export const SlaBodySchema: z.ZodType<SlaPolicy, unknown> = z
  .strictObject({
    firstResponse: targets(WireDuration),
    resolution: targets(WireDuration),
    warnAt: WarnAt,
    escalate: z.boolean(),
  })
  .transform((body) => ({ ...body, firstResponse: defined(body.firstResponse), resolution: defined(body.resolution) }));

/** A policy as support_settings keeps it (milliseconds), checked again whenever it is read. */
export const StoredSlaPolicySchema: z.ZodType<SlaPolicy, unknown> = z
  .strictObject({
    firstResponse: targets(StoredDuration),
    resolution: targets(StoredDuration),
    warnAt: WarnAt,
    escalate: z.boolean(),
  })
  .transform((body) => ({ ...body, firstResponse: defined(body.firstResponse), resolution: defined(body.resolution) }));

/** A policy written for the wire: every target as the largest whole unit that says it exactly ("90m", "1h", "2d"). */
export function slaToWire(policy: SlaPolicy): {
  firstResponse: Partial<Record<Priority, string>>;
  resolution: Partial<Record<Priority, string>>;
  warnAt: number;
  escalate: boolean;
} {
  const wire = (record: Partial<Record<Priority, number>>) =>
    Object.fromEntries(
      PRIORITIES.filter((p) => record[p] !== undefined).map((p) => [p, formatDuration(record[p]!)]),
    ) as Partial<Record<Priority, string>>;
  return {
    firstResponse: wire(policy.firstResponse),
    resolution: wire(policy.resolution),
    warnAt: policy.warnAt,
    escalate: policy.escalate,
  };
}

const UNITS: [suffix: string, ms: number][] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
];

/** Milliseconds as a duration of SPEC §2 that parseDuration reads back to the same number. */
export function formatDuration(ms: number): string {
  for (const [suffix, size] of UNITS) if (ms % size === 0) return `${ms / size}${suffix}`;
  return `${ms}ms`;
}
