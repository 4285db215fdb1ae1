import { codePoints } from '../../domain/text';
import { cleanData } from './normalize';
import { canonicalSubject, MAX_SUBJECT_LENGTH } from './subjects';

// What counts as a valid answer in the free-text steps. Each parser returns the value to store, or
// undefined for "ask again". Braces are refused everywhere: stored values are quoted in messages, and
// a value that looks like a template placeholder would read as a bug to the user.

const NAME_LEAD_IN = /^(?:my (?:full )?name is|i am|i'm|name\s*:)\s*/iu;
// Letters and combining marks of any script, with the separators names really use.
const NAME_SHAPE = /^\p{L}[\p{L}\p{M} .'-]*$/u;
// A conventional address: no quoted local parts or IP literals, which students do not have.
const EMAIL_SHAPE =
  /^[a-z0-9!#$%&'*+/=?^_`|~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`|~-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const BRACES = /[{}<>]/u;

export const NAME_LENGTH = { min: 2, max: 80 } as const;
export const CLASS_MAX_LENGTH = 40;

/** A full name, 2–80 characters of letters and name punctuation; "My name is …" is understood. */
export function parseName(raw: string): string | undefined {
  const name = cleanData(raw)
    .replace(NAME_LEAD_IN, '')
    .replace(/[.,!]+$/u, '')
    .trim();
  const n = codePoints(name);
  if (n < NAME_LENGTH.min || n > NAME_LENGTH.max) return undefined;
  return NAME_SHAPE.test(name) ? name : undefined;
}

/**
 * An email address, lower-cased. A sentence around exactly one address is accepted ("it's ada@x.org"),
 * since that is how people answer; two addresses are ambiguous and asked again.
 */
export function parseEmail(raw: string): string | undefined {
  const candidates = cleanData(raw)
    .split(' ')
    .filter((token) => token.includes('@'))
    .map((token) =>
      token
        .replace(/^mailto:/iu, '')
        .replace(/^[<("'[]+|[>)"'\].,;:!?]+$/gu, '')
        .toLowerCase(),
    );
  if (candidates.length !== 1) return undefined;
  const email = candidates[0]!;
  const local = email.split('@')[0] ?? '';
  if (email.length > 254 || local.length > 64) return undefined;
  return EMAIL_SHAPE.test(email) ? email : undefined;
}

/** A class or grade: anything short with a letter or digit ("JSS 2", "Grade 10", "SS3 Science"). */
export function parseClassName(raw: string): string | undefined {
  const value = cleanData(raw);
  if (value.length === 0 || codePoints(value) > CLASS_MAX_LENGTH || BRACES.test(value)) return undefined;
  return /[\p{L}\p{N}]/u.test(value) ? value : undefined;
}

/** A typed homework subject, 2–60 characters with a letter, in the list's spelling when it names a listed subject. */
export function parseSubject(raw: string): string | undefined {
  const value = cleanData(raw);
  const n = codePoints(value);
  if (n < 2 || n > MAX_SUBJECT_LENGTH || BRACES.test(value) || !/\p{L}/u.test(value)) return undefined;
  return canonicalSubject(value);
}
