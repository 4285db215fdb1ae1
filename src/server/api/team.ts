import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { PRIORITIES } from '../../../domain/support-policy';
import { CannedResponseBody, ListQuery as CannedListQuery } from '../admin/canned-responses';
import { LabelBody, LabelChange } from '../admin/labels';
import { QuarantineQuery } from '../admin/quarantine';
import { AvailabilityBody, QueueQuery } from '../admin/queue';
import { SearchQuery } from '../admin/search';
import { AuditQuery, CreateTokenBody } from '../admin/tokens';
import { adminOperation, done, Instant, json, jsonBody, NextCursor, NullableInstant, success } from './common';
import { ChatSla, ContactFields, LabelShown } from './conversations';

// What the team works with around the conversations: the queue and who is signed in, tokens and the
// audit log, labels, canned responses, templates, media, search, quarantine, the event stream.

const Id = (what: string) =>
  z.object({
    id: z
      .string()
      .regex(/^\d{1,15}$/)
      .meta({ description: `the ${what}’s id` }),
  });

const Token = z.object({
  id: z.number().int(),
  agentId: z.number().int(),
  name: z.string(),
  role: z.enum(['admin', 'agent']),
  createdAt: Instant,
  revokedAt: NullableInstant,
  lastUsedAt: NullableInstant,
  expiresAt: NullableInstant,
});
const Revoked = success({
  message: z.string(),
  ...Token.shape,
  chatsReturned: z.array(z.string()),
  chatsNotReturned: z.array(z.string()),
});

const Label = z.object({ id: z.number().int(), name: z.string(), color: z.string(), createdAt: Instant });
const Canned = z.looseObject({ id: z.number().int(), title: z.string(), body: z.string(), createdAt: Instant });
const Me = z.object({
  agentId: z.number().int().optional().meta({ description: 'absent for the environment’s ADMIN_TOKEN' }),
  name: z.string(),
  role: z.enum(['admin', 'agent']),
  available: z.boolean(),
});
const Template = z.object({
  name: z.string(),
  language: z.string(),
  category: z.string(),
  header: z.string().optional(),
  text: z.string(),
  footer: z.string().optional(),
  buttons: z.array(z.string()).optional(),
  parameters: z.array(z.looseObject({ key: z.string(), component: z.enum(['header', 'body']) })),
});
const SearchHit = z.looseObject({ kind: z.enum(['conversation', 'message']), ...ContactFields });
const QueueItem = z.object({
  ...ContactFields,
  name: z.string().nullable(),
  waitingSince: Instant,
  waitSeconds: z.number().int(),
  holder: z.object({ agentId: z.number().int(), name: z.string() }).nullable(),
  availableAt: Instant,
  sla: ChatSla,
  priority: z.enum(PRIORITIES),
  labels: z.array(LabelShown),
});

const ADMIN = 'Team';
const LISTS = 'Labels and canned responses';

