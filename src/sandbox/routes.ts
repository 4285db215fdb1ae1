import { randomUUID } from 'node:crypto';
import net from 'node:net';
import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { Config } from '../config';
import { MAX_BUTTON_ID_CHARS, MAX_ROW_ID_CHARS, MAX_TEXT_CHARS } from '../../domain/whatsapp-limits';
import type { GraphFake } from './graph-fake';
import { FAKE_DISPLAY_PHONE_NUMBER, messagesWebhookBody } from './graph-fake-status';
import { signBody } from '../whatsapp/signature';
import { HttpError } from '../server/errors';
import { readRawBody } from '../server/raw-body';
import { parse, Phone } from '../server/admin/params';

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

export const SandboxMessageBody = z.union([
  z.strictObject({ from: Phone, name: Name, text: Text }),
  z.strictObject({ from: Phone, name: Name, reply: Reply, context: ContextId.optional() }),
]);
export type SandboxMessageBody = z.infer<typeof SandboxMessageBody>;

export function sandboxRoutes(emulator: GraphFake, config: Pick<Config, 'whatsapp'>): Router {
  const router = new Router();

  router.get('/sandbox/sends', (ctx) => {
    const to = typeof ctx.query.to === 'string' ? ctx.query.to.replace(/\D/g, '') : undefined;
    const sends = to ? emulator.sendsTo(to) : emulator.sends;
    ctx.set('Cache-Control', 'no-store');
    ctx.body = {
      sends: sends.map(({ waMessageId, to: recipient, content, at }) => ({ waMessageId, to: recipient, content, at })),
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

/** A Meta-shaped `messages` webhook carrying one message from the simulated user. */
export function simulatedWebhook(
  input: SandboxMessageBody,
  waMessageId: string,
  sentAt: number,
  phoneNumberId: string,
): unknown {
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
  return messagesWebhookBody(phoneNumberId, {
    contacts: [{ profile: { name: input.name }, wa_id: input.from }],
    messages: [{ from: input.from, id: waMessageId, timestamp: String(Math.floor(sentAt / 1000)), ...part }],
  });
}
