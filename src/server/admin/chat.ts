import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { MAX_CAPTION_CHARS } from '../../../domain/whatsapp-limits';
import type { MediaContent } from '../../../domain/types';
import { getAgent } from '../../db/agents';
import { getMediaInfo } from '../../db/media';
import type { Db } from '../../db/pool';
import type { ChatCommandFailureCode } from '../../../domain/failures';
import type { ChatCommandResult, ChatCommands, ChatHolder } from '../chat-commands';
import { forbidden, notFound } from '../errors';
import { idempotencyKeyHeader, parse, contactParam, readJsonBody, type AdminContext } from './params';
import { agentText } from './text';

// Chat support commands: verify, parse, ask the conversation (through ChatCommands), and map its
// answer to HTTP. Success is reported only when the workflow says so, i.e. after WhatsApp accepted.

// An agent's message goes out as one WhatsApp text, with the rules of every text an agent writes.
const Message = agentText('message');

export const StartChatBody = z.object({ message: Message.optional() });
export type StartChatBody = z.infer<typeof StartChatBody>;
/** A file the agent uploaded (POST /api/admin/media), with a caption WhatsApp shows under it. */
export const Attachment = z.strictObject({
  id: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  caption: agentText('attachment.caption', MAX_CAPTION_CHARS).optional(),
});
/** A text, a file, or a file followed by a text. */
export const SendChatBody = z
  .object({ message: Message.optional(), attachment: Attachment.optional() })
  .refine((body) => body.message !== undefined || body.attachment !== undefined, {
    message: 'message or attachment is required',
  });
export type SendChatBody = z.infer<typeof SendChatBody>;
export const EndChatBody = z.object({ message: Message.optional() });
export type EndChatBody = z.infer<typeof EndChatBody>;

const FAILURE_STATUS: Record<ChatCommandFailureCode, number> = {
  conversation_not_found: 404,
  not_in_chat_support: 409,
  chat_already_active: 409,
  outside_customer_service_window: 422,
  whatsapp_rejected: 502,
  invalid_message: 400,
  // The conversation could not carry the command out and set it aside: nothing changed.
  set_aside: 422,
  idempotency_key_reused: 422,
  held_by_other: 409,
  already_held: 409,
  agent_not_found: 404,
};

const SUCCESS_MESSAGE = {
  start: 'Chat started',
  send: 'Message sent successfully',
  end: 'Chat ended',
  assign: 'Chat assigned',
  unassign: 'Chat given back',
  template: 'Template sent',
} as const;

/** Take the chat (no body), or hand it to the agent with this id (admins only). */
export const AssignBody = z.object({ agentId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional() });

