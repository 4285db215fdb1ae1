import { z } from 'zod';
import type { AttachmentType, OutboundContent, Recipient } from '../../domain/types';
import { ANY_BSUID_PATTERN } from '../../domain/whatsapp-limits';

// The Graph send body for what the bot sends (text, reply buttons, list), in both directions:
// the client builds it, the local Graph fake parses it back. WhatsApp's limits are checked before
// sending (outbound-limits.ts, re-exported here for the callers that import them with the body).

export { checkOutboundLimits } from './outbound-limits';

const textHeader = (text: string | undefined) =>
  text === undefined ? {} : { header: { type: 'text' as const, text } };
const footer = (text: string | undefined) => (text === undefined ? {} : { footer: { text } });

/**
 * Builds the Graph `/messages` body: `to` the phone when the contact has one, otherwise `recipient` the
 * BSUID, as Meta recommends (were both sent, `to` would win). `to` gets the `+`: without it Meta
 * prepends the business number's country calling code, which can misdeliver the message.
 */
export function toGraphSendBody(
  to: Recipient,
  content: OutboundContent,
  contextMessageId?: string,
  uploadedMediaId?: string,
  callbackData?: string,
): GraphSendBody {
  const base = {
    messaging_product: 'whatsapp' as const,
    recipient_type: 'individual' as const,
    ...(to.phone !== undefined ? { to: '+' + to.phone.replace(/\D/g, '') } : { recipient: to.bsuid }),
    ...(contextMessageId === undefined ? {} : { context: { message_id: contextMessageId } }),
    // Echoed by WhatsApp in every status of the message: the send's idempotency key (an opaque id).
    // Meta takes up to 512 characters; a longer key is left out rather than the send refused.
    ...(callbackData === undefined || callbackData.length > 512 ? {} : { biz_opaque_callback_data: callbackData }),
  };
  switch (content.kind) {
    case 'text':
      return { ...base, type: 'text', text: { body: content.text } };
    case 'buttons':
      return {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'button',
          ...textHeader(content.header),
          body: { text: content.body },
          ...footer(content.footer),
          action: { buttons: content.buttons.map((b) => ({ type: 'reply', reply: { id: b.id, title: b.title } })) },
        },
      };
    case 'list':
      return {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'list',
          ...textHeader(content.header),
          body: { text: content.body },
          ...footer(content.footer),
          action: { button: content.button, sections: content.sections },
        },
      };
    case 'template':
      return { ...base, type: 'template', template: templateBody(content) };
    case 'contact_request':
      return {
        ...base,
        type: 'interactive',
        interactive: {
          type: 'request_contact_info',
          body: { text: content.body },
          action: { name: 'request_contact_info' },
        },
      };
    case 'media': {
      // Sent by the id WhatsApp gave the uploaded file, never by a link.
      if (uploadedMediaId === undefined) throw new RangeError('a media message is sent only once its file is uploaded');
      const media = {
        id: uploadedMediaId,
        ...(content.caption !== undefined && content.mediaType !== 'audio' ? { caption: content.caption } : {}),
        ...(content.filename !== undefined && content.mediaType === 'document' ? { filename: content.filename } : {}),
      };
      return { ...base, type: content.mediaType, [content.mediaType]: media } as GraphSendBody;
    }
  }
}

/** The template part of a send: body and header parameters, named or positional, in their order. */
function templateBody(content: Extract<OutboundContent, { kind: 'template' }>) {
  const components = (['header', 'body'] as const)
    .map((type) => ({
      type,
      parameters: content.parameters
        .filter((p) => p.component === type)
        .map((p) => ({
          type: 'text' as const,
          ...(p.name !== undefined ? { parameter_name: p.name } : {}),
          text: p.text,
        })),
    }))
    .filter((c) => c.parameters.length > 0);
  // Each quick reply's payload, which WhatsApp hands back when it is tapped.
  const quickReplies = (content.quickReplies ?? []).map((payload, index) => ({
    type: 'button' as const,
    sub_type: 'quick_reply' as const,
    index: String(index),
    parameters: [{ type: 'payload' as const, payload }] as [{ type: 'payload'; payload: string }],
  }));
  const all = [...components, ...quickReplies];
  return {
    name: content.name,
    language: { code: content.language },
    ...(all.length > 0 ? { components: all } : {}),
  };
}

const Header = z.object({ type: z.literal('text'), text: z.string() });
const Footer = z.object({ text: z.string() });
const Body = z.object({ text: z.string() });
const ListRowBody = z.object({ id: z.string(), title: z.string(), description: z.string().optional() });

const ButtonInteractive = z.object({
  type: z.literal('button'),
  header: Header.optional(),
  body: Body,
  footer: Footer.optional(),
  action: z.object({
    buttons: z.array(z.object({ type: z.literal('reply'), reply: z.object({ id: z.string(), title: z.string() }) })),
  }),
});

const ListInteractive = z.object({
  type: z.literal('list'),
  header: Header.optional(),
  body: Body,
  footer: Footer.optional(),
  action: z.object({
    button: z.string(),
    sections: z.array(z.object({ title: z.string(), rows: z.array(ListRowBody) })),
  }),
});

