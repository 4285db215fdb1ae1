import fc from 'fast-check';
import { expandDeep, json, loose, numericText, shortText, text } from '../../helpers/fuzz-values';
import { NEXT_CURSOR, type FuzzRequest } from './admin-fuzz-routes';

// The parts of generated admin requests: path parameters in odd formats and out of range, query
// values and strings with repeated and unknown keys, cursors of the right shape holding anything,
// bodies of the right shape with strange values or of no shape at all, under any content type.

/** Bytes as a URL's path or query holds them: unreserved characters as they are, the rest %XX. */
export function percentEncode(value: string | Uint8Array): string {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  let out = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Header values as fetch sends them: visible Latin-1 and spaces (CR, LF and NUL cannot be sent). */
export const headerText = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 40,
});

/** A path segment or query value: text encoded, raw bytes (malformed UTF-8, %2F, %00) or a broken escape. */
export const encoded = (value: fc.Arbitrary<string>) =>
  fc.oneof(
    { weight: 8, arbitrary: value.map(percentEncode) },
    { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 12 }).map(percentEncode) },
    { weight: 1, arbitrary: fc.constantFrom('%', '%Z1', '%E0%A4%A', '%2F', '%00', '%2e%2e', 'a%2Fb', '%C0%AF') },
  );

/**
 * A conversation as a path names it: a known student's phone number in the formats agents type, their
 * contact id (`contacts`), or something that names no contact.
 */
export function phoneSegment(known: readonly string[], contacts: readonly string[] = []): fc.Arbitrary<string> {
  // The formats agents type (digits, +, spaces, dashes, brackets, dots), and ones that are no number.
  const formats = (d: string) => [
    d,
    `+${d}`,
    `+${d.slice(0, 1)} ${d.slice(1, 4)}-${d.slice(4, 7)}-${d.slice(7)}`,
    `(${d.slice(0, 4)}) ${d.slice(4)}`,
    ` ${d}.`,
  ];
  const odd = fc.oneof(
    fc.stringMatching(/^\+?[0-9]{1,20}$/),
    fc.constantFrom(
      '١٥٥٥٠٠٠١١١١',
      '１５５５０００１１１１',
      `00${known[0]}`,
      '+',
      ' ',
      '1'.repeat(3000),
      'messages',
      '-1',
    ),
    shortText,
  );
  return fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom(...known.flatMap(formats)).map(percentEncode) },
    ...(contacts.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...contacts) }] : []),
    { weight: 2, arbitrary: encoded(odd) },
  );
}

