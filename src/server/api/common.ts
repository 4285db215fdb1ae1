import { z } from 'zod';
import type {
  ZodOpenApiOperationObject,
  ZodOpenApiRequestBodyObject,
  ZodOpenApiResponseObject,
  ZodOpenApiResponsesObject,
} from 'zod-openapi';

// The shapes every answer shares, and the helpers the areas' files describe their routes with. The
// document is built from these (document.ts); the integration tests check every answer against it.
// Answers are described exactly (no field the document does not name), but for a few records whose
// every field is not listed here (report figures, audit entries, search hits): those are loose
// objects, whose named fields are required and typed.

/** An ISO-8601 instant, as JSON renders a Date. */
export const Instant = z.string().meta({ format: 'date-time', description: 'ISO-8601 instant' });
export const NullableInstant = Instant.nullable();

/** `{ status: 'error', error: { code, message, ... } }`, with a real HTTP status (errors.ts). */
export const ApiError = z
  .object({
    status: z.literal('error'),
    error: z.looseObject({
      code: z
        .string()
        .regex(/^[a-z0-9_]+$/)
        .meta({ description: 'snake_case, stable: clients branch on it' }),
      message: z.string().meta({ description: 'for people; may change' }),
      details: z
        .unknown()
        .optional()
        .meta({ description: 'for a refused body or query: one `{ path, message }` per problem' }),
    }),
  })
  .loose()
  .meta({ id: 'Error' });

/** A success answer: `status: 'success'` and exactly the route's fields (a field not named here fails the tests). */
export function success<T extends z.ZodRawShape>(shape: T): z.ZodType {
  return z.object({ status: z.literal('success'), ...shape });
}

/** The answer of a command that changed something: a message for people and when it happened. */
export function done<T extends z.ZodRawShape>(shape: T): z.ZodType {
  return success({ message: z.string(), timestamp: Instant, ...shape });
}

/** What each refusal status means across the API; a route lists the ones it can answer. */
const ERROR_MEANING: Record<number, string> = {
  400: 'Invalid request: a body, query, parameter or header the route refuses (the code names which)',
  401: 'No valid bearer token (`unauthorized`)',
  403: 'The token’s role may not do this (`forbidden`)',
  404: 'Nothing with this id or contact (`conversation_not_found`, `..._not_found`)',
  405: 'The path does not take this method (`method_not_allowed`)',
  409: 'The conversation or item is in a state that refuses this (e.g. `not_in_chat_support`)',
  413: 'The body is larger than the route takes (`payload_too_large`)',
  415: 'The body’s content type is not one the route takes',
  422: 'Understood but not possible now (e.g. `outside_customer_service_window`)',
  429: 'Too many failed sign-ins from this source (`too_many_failed_attempts`)',
  502: 'WhatsApp refused the message (its code in `error.whatsappCode`)',
  500: 'An unexpected failure (`internal_error`): a fault of the server, logged and audited; no detail is given',
  503: 'A dependency (Postgres, Temporal, WhatsApp) is away: retry later (`unavailable`)',
};

/** The error answers a route can give, each with the shared error body. */
export function errors(...statuses: number[]): ZodOpenApiResponsesObject {
  return Object.fromEntries(
    statuses.map((status) => [
      String(status),
      {
        description: ERROR_MEANING[status] ?? 'Refused',
        content: { 'application/json': { schema: ApiError } },
      },
    ]),
  );
}

/**
 * The refusals every admin route can give besides its own: no token, a wrong role, too many failed
 * sign-ins, an unexpected failure, Postgres away.
 */
export const ADMIN_ERRORS = [401, 403, 429, 500, 503];

export const json = (schema: z.ZodType, description: string): ZodOpenApiResponseObject => ({
  description,
  content: { 'application/json': { schema } },
});

/** The `{phone}` path segment: a contact id, phone number (any format agents type), BSUID or username. */
export const ContactPath = z.object({
  phone: z.string().meta({
    description:
      'The contact: its id (`ct_…`), a phone number (`15550001111`, `+1 555-000-1111`), a BSUID or a username',
    example: '15550001111',
  }),
});

/** An `Idempotency-Key` header: a retry with the same key is answered without acting twice. */
export const IdempotencyHeader = z.object({
  'idempotency-key': z.string().min(1).max(200).optional().meta({
    description: 'A retried command with the same key is answered as before, never carried out twice',
  }),
});

/** An admin operation: tagged, guarded by the bearer token, with the shared refusals added. */
export function adminOperation(
  tag: string,
  summary: string,
  operation: Omit<ZodOpenApiOperationObject, 'tags' | 'summary'> & { errors?: number[] },
): ZodOpenApiOperationObject {
  const { errors: own = [], responses, ...rest } = operation;
  // A route that reads a body refuses one over its limit before parsing it.
  const tooLarge = rest.requestBody ? [413] : [];
  const statuses = [...new Set([...own, ...ADMIN_ERRORS, ...tooLarge])].sort((a, b) => a - b);
  return {
    tags: [tag],
    summary,
    security: [{ bearer: [] }],
    ...rest,
    responses: { ...responses, ...errors(...statuses) },
  };
}

export const jsonBody = (schema: z.ZodType): ZodOpenApiRequestBodyObject => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** A page of a list paged by cursor: present when there is a next page. */
export const NextCursor = { nextCursor: z.string().optional() };