// A button that shares the student's phone number (reference: whatsapp-identity.md §3.7).
const RequestContactInfoInteractive = z.object({
  type: z.literal('request_contact_info'),
  body: Body,
  action: z.object({ name: z.literal('request_contact_info') }),
});

const SendBase = z.object({
  messaging_product: z.literal('whatsapp'),
  recipient_type: z.literal('individual').optional(),
  to: z.string().regex(/\d/, 'must contain a phone number').optional(),
  recipient: z.string().regex(ANY_BSUID_PATTERN, 'must be a BSUID').optional(),
  context: z.object({ message_id: z.string().min(1) }).optional(),
  biz_opaque_callback_data: z.string().max(512).optional(),
});

const TemplateBody = z.object({
  name: z.string().min(1),
  language: z.object({ code: z.string().min(1) }),
  components: z
    .array(
      z.union([
        z.object({
          type: z.enum(['header', 'body']),
          parameters: z.array(
            z.object({ type: z.literal('text'), parameter_name: z.string().optional(), text: z.string() }),
          ),
        }),
        z.object({
          type: z.literal('button'),
          sub_type: z.literal('quick_reply'),
          index: z.string().regex(/^\d$/),
          parameters: z.tuple([z.object({ type: z.literal('payload'), payload: z.string() })]),
        }),
      ]),
    )
    .optional(),
});

const MediaById = z.object({ id: z.string().min(1), caption: z.string().optional(), filename: z.string().optional() });

/**
 * The subset of Graph send bodies this service produces: text, interactive button/list/contact-info
 * request, template and media.
 */
export const GraphSendBody = z
  .discriminatedUnion('type', [
    SendBase.extend({
      type: z.literal('text'),
      text: z.object({ body: z.string(), preview_url: z.boolean().optional() }),
    }),
    SendBase.extend({
      type: z.literal('interactive'),
      interactive: z.discriminatedUnion('type', [ButtonInteractive, ListInteractive, RequestContactInfoInteractive]),
    }),
    SendBase.extend({ type: z.literal('template'), template: TemplateBody }),
    SendBase.extend({ type: z.literal('image'), image: MediaById }),
    SendBase.extend({ type: z.literal('document'), document: MediaById }),
    SendBase.extend({ type: z.literal('audio'), audio: MediaById }),
    SendBase.extend({ type: z.literal('video'), video: MediaById }),
  ])
  .refine((body) => body.to !== undefined || body.recipient !== undefined, 'a send needs `to` or `recipient`');
export type GraphSendBody = z.infer<typeof GraphSendBody>;

/** Recovers the OutboundContent a Graph send body expresses (the inverse of toGraphSendBody). */
export function fromGraphSendBody(body: GraphSendBody): OutboundContent {
  if (body.type === 'text') return { kind: 'text', text: body.text.body };
  if (body.type === 'template') {
    const components = body.template.components ?? [];
    const parameters = components.flatMap((c) =>
      c.type === 'button'
        ? []
        : c.parameters.map((p) => ({
            component: c.type,
            ...(p.parameter_name !== undefined ? { name: p.parameter_name } : {}),
            text: p.text,
          })),
    );
    const quickReplies = components.flatMap((c) => (c.type === 'button' ? [c.parameters[0].payload] : []));
    // The rendered text needs the template itself, which only the account (or the fake) knows.
    return {
      kind: 'template',
      name: body.template.name,
      language: body.template.language.code,
      parameters,
      rendered: '',
      ...(quickReplies.length > 0 ? { quickReplies } : {}),
    };
  }
  if (body.type !== 'interactive') {
    const { media } = mediaOfSend(body)!;
    // The stored file behind an uploaded id is ours to know, not the Graph body's: fileId 0.
    return {
      kind: 'media',
      mediaType: body.type,
      fileId: 0,
      mimeType: '',
      ...(media.caption !== undefined ? { caption: media.caption } : {}),
      ...(media.filename !== undefined ? { filename: media.filename } : {}),
    };
  }
  const i = body.interactive;
  if (i.type === 'request_contact_info') return { kind: 'contact_request', body: i.body.text };
  const extras = {
    ...(i.header === undefined ? {} : { header: i.header.text }),
    ...(i.footer === undefined ? {} : { footer: i.footer.text }),
  };
  if (i.type === 'button') {
    return { kind: 'buttons', body: i.body.text, buttons: i.action.buttons.map((b) => b.reply), ...extras };
  }
  return { kind: 'list', body: i.body.text, button: i.action.button, sections: i.action.sections, ...extras };
}

/** The media part of an image, document, audio or video send, with its kind; undefined for any other send. */
export function mediaOfSend(
  body: GraphSendBody,
): { mediaType: AttachmentType; media: z.infer<typeof MediaById> } | undefined {
  switch (body.type) {
    case 'image':
      return { mediaType: body.type, media: body.image };
    case 'document':
      return { mediaType: body.type, media: body.document };
    case 'audio':
      return { mediaType: body.type, media: body.audio };
    case 'video':
      return { mediaType: body.type, media: body.video };
    default:
      return undefined;
  }
}
