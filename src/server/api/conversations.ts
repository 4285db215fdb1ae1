import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { PRIORITIES } from '../../../domain/support-policy';
import { AssignBody, EndChatBody, SendChatBody, StartChatBody } from '../admin/chat';
import { MergeBody, RequestContactInfoBody } from '../admin/contacts';
import { ListQuery as ConversationListQuery } from '../admin/conversations';
import { ConversationLabelsBody, PriorityBody } from '../admin/labels';
import { NoteBody } from '../admin/notes';
import { SendTemplateBody } from '../admin/templates';
import {
  adminOperation,
  ContactPath,
  done,
  IdempotencyHeader,
  Instant,
  json,
  jsonBody,
  NextCursor,
  NullableInstant,
  success,
} from './common';

// Conversations, their history, the chat-support commands and what agents do in a chat: the routes of
// admin/conversations.ts, chat.ts, templates.ts (sending), notes.ts, presence.ts, labels.ts (a
// conversation's labels and priority) and contacts.ts.

const TAG = 'Conversations';
const CHAT_TAG = 'Chat support';

/** Who a conversation is with (conversations.ts contactJson). */
export const ContactFields = {
  contactId: z.string(),
  phone: z.string().nullable().meta({ description: 'digits only; null while Meta withholds it' }),
  bsuid: z.string().nullable(),
  username: z.string().nullable(),
};

export const LabelShown = z.looseObject({ id: z.number().int(), name: z.string(), color: z.string() });
const Holder = z.object({ agentId: z.number().int(), name: z.string() }).meta({ id: 'ChatHolder' });

export const ConversationSummary = z
  .object({
    ...ContactFields,
    profileName: z.string().nullable(),
    state: z.string(),
    registered: z.boolean(),
    lastInboundAt: NullableInstant,
    lastActivityAt: Instant,
    priority: z.enum(PRIORITIES),
    labels: z.array(LabelShown),
  })
  .meta({ id: 'ConversationSummary' });

/** A chat's SLA clocks (db/queue.ts slaShown). */
export const ChatSla = z
  .object({
    firstResponseDueAt: Instant.optional(),
    resolutionDueAt: Instant.optional(),
    firstResponse: z.enum(['met', 'breached']).optional(),
    resolution: z.enum(['met', 'breached']).optional(),
    escalated: z.boolean(),
  })
  .meta({ id: 'ChatSla' });

const Conversation = ConversationSummary.extend({
  unread: z.number().int(),
  campaignOptOut: z.unknown().meta({ description: 'whether (and since when) they wrote STOP' }),
  billing: z.object({
    byCategory: z.record(z.string(), z.number()),
    byPricingType: z.record(z.string(), z.number()),
    estimatedCost: z.object({ currency: z.string(), amount: z.number() }).optional(),
  }),
  profile: z
    .object({
      fullName: z.string().nullable(),
      email: z.string().nullable(),
      className: z.string().nullable(),
      registeredAt: NullableInstant,
      subscriptionActiveUntil: NullableInstant,
    })
    .nullable(),
  openChat: z
    .object({
      id: z.number().int(),
      startedAt: Instant,
      startedBy: z.string(),
      firstUserMessageAt: NullableInstant,
      firstAgentReplyAt: NullableInstant,
      holder: Holder.nullable(),
      availableAt: Instant,
      sla: ChatSla,
    })
    .nullable(),
}).meta({ id: 'Conversation' });

const Message = z
  .object({
    id: z.number().int(),
    direction: z.enum(['inbound', 'outbound']),
    sender: z.string(),
    senderName: z.string().nullable(),
    type: z.string(),
    body: z.string().nullable(),
    payload: z.unknown(),
    mediaId: z.string().nullable(),
    media: z.object({ url: z.string(), mimeType: z.string().nullable(), filename: z.string().optional() }).optional(),
    waMessageId: z.string().nullable(),
    contextWaMessageId: z.string().nullable(),
    status: z.string(),
    errorCode: z.number().int().nullable(),
    errorTitle: z.string().nullable(),
    timestamp: Instant,
    createdAt: Instant,
    acceptedAt: NullableInstant,
    sentAt: NullableInstant,
    deliveredAt: NullableInstant,
    readAt: NullableInstant,
    failedAt: NullableInstant,
  })
  .meta({ id: 'Message' });

