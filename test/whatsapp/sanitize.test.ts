import fc from 'fast-check';
import {
  clampChars,
  clampInt,
  cleanText,
  INT4_MAX,
  INT4_MIN,
  isStorableText,
  MAX_TIMESTAMP_AGE_MS,
  MAX_TIMESTAMP_AHEAD_MS,
  saneId,
  saneTime,
} from '../../src/whatsapp/sanitize';

/** Strings of any plane, with U+0000 and both halves of a surrogate pair alone among them. */
const hostileString = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\0', '\ud800', '\udbff', '\udc00', '\udfff', '😀'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 40,
});

const codePoints = (text: string) => [...text].length;

describe('cleanText', () => {
  it('drops U+0000 and replaces each unpaired surrogate with U+FFFD, keeping pairs', () => {
    expect(cleanText('a\0b\ud800c\udc00d😀', 100)).toBe('ab\uFFFDc\uFFFDd😀');
  });

  it('cuts at a number of code points and never splits a surrogate pair', () => {
    expect(cleanText('😀😀😀', 2)).toBe('😀😀');
    expect(clampChars('ab😀', 3)).toBe('ab😀');
    expect(clampChars('abc😀', 3)).toBe('abc');
  });

  it('leaves text that is already storable and short enough as it is', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
        expect(cleanText(text, 1000)).toBe(text);
      }),
    );
  });

  it('always gives storable text within the limit, which Postgres-bound JSON keeps as it is', () => {
    fc.assert(
      fc.property(hostileString, fc.integer({ min: 0, max: 50 }), (text, max) => {
        const clean = cleanText(text, max);
        expect(isStorableText(clean)).toBe(true);
        expect(codePoints(clean)).toBeLessThanOrEqual(max);
        // JSON.stringify escapes an unpaired surrogate as \udXXX, which jsonb refuses.
        expect(JSON.stringify(clean)).not.toMatch(/\\u(d[89a-f][0-9a-f]{2}|0000)/i);
      }),
    );
  });
});

describe('saneId', () => {
  it('keeps an id as it is and refuses one that cleaning would change or that is too long', () => {
    expect(saneId('wamid.ABC=', 256)).toBe('wamid.ABC=');
    expect(saneId('', 256)).toBeUndefined();
    expect(saneId('wamid.\0', 256)).toBeUndefined();
    expect(saneId('wamid.\ud800', 256)).toBeUndefined();
    expect(saneId('x'.repeat(257), 256)).toBeUndefined();
  });
});

describe('saneTime', () => {
  const receivedAt = 1_788_000_000_000;

  it('turns Unix seconds, as a string or a number, into milliseconds', () => {
    expect(saneTime('1787999990', receivedAt)).toBe(1_787_999_990_000);
    expect(saneTime(1_787_999_990, receivedAt)).toBe(1_787_999_990_000);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not a number', 'soon'],
    ['beyond what a Date holds', '1e20'],
    ['older than the window', String((receivedAt - MAX_TIMESTAMP_AGE_MS) / 1000 - 1)],
    ['further ahead than the window', String((receivedAt + MAX_TIMESTAMP_AHEAD_MS) / 1000 + 1)],
    ['negative', -1],
  ])('falls back to the receipt time when it is %s', (_label, value) => {
    expect(saneTime(value, receivedAt)).toBe(receivedAt);
  });

  it('always gives a time a Date and Postgres hold, within the window', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.string(), fc.integer().map(String)), (value) => {
        const ms = saneTime(value, receivedAt);
        expect(new Date(ms).toISOString()).toEqual(expect.any(String));
        expect(ms).toBeGreaterThanOrEqual(receivedAt - MAX_TIMESTAMP_AGE_MS);
        expect(ms).toBeLessThanOrEqual(receivedAt + MAX_TIMESTAMP_AHEAD_MS);
      }),
    );
  });
});

describe('clampInt', () => {
  it('keeps a value an integer column holds and clamps the rest to its bounds', () => {
    expect(clampInt(131026)).toBe(131026);
    expect(clampInt(1e12)).toBe(INT4_MAX);
    expect(clampInt(-1e12)).toBe(INT4_MIN);
    expect(clampInt(3.7)).toBe(3);
  });
});
