import fc from 'fast-check';

// Generated values the fuzz tests put in requests: characters from every Unicode plane and those
// that Postgres and JSON make trouble with (U+0000, unpaired surrogates), strings past every limit,
// numbers out of range, and JSON of any shape and depth. Plus the run settings every fuzz test reads.

/** One character: any plane, or one of those Postgres and JSON make trouble with. */
export const fuzzChar = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('\0', '\ud800', '\udbff', '\udc00', '\udfff', '😀', '👩‍👩‍👧', '1', ' ', '"', '\\', '\n'),
  },
);
export const shortText = fc.string({ unit: fuzzChar, maxLength: 20 });
/** Past every limit (4096 for a text), and rarely past what a whole request should ever hold. */
export const hugeText = fc
  .tuple(
    fc.constantFrom('x', '😀', '\0', '\ud800', 'é', '1'),
    fc.oneof({ weight: 40, arbitrary: fc.integer({ min: 1000, max: 6000 }) }, fc.constant(200_000)),
  )
  .map(([char, n]) => char.repeat(n));
export const text = fc.oneof({ weight: 60, arbitrary: shortText }, { weight: 1, arbitrary: hugeText });

export const number = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 1e20, -1e300, 8.64e15, Number.MAX_SAFE_INTEGER, -0, 0.5),
);
export const numericText = fc.oneof(
  number.map(String),
  fc.constantFrom('1e400', '-1e400', 'NaN', 'Infinity', '0x10', ' 12 ', '', '99999999999999999999'),
);

/** Replaced by `expandDeep` with an object nested that many levels deep (JSON.stringify would recurse). */
export const deep = fc
  .oneof({ weight: 9, arbitrary: fc.integer({ min: 20, max: 200 }) }, fc.constant(10_000))
  .map((n) => `__DEEP_${n}__`);

/** Writes out the deep objects `deep` stands for in a JSON text. */
export function expandDeep(json: string): string {
  return json.replace(
    /"__DEEP_(\d+)__"/g,
    (_m, n: string) => '{"a":['.repeat(Number(n)) + '0' + ']}'.repeat(Number(n)),
  );
}

export const json: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    number,
    fc.boolean(),
    fc.constant(null),
    deep,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(shortText, tie('value'), { maxKeys: 3 }),
  ),
})).value;

/** Mostly the documented type, sometimes anything at all. */
export const loose = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 6, arbitrary: arb }, { weight: 1, arbitrary: json });

/** fast-check's run options from the environment: `runsVariable` (else `defaultRuns`) and FUZZ_SEED. */
export function fuzzRuns(runsVariable: string, defaultRuns: number): { numRuns: number; seed?: number } {
  const numRuns = Number(process.env[runsVariable] ?? defaultRuns);
  const seed = process.env.FUZZ_SEED;
  return seed === undefined ? { numRuns } : { numRuns, seed: Number(seed) };
}