/** What a chat command answers once the conversation carried it out (chat.ts respond). */
const CommandDone = z
  .object({
    status: z.literal('success'),
    message: z.string(),
    timestamp: Instant,
    waMessageId: z.string().optional().meta({ description: 'WhatsApp’s id of the message sent, when one was' }),
    state: z.string().meta({ description: 'the conversation’s state after the command' }),
    holder: Holder.nullable().optional(),
  })
  .meta({ id: 'CommandDone' });

const Note = z.object({
  id: z.number().int(),
  contactId: z.string(),
  agentId: z.number().int().nullable(),
  agentName: z.string(),
  text: z.string(),
  createdAt: Instant,
});

/** The refusals of a chat command: its codes are the conversation's (chat.ts FAILURE_STATUS). */
const COMMAND_ERRORS = [400, 404, 409, 422, 502];

function command(summary: string, body: z.ZodType, description: string) {
  return {
    post: adminOperation(CHAT_TAG, summary, {
      description,
      requestParams: { path: ContactPath, header: IdempotencyHeader },
      requestBody: { content: { 'application/json': { schema: body } } },
      responses: { 200: json(CommandDone, 'Carried out (and, for a message, accepted by WhatsApp)') },
      errors: COMMAND_ERRORS,
    }),
  };
}

