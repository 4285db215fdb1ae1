import { randomUUID } from 'node:crypto';
import net from 'node:net';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Config } from '../../src/config';
import { BSUID_PATTERN, MAX_BUTTON_ID_CHARS, MAX_ROW_ID_CHARS, MAX_TEXT_CHARS } from '../../domain/whatsapp-limits';
import type { GraphFake } from './graph-fake';
import { FAKE_DISPLAY_PHONE_NUMBER, messagesWebhookBody } from './graph-fake-status';
import { signBody } from '../../src/whatsapp/signature';
import { HttpError } from '../../src/server/errors';
import { readRawBody } from '../../src/server/raw-body';
import { parse, Phone } from '../../src/server/admin/params';

// Sandbox mode only (mounted when the built-in WhatsApp emulator stands in for Meta): what the
// emulator received, so a person can read the bot's replies, and a way to write to the bot as a
// WhatsApp user would, which the /simulator page uses. Not mounted when real credentials are set.

// A text gets WhatsApp's limit; a reply id the longer of a button's and a list row's; titles room to spare.
const MAX_REPLY_ID_CHARS = Math.max(MAX_BUTTON_ID_CHARS, MAX_ROW_ID_CHARS);
const BODY_LIMIT_BYTES = 64 * 1024;
// Long enough for signal-with-start on a busy dev machine; the page shows the failure otherwise.
const WEBHOOK_TIMEOUT_MS = 15_000;

const Name = z.string().trim().min(1, 'name must not be empty').max(80, 'name must be at most 80 characters');
const Text = z
  .string()
  .min(1, 'text must not be empty')
  .refine((text) => text.trim() !== '', 'text must not be blank')
  .refine((text) => [...text].length <= MAX_TEXT_CHARS, `text must be at most ${MAX_TEXT_CHARS} characters`);
const Reply = z.object({
  kind: z.enum(['button', 'list']),
  id: z.string().min(1).max(MAX_REPLY_ID_CHARS),
  title: z.string().min(1).max(100),
});
// The wamid of the bot message a reply answers: WhatsApp puts it in `context` on every tap.
const ContextId = z
  .string()
  .regex(/^wamid\.[A-Za-z0-9+/=._-]{1,200}$/, 'context is the wamid of a message the bot sent');

// A business-scoped user id as Meta documents it (a country, a period, up to 128 letters and digits),
// and a username (3–35 of a-z 0-9 . _ with a letter), with or without its `@`.
const Bsuid = z.string().regex(BSUID_PATTERN, 'userId is a BSUID such as US.13491208655302741918');
const Username = z
  .string()
  .regex(/^@?(?=[A-Za-z0-9._]*[A-Za-z])[A-Za-z0-9._]{3,35}$/, 'username has 3 to 35 of a-z, 0-9, . and _')
  .transform((name) => name.replace(/^@/, ''));

/**
 * Who writes: a phone number (`from`), a BSUID (`userId`), or both; a username only with a BSUID. A
 * user with a BSUID and no phone is a username user whose number WhatsApp does not share.
 */
const Who = {
  from: Phone.optional(),
  userId: Bsuid.optional(),
  username: Username.optional(),
  name: Name,
};
/** WhatsApp's notices that the user changed their number (with the new one), or only their BSUID. */
const SystemChange = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('user_changed_number'), newPhone: Phone, newUserId: Bsuid }),
  z.strictObject({ type: z.literal('user_changed_user_id'), newUserId: Bsuid }),
]);

const namesSender = (body: { from?: string | undefined; userId?: string | undefined }) =>
  body.from !== undefined || body.userId !== undefined;
const SENDER_MISSING = { message: 'name the sender: from (a phone number), userId (a BSUID) or both' };

export const SandboxMessageBody = z
  .union([
    z.strictObject({ ...Who, text: Text }),
    z.strictObject({ ...Who, reply: Reply, context: ContextId.optional() }),
    z.strictObject({ ...Who, system: SystemChange }),
  ])
  .refine(namesSender, SENDER_MISSING);
export type SandboxMessageBody = z.infer<typeof SandboxMessageBody>;

/** `?to=`, once or more: a phone number (compared by its digits) or a BSUID (verbatim). */
function addressesOf(raw: string | string[] | undefined): Set<string> | undefined {
  const list = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw])
    .map((to) => to.trim())
    .map((to) => (Bsuid.safeParse(to).success ? to : to.replace(/\D/g, '')))
    .filter((to) => to !== '');
  return list.length === 0 ? undefined : new Set(list);
}

