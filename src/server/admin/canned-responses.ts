import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, AGENT_OR_ADMIN, type AdminGuard } from './auth';
import {
  deleteCannedResponse,
  insertCannedResponse,
  listCannedResponses,
  type CannedResponse,
} from '../../db/canned-responses';
import { getConversation } from '../../db/conversations';
import type { Db } from '../../db/pool';
import { getStudent, type StudentProfile } from '../../db/users';
import { firstName } from '../../../domain/text';
import { HttpError, notFound } from '../errors';
import { parse, readJsonBody, resolveContactReference } from './params';
import { agentLabel, agentText } from './text';

// Saved replies. Agents read them; admins write them. With `?phone=` each one also comes filled
// from that student's profile, which is what the console puts in the composer: the fields are
// filled here, in one place, and the agent edits and sends the result as any message.

/** The fields a body may hold, and the profile value each one stands for. */
const FIELDS = {
  first_name: (p: Partial<StudentProfile>) => (p.fullName ? firstName(p.fullName) : ''),
  full_name: (p: Partial<StudentProfile>) => p.fullName?.trim() ?? '',
  class: (p: Partial<StudentProfile>) => p.className?.trim() ?? '',
} as const;
type Field = keyof typeof FIELDS;
const FIELD_NAMES = Object.keys(FIELDS) as Field[];
const isField = (name: string): name is Field => Object.hasOwn(FIELDS, name);

// `{word}`: anything else in braces is text. A `{word}` that is no field is refused when the
// response is saved, so a typo such as {firstname} never reaches a student.
const FIELD_PATTERN = /\{([a-z_]+)\}/g;

/**
 * The body with each field replaced by the student's value. A value the profile lacks (an
 * unregistered student has none) becomes a bracketed placeholder such as "[first name]", listed in
 * `missing`, so the agent sees what to fill in by hand before sending.
 */
export function fillCannedResponse(
  body: string,
  profile: Partial<StudentProfile> | undefined,
): { text: string; missing: Field[] } {
  const missing = new Set<Field>();
  const text = body.replace(FIELD_PATTERN, (whole, name: string) => {
    if (!isField(name)) return whole;
    const value = FIELDS[name](profile ?? {});
    if (value !== '') return value;
    missing.add(name);
    return `[${name.replace('_', ' ')}]`;
  });
  return { text, missing: FIELD_NAMES.filter((name) => missing.has(name)) };
}

const unknownFields = (body: string) =>
  [...body.matchAll(FIELD_PATTERN)].map((m) => m[1]!).filter((name) => !isField(name));

export const CannedResponseBody = z.object({
  title: agentLabel('title', 100),
  body: agentText('body').refine((body) => unknownFields(body).length === 0, {
    message: `body holds a field that does not exist; the fields are ${FIELD_NAMES.map((f) => `{${f}}`).join(', ')}`,
  }),
});
export type CannedResponseBody = z.infer<typeof CannedResponseBody>;

/** `?phone=` names the conversation whose profile fills the fields: a contact id, phone, BSUID or username. */
export const ListQuery = z.object({ phone: z.string().max(200).optional() });

const CannedResponseId = z
  .string()
  .regex(/^\d{1,15}$/, 'a canned response id is a positive integer')
  .transform(Number);

const cannedJson = (c: CannedResponse) => ({ id: c.id, title: c.title, body: c.body, createdAt: c.createdAt });
/** A canned response as the API answers it (src/web/api-types.d.ts reads it). */
export type CannedResponseJson = ReturnType<typeof cannedJson>;

export function mountCannedResponseRoutes(router: Router<AdminState>, { db }: { db: Db }, guard: AdminGuard): void {
  const path = '/api/admin/canned-responses';

  router.get(path, ...guard('canned.list', AGENT_OR_ADMIN), async (ctx) => {
    const { phone } = parse(ListQuery, ctx.query, 'invalid_query', 'Invalid query');
    const responses = await listCannedResponses(db);
    if (phone === undefined) {
      ctx.body = { status: 'success', cannedResponses: responses.map(cannedJson) };
      return;
    }
    const contactId = await resolveContactReference(db, phone);
    noteAudit(ctx, { contactId });
    if (!(await getConversation(db, contactId)))
      throw notFound('conversation_not_found', 'No conversation with this contact');
    const student = await getStudent(db, contactId);
    ctx.body = {
      status: 'success',
      contactId,
      cannedResponses: responses.map((c) => ({ ...cannedJson(c), ...fillCannedResponse(c.body, student) })),
    };
  });

  router.post(path, ...guard('canned.create', ADMIN_ONLY), async (ctx) => {
    const body = parse(CannedResponseBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    noteAudit(ctx, { details: { title: body.title, bodyLength: [...body.body].length } });
    const created = await insertCannedResponse(db, { ...body, createdBy: ctx.state.actor!.agentId });
    if (!created) throw new HttpError(409, 'duplicate_title', `A canned response is already titled "${body.title}"`);
    noteAudit(ctx, { details: { cannedResponseId: created.id } });
    ctx.status = 201;
    ctx.body = { status: 'success', message: 'Canned response saved', ...cannedJson(created) };
  });

  router.delete(`${path}/:id`, ...guard('canned.delete', ADMIN_ONLY), async (ctx) => {
    const id = parse(CannedResponseId, ctx.params.id, 'invalid_canned_response_id', 'Invalid canned response id');
    noteAudit(ctx, { details: { cannedResponseId: id } });
    const deleted = await deleteCannedResponse(db, id);
    if (!deleted) throw notFound('canned_response_not_found', `No canned response with id ${id}`);
    ctx.body = { status: 'success', message: 'Canned response deleted', ...cannedJson(deleted) };
  });
}
