import type { ParameterizedContext } from 'koa';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { CONTACT_ID, findContactBy, findContactsByUsername, getContact } from '../../db/contacts';
import type { Db } from '../../db/pool';
import { ANY_BSUID_PATTERN } from '../../../domain/whatsapp-limits';
import { badRequest, HttpError, notFound } from '../errors';
import { readRawBody } from '../raw-body';

// Parsing shared by the admin routes: phone numbers, JSON bodies, query strings, headers. Every
// refusal is a 400 with a code and zod's issues as details, never a 500.

export type AdminContext = ParameterizedContext<AdminState>;

/**
 * A phone number as agents type it (`15550001111`, `+15550001111`, `+1 555-000-1111`), to the
 * digits-only form the store and the workflow ids use. E.164 allows at most 15 digits.
 */
export const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()\-.]+$/, 'a phone number has digits, an optional leading +, spaces, dashes, dots or parentheses')
  .transform((value) => value.replace(/\D/g, ''))
  .refine((digits) => digits.length >= 8 && digits.length <= 15, 'a phone number has 8 to 15 digits');
export type Phone = z.infer<typeof Phone>;

/** A username: 3–35 of `a-z 0-9 . _` with at least one letter, with or without `@`. */
const USERNAME = /^@?(?=[A-Za-z0-9._]*[A-Za-z])[A-Za-z0-9._]{3,35}$/;

/**
 * The contact a reference names: a contact id, a BSUID or parent BSUID, a phone number in any format
 * agents type, or a username (`@name` or `name`). 404 when nothing matches, 409 `ambiguous` when a
 * username is shown by two contacts, 400 when the reference can be none of these.
 */
export async function resolveContactReference(db: Db, reference: string): Promise<string> {
  const raw = reference.trim();
  const missing = () => notFound('conversation_not_found', 'No conversation with this contact');
  if (CONTACT_ID.test(raw)) {
    if ((await getContact(db, raw)) === undefined) throw missing();
    return raw;
  }
  if (ANY_BSUID_PATTERN.test(raw)) {
    const found = (await findContactBy(db, 'bsuid', raw)) ?? (await findContactBy(db, 'parent_bsuid', raw));
    if (found === undefined) throw missing();
    return found;
  }
  const phone = Phone.safeParse(raw);
  if (phone.success) {
    const found = await findContactBy(db, 'phone', phone.data);
    if (found === undefined) throw missing();
    return found;
  }
  if (USERNAME.test(raw)) {
    const found = await findContactsByUsername(db, raw);
    if (found.length > 1)
      throw new HttpError(409, 'ambiguous', 'Two contacts show this username: name them by phone, BSUID or contact id');
    if (found[0] === undefined) throw missing();
    return found[0];
  }
  throw badRequest(
    'invalid_contact',
    'Name a contact by its contact id, a phone number (digits, +, spaces, dashes), a BSUID or a username',
  );
}

/** The `:phone` route parameter (a contact id, phone, BSUID or username), resolved, and noted on the audit row. */
export async function contactParam(
  ctx: AdminContext & { params: Record<string, string | undefined> },
  db: Db,
): Promise<string> {
  const contactId = await resolveContactReference(db, ctx.params.phone ?? '');
  noteAudit(ctx, { contactId });
  return contactId;
}

/** A retried request carries the same key; the workflow answers it without acting twice. */
const IdempotencyKey = z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters');

export function idempotencyKeyHeader(ctx: AdminContext): string | undefined {
  const raw = ctx.get('idempotency-key');
  if (raw === '') return undefined;
  return parse(IdempotencyKey, raw, 'invalid_idempotency_key', 'Invalid Idempotency-Key header');
}

// Bodies are small: the longest valid one holds one WhatsApp text (MAX_TEXT_CHARS, 4096 characters),
// under 50 KB even escaped.
const BODY_LIMIT_BYTES = 256 * 1024;

/** The request body as JSON; an empty body reads as `{}`, anything unparsable is a 400. */
export async function readJsonBody(ctx: AdminContext): Promise<unknown> {
  const raw = (await readRawBody(ctx, BODY_LIMIT_BYTES)).toString('utf8');
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw badRequest('invalid_json', 'Body is not JSON');
  }
}

/** Parses `input` with `schema`, or throws a 400 with `code` and one detail per issue. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, code: string, message: string): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  throw badRequest(
    code,
    `${message}: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`,
    details,
  );
}

/** `?limit=`: 1–100, default 20. */
export const Limit = z.coerce.number().int().min(1).max(100).default(20);

/** The cursor of a list paged by id, newest first: the last id of the page before. */
export const IdCursor = z
  .string()
  .regex(/^\d{1,18}$/, 'cursor is not one this API returned')
  .transform(Number)
  .optional();

/** An opaque cursor: base64url of a JSON value, which `decodeJsonCursor` checks on its way back. */
export function encodeJsonCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** The value of a cursor `encodeJsonCursor` made, as `fields` reads it; anything else is a 400. */
export function decodeJsonCursor<S extends z.ZodType>(fields: S, text: string): z.output<S> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const parsed = fields.safeParse(value);
  if (!parsed.success)
    throw badRequest('invalid_cursor', 'cursor is not one this API returned; start again without it');
  return parsed.data;
}

/**
 * A page of a list read newest first with one row more than `limit`: the rows to answer, and the
 * cursor of the next page when that extra row exists.
 */
export function pageById<T extends { id: number }>(rows: T[], limit: number): { page: T[]; nextCursor?: string } {
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return rows.length > limit && last ? { page, nextCursor: String(last.id) } : { page };
}