export function sandboxRoutes(emulator: GraphFake, config: Pick<Config, 'whatsapp'>): Router {
  const router = new Router();

  router.get('/sandbox/sends', (ctx) => {
    // A reply to a username user goes to their BSUID (`recipient`): the emulator records it as `to`.
    const to = addressesOf(ctx.query.to);
    const sends = to ? emulator.sends.filter((send) => to.has(send.to)) : emulator.sends;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      sends: sends.map(({ waMessageId, to: address, recipient, content, at }) => ({
        waMessageId,
        to: address,
        ...(recipient === undefined ? {} : { recipient }),
        content,
        at,
      })),
    };
  });

  // A message from a simulated user goes through the product's own webhook over HTTP, exactly as
  // Meta's would: signed with the app secret, then verified, parsed and signalled by the real route,
  // and counted in its metrics. The answer is 200 only once the webhook said the message is durably
  // in Temporal.
  router.post('/sandbox/messages', async (ctx) => {
    // JSON only: a cross-site HTML form cannot send this content type without a CORS preflight.
    if (!ctx.is('application/json'))
      throw new HttpError(415, 'unsupported_media_type', 'Send the body as application/json');
    const raw = (await readRawBody(ctx, BODY_LIMIT_BYTES)).toString('utf8');
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new HttpError(400, 'invalid_json', 'Body is not JSON');
    }
    const input = parse(SandboxMessageBody, json, 'invalid_body', 'Invalid body');
    const waMessageId = newWamid();
    const sentAt = Date.now();
    const body = JSON.stringify(simulatedWebhook(input, waMessageId, sentAt, config.whatsapp.phoneNumberId));

    let response: Response;
    try {
      response = await fetch(ownWebhookUrl(ctx), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-hub-signature-256': signBody(body, config.whatsapp.appSecret),
        },
        body,
        signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
      });
    } catch (err) {
      throw new HttpError(502, 'webhook_unreachable', 'The webhook did not answer; try again', { cause: String(err) });
    }
    const answer = await response.text();
    if (response.status !== 200) {
      // 503 means "not accepted, retry later" for Meta too; anything else is a fault of this sandbox.
      const status = response.status === 503 ? 503 : 502;
      throw new HttpError(status, 'webhook_refused', `The webhook answered ${response.status}`, {
        webhookStatus: response.status,
        body: answer,
      });
    }
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      status: 'success',
      message: 'Message delivered to the webhook',
      waMessageId,
      timestamp: new Date(sentAt).toISOString(),
    };
  });

  return router;
}

/**
 * The webhook URL of this very server: the address and port this request arrived on are ones the
 * server listens on, whatever PORT says (tests listen on port 0).
 */
function ownWebhookUrl(ctx: Context): string {
  const socket = ctx.req.socket;
  let host = socket.localAddress ?? '127.0.0.1';
  if (host.startsWith('::ffff:')) host = host.slice('::ffff:'.length);
  if (net.isIPv6(host)) host = `[${host}]`;
  return `http://${host}:${socket.localPort}/api/webhook/whatsapp`;
}

function newWamid(): string {
  return 'wamid.' + Buffer.from(`sandbox.${randomUUID()}`).toString('base64');
}

/**
 * A Meta-shaped `messages` webhook carrying one message from the simulated user: `from`/`wa_id` for a
 * phone, `from_user_id`/`user_id` for a BSUID, `profile.username` for a username; a system message
 * (a changed number or BSUID) has no `contacts`, names the old identifiers and carries the new ones.
 */
export function simulatedWebhook(
  input: SandboxMessageBody,
  waMessageId: string,
  sentAt: number,
  phoneNumberId: string,
): unknown {
  const message = {
    ...(input.from === undefined ? {} : { from: input.from }),
    ...('system' in input || input.userId === undefined ? {} : { from_user_id: input.userId }),
    id: waMessageId,
    timestamp: String(Math.floor(sentAt / 1000)),
  };
  if ('system' in input) {
    const change = input.system;
    const system =
      change.type === 'user_changed_number'
        ? {
            body: `User ${input.name} changed from ${input.from ?? 'a hidden number'} to ${change.newPhone}`,
            wa_id: change.newPhone,
            user_id: change.newUserId,
          }
        : { body: `User ${input.name} changed their WhatsApp account`, user_id: change.newUserId };
    return messagesWebhookBody(phoneNumberId, {
      messages: [
        {
          ...message,
          type: 'system',
          system: {
            ...system,
            ...(input.userId === undefined ? {} : { previous_user_id: input.userId }),
            type: change.type,
          },
        },
      ],
    });
  }
  const part =
    'text' in input
      ? { type: 'text', text: { body: input.text } }
      : {
          ...(input.context === undefined ? {} : { context: { from: FAKE_DISPLAY_PHONE_NUMBER, id: input.context } }),
          type: 'interactive',
          interactive:
            input.reply.kind === 'button'
              ? { type: 'button_reply', button_reply: { id: input.reply.id, title: input.reply.title } }
              : { type: 'list_reply', list_reply: { id: input.reply.id, title: input.reply.title } },
        };
  const contact = {
    profile: { name: input.name, ...(input.username === undefined ? {} : { username: input.username }) },
    ...(input.from === undefined ? {} : { wa_id: input.from }),
    ...(input.userId === undefined ? {} : { user_id: input.userId }),
  };
  return messagesWebhookBody(phoneNumberId, { contacts: [contact], messages: [{ ...message, ...part }] });
}
