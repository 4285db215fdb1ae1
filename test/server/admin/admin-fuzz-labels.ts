import fc from 'fast-check';
import { PRIORITIES } from '../../../domain/support-policy';
import { json, shortText } from '../../helpers/fuzz-values';

// Bodies and query values of the label and priority routes for the admin fuzz: a few names that a run
// creates and sets, near misses of every field (colours, case, lengths, types) and garbage.

/** Label names a run is likely to create, then set on conversations, filter by and rename. */
const NAMES = ['Billing', 'billing', 'Exam fees', 'VIP', 'x'.repeat(50), 'x'.repeat(51), ' ', ''];

export const labelName: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NAMES) },
  { weight: 1, arbitrary: shortText },
);

const color = fc.oneof(
  fc.constantFrom('#a1b2c3', '#A1B2C3', '#fff', '#12345g', 'red', '#1234567', ''),
  shortText,
  json,
);

const priority = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PRIORITIES) },
  { weight: 1, arbitrary: fc.oneof(fc.constantFrom('URGENT', 'critical', ''), shortText) },
);

/** `?priority=`: the four and near misses. */
export const priorityText: fc.Arbitrary<string> = priority;

export const labelBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ name: fc.oneof(labelName, json), color }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: json },
);

export const conversationLabelsBody: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      labels: fc.oneof(
        { weight: 4, arbitrary: fc.array(labelName, { maxLength: 4 }) },
        { weight: 1, arbitrary: fc.array(labelName, { minLength: 21, maxLength: 22 }) },
        { weight: 1, arbitrary: json },
      ),
    }),
  },
  { weight: 1, arbitrary: json },
);

export const priorityBody: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ priority: fc.oneof(priority, json) }) },
  { weight: 1, arbitrary: json },
);