export function mountChatRoutes(
  router: Router<AdminState>,
  { chat, db }: { chat: ChatCommands; db: Db },
  guard: AdminGuard,
): void {
  const base = '/api/admin/conversations/:phone/chat-support';

  // Who holds the chat: the workflow decides, so two agents taking it at once get one 200 and one 409.
  router.post('/api/admin/conversations/:phone/assign', ...guard('chat.assign', AGENT_OR_ADMIN), async (ctx) => {
    const input = await commandContext(ctx, db);
    const body = parse(AssignBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    let to: ChatHolder | undefined;
    if (body.agentId !== undefined) {
      if (!input.admin) throw forbidden('Handing a chat to another agent needs the admin role');
      const agent = await getAgent(db, body.agentId);
      if (!agent) throw notFound('agent_not_found', `No agent with id ${body.agentId}`);
      to = { agentId: agent.id, name: agent.name };
      noteAudit(ctx, { details: { to: agent.id } });
    }
    respond(ctx, 'assign', await chat.assign({ ...input, ...(to ? { to } : {}) }));
  });

  router.post('/api/admin/conversations/:phone/unassign', ...guard('chat.unassign', AGENT_OR_ADMIN), async (ctx) => {
    respond(ctx, 'unassign', await chat.unassign(await commandContext(ctx, db)));
  });

  router.post(`${base}/start`, ...guard('chat.start', AGENT_OR_ADMIN), async (ctx) => {
    const input = await commandContext(ctx, db);
    const body = parse(StartChatBody, await readJsonBody(ctx), 'invalid_message', 'Invalid body');
    noteAudit(ctx, { details: { messageLength: body.message?.length } });
    respond(ctx, 'start', await chat.start({ ...input, message: body.message }));
  });

  router.post(`${base}/send`, ...guard('chat.send', AGENT_OR_ADMIN), async (ctx) => {
    const input = await commandContext(ctx, db);
    const body = parse(SendChatBody, await readJsonBody(ctx), 'invalid_message', 'Invalid body');
    const attachment = body.attachment === undefined ? undefined : await attachedFile(db, body.attachment);
    noteAudit(ctx, { details: { messageLength: body.message?.length, attachment: attachment?.fileId } });
    respond(ctx, 'send', await chat.send({ ...input, message: body.message, attachment }));
  });

  router.post(`${base}/end`, ...guard('chat.end', AGENT_OR_ADMIN), async (ctx) => {
    const input = await commandContext(ctx, db);
    const body = parse(EndChatBody, await readJsonBody(ctx), 'invalid_message', 'Invalid body');
    noteAudit(ctx, { details: { messageLength: body.message?.length } });
    respond(ctx, 'end', await chat.end({ ...input, message: body.message }));
  });
}

export interface CommandContext {
  contactId: string;
  agent: string;
  agentId?: number;
  admin: boolean;
  idempotencyKey?: string;
}

/** The uploaded file as the conversation sends it; only agents' uploads, whose kind was checked, qualify. */
async function attachedFile(db: Db, attachment: z.infer<typeof Attachment>): Promise<MediaContent> {
  const file = await getMediaInfo(db, attachment.id);
  if (file === undefined || file.origin !== 'agent' || file.mediaType === null) {
    throw notFound(
      'media_not_found',
      `No uploaded file with id ${attachment.id}; upload it with POST /api/admin/media`,
    );
  }
  return {
    kind: 'media',
    mediaType: file.mediaType,
    fileId: file.id,
    mimeType: file.mimeType,
    ...(file.filename !== null ? { filename: file.filename } : {}),
    ...(attachment.caption !== undefined ? { caption: attachment.caption } : {}),
  };
}

/** Who asks, for which conversation, under which Idempotency-Key: what every chat command starts from. */
export async function commandContext(
  ctx: AdminContext & { params: Record<string, string | undefined> },
  db: Db,
): Promise<CommandContext> {
  const contactId = await contactParam(ctx, db);
  const idempotencyKey = idempotencyKeyHeader(ctx);
  if (idempotencyKey !== undefined) noteAudit(ctx, { details: { idempotencyKey } });
  // The guard ran before the route: an actor is always there.
  const actor = ctx.state.actor!;
  return { contactId, agent: actor.name, agentId: actor.agentId, admin: actor.role === 'admin', idempotencyKey };
}

/** Maps the conversation's answer to HTTP: success only once WhatsApp accepted, refusals with their codes. */
export function respond(ctx: AdminContext, command: keyof typeof SUCCESS_MESSAGE, result: ChatCommandResult): void {
  if (result.ok) {
    const holder = result.holder === undefined ? {} : { holder: result.holder };
    noteAudit(ctx, { details: { waMessageId: result.waMessageId, state: result.state, ...holder } });
    ctx.status = 200;
    ctx.body = {
      status: 'success',
      message: SUCCESS_MESSAGE[command],
      timestamp: result.timestamp,
      waMessageId: result.waMessageId,
      state: result.state,
      ...holder,
    };
    return;
  }
  // Written here rather than thrown: the error middleware renders no `whatsappCode`. The audit
  // middleware reads the code from this body.
  noteAudit(ctx, { details: { whatsappCode: result.whatsappCode } });
  ctx.status = FAILURE_STATUS[result.code];
  ctx.body = {
    status: 'error',
    error: {
      code: result.code,
      message: result.message,
      ...(result.whatsappCode !== undefined ? { whatsappCode: result.whatsappCode } : {}),
      // held_by_other names who holds the chat.
      ...(result.holder !== undefined ? { holder: result.holder } : {}),
    },
    // What did change: a chat opened or closed although WhatsApp refused its text.
    ...(result.state !== undefined ? { state: result.state } : {}),
  };
}