export const teamPaths: ZodOpenApiPathsObject = {
  '/api/admin/queue': {
    get: adminOperation(ADMIN, 'Chats waiting for an agent’s first reply, oldest first', {
      requestParams: { query: QueueQuery },
      responses: {
        200: json(
          success({ waitingForOpening: z.number().int(), warnAfterSeconds: z.number(), queue: z.array(QueueItem) }),
          'The queue',
        ),
      },
      errors: [400],
    }),
  },
  '/api/admin/me': {
    get: adminOperation(ADMIN, 'Who the token belongs to, and whether they take chats', {
      responses: { 200: json(success({ agent: Me }), 'The caller') },
      errors: [400],
    }),
  },
  '/api/admin/me/availability': {
    post: adminOperation(ADMIN, 'Take chats (available) or not', {
      requestBody: jsonBody(AvailabilityBody),
      responses: { 200: json(success({ agent: Me }), 'Set') },
      errors: [400],
    }),
  },
  '/api/admin/tokens': {
    get: adminOperation(ADMIN, 'Every token (admin role)', {
      responses: { 200: json(success({ tokens: z.array(Token) }), 'The tokens, never their secrets') },
    }),
    post: adminOperation(ADMIN, 'Create a token for a person (admin role)', {
      requestBody: jsonBody(CreateTokenBody),
      responses: {
        201: json(success({ message: z.string(), token: z.string(), ...Token.shape }), 'Created: shown only this once'),
      },
      errors: [400],
    }),
  },
  '/api/admin/tokens/{id}': {
    delete: adminOperation(ADMIN, 'Revoke a token (admin role); its holder’s chats go back when it was their last', {
      requestParams: { path: Id('token') },
      responses: { 200: json(Revoked, 'Revoked') },
      errors: [400, 404],
    }),
  },
  '/api/admin/tokens/self/revoke': {
    post: adminOperation(ADMIN, 'Revoke the token of this request (signing out)', {
      responses: { 200: json(Revoked, 'Revoked') },
      errors: [409],
    }),
  },
  '/api/admin/audit': {
    get: adminOperation(ADMIN, 'The audit log, newest first (admin role)', {
      requestParams: { query: AuditQuery },
      responses: {
        200: json(
          success({
            entries: z.array(
              z.looseObject({ id: z.number().int(), at: Instant, actor: z.string(), action: z.string() }),
            ),
            ...NextCursor,
          }),
          'A page of entries',
        ),
      },
      errors: [400, 404, 409],
    }),
  },
  '/api/admin/labels': {
    get: adminOperation(LISTS, 'Every label', {
      responses: { 200: json(success({ labels: z.array(Label) }), 'The labels') },
    }),
    post: adminOperation(LISTS, 'Create a label (admin role)', {
      requestBody: jsonBody(LabelBody),
      responses: { 201: json(success({ message: z.string(), label: Label }), 'Created') },
      errors: [400, 409],
    }),
  },
  '/api/admin/labels/{id}': {
    put: adminOperation(LISTS, 'Rename or recolour a label (admin role)', {
      requestParams: { path: Id('label') },
      requestBody: jsonBody(LabelChange),
      responses: { 200: json(success({ message: z.string(), label: Label }), 'Changed') },
      errors: [400, 404, 409],
    }),
    delete: adminOperation(LISTS, 'Delete a label, taking it off every conversation (admin role)', {
      requestParams: { path: Id('label') },
      responses: {
        200: json(success({ message: z.string(), label: Label, conversations: z.number().int() }), 'Deleted'),
      },
      errors: [400, 404],
    }),
  },
  '/api/admin/canned-responses': {
    get: adminOperation(LISTS, 'Saved replies; with `phone`, filled in for that student', {
      requestParams: { query: CannedListQuery },
      responses: {
        200: json(success({ contactId: z.string().optional(), cannedResponses: z.array(Canned) }), 'The saved replies'),
      },
      errors: [400, 404, 409],
    }),
    post: adminOperation(LISTS, 'Save a reply (admin role)', {
      requestBody: jsonBody(CannedResponseBody),
      responses: { 201: json(success({ message: z.string(), ...Canned.shape }), 'Saved') },
      errors: [400, 409],
    }),
  },
  '/api/admin/canned-responses/{id}': {
    delete: adminOperation(LISTS, 'Delete a saved reply (admin role)', {
      requestParams: { path: Id('canned response') },
      responses: { 200: json(success({ message: z.string(), ...Canned.shape }), 'Deleted') },
      errors: [400, 404],
    }),
  },
  '/api/admin/templates': {
    get: adminOperation(ADMIN, 'The approved WhatsApp templates with their languages and parameters', {
      responses: { 200: json(success({ templates: z.array(Template) }), 'The catalogue') },
      errors: [502],
    }),
  },
  '/api/admin/media': {
    post: adminOperation(ADMIN, 'Upload a file for an agent’s message (multipart, field `file`)', {
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': { schema: z.object({ file: z.string().meta({ format: 'binary' }) }) },
        },
      },
      responses: {
        201: json(
          done({
            media: z.object({
              id: z.number().int(),
              mediaType: z.string(),
              mimeType: z.string(),
              filename: z.string().nullable(),
              sizeBytes: z.number().int(),
            }),
          }),
          'Stored: put `media.id` in chat-support/send as `attachment.id`',
        ),
      },
      errors: [400],
    }),
  },
  '/api/admin/media/{id}': {
    get: adminOperation(ADMIN, 'The bytes of a stored media file', {
      requestParams: {
        path: z.object({ id: z.string().meta({ description: 'a row id, or `wa.` and a WhatsApp media id' }) }),
      },
      responses: {
        200: { description: 'The file, with its content type', content: { 'application/octet-stream': {} } },
      },
      errors: [400, 404, 502],
    }),
  },
  '/api/admin/search': {
    get: adminOperation(ADMIN, 'Conversations by name, phone or email, and messages by their words', {
      requestParams: { query: SearchQuery },
      responses: {
        200: json(success({ query: z.string(), hits: z.array(SearchHit), ...NextCursor }), 'A page of hits'),
      },
      errors: [400],
    }),
  },
  '/api/admin/quarantine': {
    get: adminOperation(ADMIN, 'Inbound items that could not be handled, with why (admin role)', {
      requestParams: { query: QuarantineQuery },
      responses: {
        200: json(
          success({
            items: z.array(
              z.object({
                id: z.number().int(),
                at: Instant,
                source: z.string(),
                reason: z.string(),
                contactId: z.string().nullable(),
                raw: z.unknown(),
                rawTruncated: z.boolean(),
              }),
            ),
            ...NextCursor,
          }),
          'A page of items',
        ),
      },
      errors: [400, 404, 409],
    }),
  },
  '/api/admin/events': {
    get: adminOperation(ADMIN, 'Server-sent events for the console (messages, states, statuses)', {
      requestParams: {
        header: z.object({ 'last-event-id': z.string().optional().meta({ description: 'resume after this event' }) }),
      },
      responses: { 200: { description: 'An event stream', content: { 'text/event-stream': {} } } },
      errors: [400],
    }),
  },
};
