// Text as the flow reads it. Two views of one message: `normalize` for recognising commands (lower
// case, no decoration) and `cleanData` for storing what the user told us (their case and accents kept).

const SINGLE_QUOTES = /[\u2018\u2019\u201a\u201b\u2032\u02bc]/gu;
const DOUBLE_QUOTES = /[\u201c\u201d\u201e\u201f\u2033]/gu;
// Invisible characters that only get in the way: zero-width space, word joiner, byte-order mark.
const INVISIBLE = /[\u200b\u2060\ufeff]/gu;
// Punctuation, symbols (emoji are symbols), format characters (ZWJ), variation selector 16 and the
// keycap mark: all of it decoration when it surrounds a command. Digits are kept, so "1️⃣" reads as "1".
const EDGE = /^[\s\p{P}\p{S}\p{Cf}\ufe0f\u20e3]+|[\s\p{P}\p{S}\p{Cf}\ufe0f\u20e3]+$/gu;
const WORD_SEPARATOR = /[^\p{L}\p{M}\p{N}']+/u;

function straightenQuotes(text: string): string {
  return text.replace(SINGLE_QUOTES, "'").replace(DOUBLE_QUOTES, '"');
}

/** Compatibility-normalised, straight quotes, single spaces, trimmed: the user's own words, ready to store. */
export function cleanData(text: string): string {
  return straightenQuotes(text.normalize('NFKC').replace(INVISIBLE, '')).replace(/\s+/gu, ' ').trim();
}

/** `cleanData`, lower-cased, with surrounding punctuation and emoji dropped: the form commands are matched in. */
export function normalize(text: string): string {
  return cleanData(text).toLowerCase().replace(EDGE, '');
}

/** The whole words of a normalised text; `_`, `-` and other punctuation separate words, apostrophes do not. */
export function words(normalized: string): string[] {
  return normalized.split(WORD_SEPARATOR).filter((w) => w.length > 0);
}
