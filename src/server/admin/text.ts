import { z } from 'zod';
import { MAX_TEXT_CHARS } from '../../../domain/whatsapp-limits';

// Text an agent writes: a message, a note, a canned response. The rules of an agent's message (trimmed, at
// most one WhatsApp text of code points, nothing Postgres cannot store), named after the field.
// Text Postgres cannot store is refused rather than cleaned: the agent sees the 400 and fixes it.

/** `field`'s text: trimmed, 1 to `max` code points, no U+0000, no unpaired surrogate. */
export function agentText(field: string, max = MAX_TEXT_CHARS): z.ZodString {
  return z
    .string({ error: `${field} must be a string` })
    .trim()
    .min(1, `${field} must not be empty`)
    .refine((text) => !text.includes('\0'), `${field} must not contain U+0000 (a NUL character)`)
    .refine((text) => !/\p{Cs}/u.test(text), `${field} must not contain an unpaired surrogate (half of a UTF-16 pair)`)
    .refine((text) => [...text].length <= max, `${field} must be at most ${max} characters`);
}

/** A one-line label (a canned response's title): agentText without control characters such as line breaks. */
export function agentLabel(field: string, max: number): z.ZodString {
  return agentText(field, max).refine(
    (text) => !/\p{Cc}/u.test(text),
    `${field} must be one line without control characters`,
  );
}
