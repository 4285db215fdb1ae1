import fc from 'fast-check';
import { WEEKDAYS } from '../../../domain/business-hours';
import { PRIORITIES } from '../../../domain/support-policy';
import { json, shortText } from '../../helpers/fuzz-values';

// Bodies of PUT /api/admin/business-hours and PUT /api/admin/sla for the admin fuzz: near misses of
// every field and garbage. A body that is accepted leaves the run's team always open and without
// SLA targets, so the other routes the run drives (chats starting, agents replying) behave as before.

const time = fc.oneof(fc.constantFrom('00:00', '08:00', '17:00', '23:59', '24:00', '25:00', '8:00', ''), shortText);

const zone = fc.oneof(fc.constantFrom('UTC', 'Africa/Lagos', 'America/St_Johns', 'Mars/Olympus', ''), shortText);

const alwaysOpenWeekly = Object.fromEntries(WEEKDAYS.map((day) => [day, [['00:00', '24:00']]]));

/** Any weekly table: the seven days with any intervals, or other keys; it never reads as always open. */
const someWeekly = fc.dictionary(
  fc.oneof(fc.constantFrom(...WEEKDAYS), shortText),
  fc.oneof(fc.array(fc.tuple(time, time), { maxLength: 3 }), json),
  { maxKeys: 8 },
);

const holiday = fc.record(
  {
    date: fc.oneof(fc.constantFrom('2026-12-25', '2026-02-30', '26-12-25'), shortText),
    name: fc.oneof(shortText, json),
  },
  { requiredKeys: [] },
);

export const businessHoursBody: fc.Arbitrary<unknown> = fc.oneof(
  // Accepted: always open, in any zone.
  { weight: 1, arbitrary: zone.map((timezone) => ({ timezone, weekly: alwaysOpenWeekly, holidays: [] })) },
  {
    weight: 3,
    arbitrary: fc.record(
      { timezone: zone, weekly: someWeekly, holidays: fc.oneof(fc.array(holiday, { maxLength: 3 }), json) },
      { requiredKeys: ['weekly'] },
    ),
  },
  { weight: 1, arbitrary: json },
);

const target = fc.oneof(fc.constantFrom('1m', '1h', '30s', '31d', '1.5h', 'soon', ''), shortText, json);

const targets = fc.dictionary(fc.oneof(fc.constantFrom(...PRIORITIES), shortText), target, { maxKeys: 5 });

export const slaBody: fc.Arbitrary<unknown> = fc.oneof(
  // Accepted: no targets, so no clock runs.
  {
    weight: 1,
    arbitrary: fc.record({
      firstResponse: fc.constant({}),
      resolution: fc.constant({}),
      warnAt: fc.double({ min: 0.01, max: 0.99, noNaN: true }),
      escalate: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc
      .record(
        {
          firstResponse: targets,
          resolution: targets,
          warnAt: fc.oneof(fc.double(), json),
          escalate: fc.oneof(fc.boolean(), json),
        },
        { requiredKeys: [] },
      )
      // A body that sets a target and is otherwise right would start clocks in the run's chats.
      .filter((b) => !(setsTargets(b) && readsAsPolicy(b))),
  },
  { weight: 1, arbitrary: json },
);

function setsTargets(body: { firstResponse?: object; resolution?: object }): boolean {
  return Object.keys(body.firstResponse ?? {}).length + Object.keys(body.resolution ?? {}).length > 0;
}

function readsAsPolicy(body: { warnAt?: unknown; escalate?: unknown }): boolean {
  const { warnAt, escalate } = body;
  return typeof escalate === 'boolean' && typeof warnAt === 'number' && warnAt > 0 && warnAt < 1;
}