export const digits = (maxLength: number) => fc.stringMatching(new RegExp(`^-?[0-9]{1,${maxLength}}$`));
export const idText = fc.oneof(
  { weight: 4, arbitrary: digits(25) },
  { weight: 2, arbitrary: numericText },
  { weight: 1, arbitrary: shortText },
  { weight: 3, arbitrary: fc.constant(NEXT_CURSOR) },
);
export const limit = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -5, max: 130 }).map(String) },
  { weight: 1, arbitrary: numericText },
  { weight: 1, arbitrary: shortText },
);
const base64url = (value: string) => Buffer.from(value, 'utf8').toString('base64url');
/** A conversation cursor's activity time in epoch microseconds: any size, the edges of bigint and of years 1–9999. */
const activityMicros = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt({ min: -(10n ** 20n) + 1n, max: 10n ** 20n - 1n }).map(String) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '9223372036854775807',
      '-9223372036854775808',
      '253402300800000000',
      '-62135596800000001',
      '0',
    ),
  },
  { weight: 1, arbitrary: numericText },
);
export const conversationCursor = fc.oneof(
  { weight: 3, arbitrary: fc.constant(NEXT_CURSOR) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(loose(activityMicros), loose(fc.oneof(fc.stringMatching(/^[0-9]{1,15}$/), digits(16), shortText)))
      .map((tuple) => base64url(expandDeep(JSON.stringify(tuple)))),
  },
  { weight: 1, arbitrary: json.map((value) => base64url(expandDeep(JSON.stringify(value) ?? 'null'))) },
  { weight: 1, arbitrary: shortText },
);
export const searchCursor = fc.oneof(
  { weight: 3, arbitrary: fc.constant(NEXT_CURSOR) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        loose(activityMicros),
        loose(fc.constantFrom('message', 'conversation')),
        loose(fc.oneof(fc.stringMatching(/^[0-9]{1,18}$/), digits(20), shortText)),
      )
      .map((tuple) => base64url(expandDeep(JSON.stringify(tuple)))),
  },
  { weight: 1, arbitrary: shortText },
);
/** What an agent types in the search box: names, numbers in any format, words, or anything. */
export const searchText = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('Test User', 'hello', 'support', '+1 555', '0000', 'a:*', "o'brien", '!!') },
  { weight: 4, arbitrary: text },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(200), 'x'.repeat(201), '&|!()<->:*', '\t \n') },
);

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const isoDate = fc
  .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }))
  .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`);
export const instant = fc.oneof(
  fc.integer({ min: -400 * 86_400, max: 86_400 }).map((s) => new Date(Date.now() + s * 1000).toISOString()),
  isoDate,
  fc
    .tuple(
      isoDate,
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 61 }),
      fc.option(fc.stringMatching(/^[0-9]{1,12}$/)),
      fc.constantFrom('Z', '+00:00', '-23:59', '+24:00', '+14:00', '', 'z'),
    )
    .map(([date, h, m, frac, zone]) => `${date}T${pad(h, 2)}:${pad(m, 2)}:00${frac ? `.${frac}` : ''}${zone}`),
  shortText,
);

export type QueryKeys = Record<string, fc.Arbitrary<string>>;

/** A query string over a route's own keys, some unknown ones, repeats and array syntax. */
export function query(keys: QueryKeys): fc.Arbitrary<string> {
  const names = Object.keys(keys);
  const pair: fc.Arbitrary<[string, string]> = fc.oneof(
    {
      weight: 8,
      arbitrary:
        names.length > 0
          ? fc.constantFrom(...names).chain((k) => keys[k]!.map((v) => [k, v]))
          : fc.constant(['x', '1']),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.constantFrom('__proto__', 'constructor', 'limit[]', 'limit[a]', 'x', ''), limit),
    },
    { weight: 1, arbitrary: fc.tuple(shortText, shortText) },
  ) as fc.Arbitrary<[string, string]>;
  return fc.array(pair, { maxLength: 4 }).map((pairs) => {
    if (pairs.length === 0) return '';
    const parts = pairs.map(([k, v]) =>
      v === NEXT_CURSOR ? `${percentEncode(k)}=${v}` : `${percentEncode(k)}=${percentEncode(v)}`,
    );
    return `?${parts.join('&')}`;
  });
}

const agentText = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom('Hello from support', 'Can you share question 3?', '  padded  ', 'ok') },
  { weight: 4, arbitrary: text },
  {
    weight: 1,
    arbitrary: fc.constantFrom('x'.repeat(4096), '😀'.repeat(4000), 'x'.repeat(4097), '   ', '', '\u3000', '\u200b'),
  },
);
/** An uploaded file's id as a send names it: ids of files nobody uploaded, and ids that are no ids. */
const attachment = fc.record(
  {
    id: loose(fc.oneof(fc.integer({ min: -2, max: 50 }), fc.constant(Number.MAX_SAFE_INTEGER + 2))),
    caption: loose(agentText),
  },
  { requiredKeys: ['id'] },
);
/** A template send: the sandbox's templates by name, with values that fit them, miss, or break WhatsApp's rules. */
export const templateBody = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record(
      {
        name: loose(fc.constantFrom('support_follow_up', 'homework_reminder', 'exam_results_offer', 'nope')),
        language: loose(fc.constantFrom('en', 'es', 'en_US')),
        parameters: loose(
          fc.oneof(
            fc.record({ first_name: loose(agentText) }, { requiredKeys: [] }),
            fc.record({ '1': loose(agentText), '2': loose(agentText), 'header.1': agentText }, { requiredKeys: [] }),
            fc.dictionary(shortText, loose(agentText), { maxKeys: 3 }),
          ),
        ),
      },
      { requiredKeys: ['name'] },
    ),
  },
  { weight: 1, arbitrary: json },
);
export const chatBody = fc.oneof(
  { weight: 6, arbitrary: fc.record({ message: loose(agentText) }) },
  { weight: 2, arbitrary: fc.record({ message: loose(agentText), attachment }, { requiredKeys: ['attachment'] }) },
  { weight: 2, arbitrary: fc.record({ message: loose(agentText) }, { requiredKeys: [] }) },
  { weight: 1, arbitrary: fc.record({ message: agentText, extra: json }) },
  { weight: 1, arbitrary: json },
);
export const tokenBody = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        name: loose(
          fc.oneof(
            fc.constantFrom(
              'Ada',
              'Grace Hopper',
              'Ada 👩‍👩‍👧',
              'ADMIN_TOKEN',
              'ADMIN\u200b_TOKEN',
              'Ada\u202e',
              'anonymous',
              ' ',
            ),
            text,
          ),
        ),
        role: loose(fc.oneof({ weight: 4, arbitrary: fc.constantFrom('admin', 'agent') }, shortText)),
      },
      { requiredKeys: [] },
    ),
  },
  { weight: 1, arbitrary: json },
);

const RAW_BODIES = [
  '',
  '{',
  '{"message": "hi"',
  'null',
  '[]',
  '"hi"',
  '\ufeff{"message":"hi"}',
  'message=hi',
  '{"message":"a\\u0000b"}',
  '{"message":"\\ud800"}',
  '{"message":"\\udfff\\ud800"}',
  '{"name":"x","role":"agent","role":"admin"}',
  '{"__proto__":{"role":"admin"},"name":"x"}',
];
const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json; charset=utf-16',
  'application/xml',
];

export function body(shape: fc.Arbitrary<unknown>): fc.Arbitrary<FuzzRequest['body']> {
  const bytes: fc.Arbitrary<string | Uint8Array> = fc.oneof(
    { weight: 8, arbitrary: shape.map((value) => expandDeep(JSON.stringify(value) ?? 'null')) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }) },
  );
  const contentType = fc.oneof(
    { weight: 8, arbitrary: fc.constant('application/json') },
    { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
  return fc.option(fc.record({ bytes, contentType }, { requiredKeys: ['bytes'] }), { freq: 12, nil: undefined });
}

export const idempotencyKey = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('k1', 'k2', 'k3') },
  { weight: 1, arbitrary: headerText },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(200), 'x'.repeat(201), ' ', '\t') },
);
export const lastEventId = fc.oneof(digits(20), numericText, headerText);