export const conversationPaths: ZodOpenApiPathsObject = {
  '/api/admin/conversations': {
    get: adminOperation(TAG, 'List conversations, newest activity first', {
      requestParams: { query: ConversationListQuery },
      responses: {
        200: json(success({ conversations: z.array(ConversationSummary), ...NextCursor }), 'A page of conversations'),
      },
      errors: [400],
    }),
  },
  '/api/admin/conversations/{phone}': {
    get: adminOperation(TAG, 'One conversation: state, profile, open chat', {
      requestParams: { path: ContactPath },
      responses: { 200: json(success({ conversation: Conversation }), 'The conversation') },
      errors: [400, 404, 409],
    }),
  },
  '/api/admin/conversations/{phone}/messages': {
    get: adminOperation(TAG, 'The full history, oldest first', {
      requestParams: { path: ContactPath },
      responses: {
        200: json(
          success({
            contactId: z.string(),
            messages: z.array(Message),
            setAside: z.array(z.looseObject({})).meta({ description: 'items the conversation could not handle' }),
            slaEvents: z.array(z.looseObject({})).meta({ description: 'the chats’ SLA warnings and breaches' }),
          }),
          'The history',
        ),
      },
      errors: [400, 404, 409],
    }),
  },
  '/api/admin/conversations/{phone}/chat-support/start': command(
    'Open a chat with the user',
    StartChatBody,
    'Moves the conversation into chat support; an optional first message is sent.',
  ),
  '/api/admin/conversations/{phone}/chat-support/send': command(
    'Send a message (text, an uploaded file, or both) in the open chat',
    SendChatBody,
    'Success only once WhatsApp accepted the message. An attachment is a file uploaded with POST /api/admin/media.',
  ),
  '/api/admin/conversations/{phone}/chat-support/end': command(
    'End the chat',
    EndChatBody,
    'Ends the chat; an optional closing message is sent.',
  ),
  '/api/admin/conversations/{phone}/assign': command(
    'Take the chat, or hand it to another agent (admin role)',
    AssignBody,
    'No body takes it for the caller; `agentId` hands it to that agent.',
  ),
  '/api/admin/conversations/{phone}/unassign': command('Give the chat back to the queue', z.object({}), ''),
  '/api/admin/conversations/{phone}/template': command(
    'Send an approved template (allowed outside the 24-hour window)',
    SendTemplateBody,
    'The template and its language come from GET /api/admin/templates.',
  ),
  '/api/admin/conversations/{phone}/request-contact-info': command(
    'Ask a student known only by BSUID for their phone number',
    RequestContactInfoBody,
    '409 `phone_known` when the number is known already.',
  ),
  '/api/admin/conversations/{phone}/notes': {
    get: adminOperation(TAG, 'Internal notes on the conversation', {
      requestParams: { path: ContactPath },
      responses: { 200: json(success({ contactId: z.string(), notes: z.array(Note) }), 'The notes, oldest first') },
      errors: [400, 404, 409],
    }),
    post: adminOperation(TAG, 'Add an internal note (never sent to WhatsApp)', {
      requestParams: { path: ContactPath },
      requestBody: jsonBody(NoteBody),
      responses: { 201: json(done({ note: Note }), 'Saved') },
      errors: [400, 404, 409],
    }),
  },
  '/api/admin/conversations/{phone}/labels': {
    put: adminOperation(TAG, 'Set the conversation’s labels (names of existing labels)', {
      requestParams: { path: ContactPath },
      requestBody: jsonBody(ConversationLabelsBody),
      responses: { 200: json(done({ contactId: z.string(), labels: z.array(LabelShown) }), 'Set') },
      errors: [400, 404, 409],
    }),
  },
  '/api/admin/conversations/{phone}/priority': {
    put: adminOperation(TAG, 'Set the conversation’s priority', {
      requestParams: { path: ContactPath },
      requestBody: jsonBody(PriorityBody),
      responses: {
        200: json(done({ contactId: z.string(), priority: z.enum(PRIORITIES), previous: z.enum(PRIORITIES) }), 'Set'),
      },
      errors: [400, 404, 409],
    }),
  },
  '/api/admin/conversations/{phone}/read': {
    post: adminOperation(TAG, 'Mark the student’s messages read (a read receipt to WhatsApp)', {
      requestParams: { path: ContactPath },
      responses: { 200: json(success({ read: z.number().int() }), 'How many messages were marked read') },
      errors: [400, 404, 409, 502],
    }),
  },
  '/api/admin/conversations/{phone}/typing': {
    post: adminOperation(TAG, 'Show the student a typing indicator (during a chat)', {
      requestParams: { path: ContactPath },
      responses: { 200: json(success({ typing: z.enum(['sent', 'recently_sent']) }), 'Shown') },
      errors: [400, 404, 409, 422, 502],
    }),
  },
  '/api/admin/contacts/{id}/merge': {
    post: adminOperation(TAG, 'Merge another contact into this one (admin role)', {
      requestParams: { path: z.object({ id: z.string().meta({ description: 'the contact that stays' }) }) },
      requestBody: jsonBody(MergeBody),
      responses: {
        200: json(
          done({ contact: z.looseObject({ contactId: z.string() }), merged: z.string(), moved: z.unknown() }),
          'Merged',
        ),
      },
      errors: [400, 404, 409],
    }),
  },
  '/api/admin/contacts/{id}/erase': {
    post: adminOperation(TAG, 'Erase a student everywhere (admin role)', {
      requestParams: {
        path: z.object({ id: z.string().meta({ description: 'a contact id, phone, BSUID or username' }) }),
      },
      responses: {
        200: json(
          done({
            contactId: z.string(),
            erasedContacts: z.array(z.string()),
            rows: z.unknown(),
            temporalRunsDeleted: z.unknown(),
          }),
          'Erased',
        ),
        202: json(
          z.looseObject({
            status: z.literal('accepted'),
            message: z.string(),
            timestamp: Instant,
            erasure: z.string(),
          }),
          'Still erasing: the same request again answers once it is done',
        ),
      },
      errors: [400, 404, 409],
    }),
  },
};
