import { z } from 'zod';
import { HttpError } from '../../../src/server/errors';
import { decodeJsonCursor, encodeJsonCursor, IdCursor, Limit, parse, Phone } from '../../../src/server/admin/params';
import { ReportQuery } from '../../../src/server/admin/report-query';

// The admin routes' validation without a database: the schemas and the one parse step every route
// uses turn bad input into a 400 with a code and one detail per issue, never a 500. The routes
// themselves, with their database, are tested beside this file.

/** What `run` threw, as the error middleware would render it. */
function refusal(run: () => unknown): { status: number; code: string; details: unknown } {
  try {
    run();
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, code: err.code, details: err.details };
    throw err;
  }
  throw new Error('expected a refusal, got none');
}

describe('parse', () => {
  const Body = z.object({ message: z.string().min(1), count: z.number().int() });

  it('returns the parsed value of a valid input', () => {
    expect(parse(Body, { message: 'hi', count: 2 }, 'invalid_body', 'Invalid body')).toEqual({
      message: 'hi',
      count: 2,
    });
  });

  it('refuses an invalid input with a 400, the given code and one detail per issue, by path', () => {
    const answer = refusal(() => parse(Body, { message: '', count: 1.5 }, 'invalid_body', 'Invalid body'));
    expect(answer).toMatchObject({ status: 400, code: 'invalid_body' });
    expect((answer.details as { path: string }[]).map((detail) => detail.path).sort()).toEqual(['count', 'message']);
  });

  it('refuses a body that is not an object at all', () => {
    expect(refusal(() => parse(Body, 'text', 'invalid_body', 'Invalid body'))).toMatchObject({ status: 400 });
  });
});

describe('Phone', () => {
  it.each([
    ['15550001111', '15550001111'],
    ['+15550001111', '15550001111'],
    ['+1 555-000-1111', '15550001111'],
    ['(555) 000.1111', '5550001111'],
  ])('reads %s as the digits %s', (typed, digits) => {
    expect(Phone.parse(typed)).toBe(digits);
  });

  it.each(['', '+', '1234567', '1234567890123456', '555-CALL-NOW', '15550001111; drop table'])(
    'refuses %j',
    (typed) => {
      expect(Phone.safeParse(typed).success).toBe(false);
    },
  );
});

describe('paging', () => {
  it('takes a limit of 1 to 100 from the query string, 20 by default', () => {
    expect(Limit.parse(undefined)).toBe(20);
    expect(Limit.parse('100')).toBe(100);
    for (const bad of ['0', '101', '2.5', 'ten']) expect(Limit.safeParse(bad).success).toBe(false);
  });

  it('takes only an id cursor of digits', () => {
    expect(IdCursor.parse('42')).toBe(42);
    for (const bad of ['-1', '4e2', '1234567890123456789', 'abc']) expect(IdCursor.safeParse(bad).success).toBe(false);
  });

  it('gives back a JSON cursor it made, and answers invalid_cursor for any other', () => {
    const Fields = z.object({ at: z.string(), id: z.number() });
    const value = { at: '2026-12-07T10:00:00.000Z', id: 7 };
    expect(decodeJsonCursor(Fields, encodeJsonCursor(value))).toEqual(value);
    for (const bad of ['', 'not base64 json', encodeJsonCursor({ at: 1 })]) {
      expect(refusal(() => decodeJsonCursor(Fields, bad))).toMatchObject({ status: 400, code: 'invalid_cursor' });
    }
  });
});

describe('the reports and exports query', () => {
  it('accepts dates, date-times with an offset, a known zone, a label and a priority', () => {
    const query = { from: '2026-11-01', to: '2026-12-01T00:00:00+01:00', tz: 'Africa/Lagos', label: 'Exam week' };
    expect(ReportQuery.parse({ ...query, priority: 'urgent' })).toEqual({ ...query, priority: 'urgent' });
  });

  it.each([
    ['a date-time without an offset', { from: '2026-11-01T00:00:00' }],
    ['a date that is not one', { to: '2026-13-40' }],
    ['an offset for a zone', { tz: '+01:00' }],
    ['a zone nobody knows', { tz: 'Mars/Olympus_Mons' }],
    ['a label with a control character', { label: 'a\u0007b' }],
    ['a priority that is none', { priority: 'whenever' }],
  ])('refuses %s', (_, query) => {
    expect(refusal(() => parse(ReportQuery, query, 'invalid_query', 'Invalid query'))).toMatchObject({
      status: 400,
      code: 'invalid_query',
    });
  });
});
