import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { commandContext, respond } from './chat';
import { getContact } from '../../db/contacts';
import { getTemplate, listTemplates } from '../../db/templates';
import type { Db } from '../../db/pool';
import type { ChatCommands } from '../chat-commands';
import { badRequest, HttpError, notFound } from '../errors';
import {
  isSendable,
  renderTemplate,
  templateParameters,
  templateParts,
  type TemplateParameterSpec,
} from '../../templates/template';
import type { MessageTemplate } from '../../../domain/message-template';
import { parse, readJsonBody } from './params';
import { explainedResult } from './whatsapp-refusal';

// Message templates, the only messages WhatsApp accepts outside the 24-hour window (SPEC §7.3):
// the approved ones for the console to offer, and sending one to a student. Everything that can be
// checked here (the template exists, is approved, gets exactly its parameters) is checked before
// the conversation is asked to send, so a refusal never reaches WhatsApp.

// Meta names templates in lowercase letters, digits and underscores (at most 512 characters) and their
// languages by short codes (en, en_US, pt_BR); parameter keys are names, positions or `header.` ones.
// Anything else names no template, and would not be fit for the audit log or Postgres either.
export const SendTemplateBody = z.strictObject({
  name: z
    .string()
    .trim()
    .regex(/^[a-z0-9_]{1,512}$/, 'name is lowercase letters, digits and underscores'),
  language: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})?$/, 'language is a code such as en or en_US'),
  parameters: z
    .record(
      z.string().regex(/^[A-Za-z0-9_.]{1,100}$/, 'a parameter key is a name, a position or header.<name>'),
      // Emptiness and length are the template's to judge (renderTemplate names the key).
      z
        .string()
        .refine((text) => !text.includes('\0'), 'a parameter value must not contain U+0000')
        .refine((text) => !/\p{Cs}/u.test(text), 'a parameter value must not contain an unpaired surrogate'),
    )
    .refine((values) => Object.keys(values).length <= 100, 'at most 100 parameters')
    .optional(),
});
export type SendTemplateBody = z.infer<typeof SendTemplateBody>;

/** A template as the console shows it: its texts, button labels and the values it asks for. */
export interface TemplateJson {
  name: string;
  language: string;
  category: string;
  header?: string;
  text: string;
  footer?: string;
  buttons?: string[];
  parameters: TemplateParameterSpec[];
}

export function templateJson(template: MessageTemplate): TemplateJson {
  const parts = templateParts(template);
  return {
    name: template.name,
    language: template.language,
    category: template.category,
    ...(parts.header === undefined ? {} : { header: parts.header }),
    text: parts.body,
    ...(parts.footer === undefined ? {} : { footer: parts.footer }),
    ...(parts.buttons.length === 0 ? {} : { buttons: parts.buttons }),
    parameters: templateParameters(template),
  };
}

/** Whether WhatsApp delivers the template only to a phone number, never to a BSUID (reference §3.3). */
export function needsPhone(template: Pick<MessageTemplate, 'category'>): boolean {
  return template.category.toUpperCase() === 'AUTHENTICATION';
}

export function mountTemplateRoutes(
  router: Router<AdminState>,
  { db, chat }: { db: Db; chat: ChatCommands },
  guard: AdminGuard,
): void {
  router.get('/api/admin/templates', ...guard('templates.list', AGENT_OR_ADMIN), async (ctx) => {
    // The store sorts by name, then language.
    const templates = (await listTemplates(db)).filter(isSendable);
    ctx.body = { status: 'success', templates: templates.map(templateJson) };
  });

  router.post('/api/admin/conversations/:phone/template', ...guard('chat.template', AGENT_OR_ADMIN), async (ctx) => {
    const input = await commandContext(ctx, db);
    const body = parse(SendTemplateBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    const values = body.parameters ?? {};
    // Which template and which keys, never the values: they are what the student reads.
    noteAudit(ctx, {
      details: { template: body.name, language: body.language, parameterKeys: Object.keys(values).sort() },
    });
    const template = await getTemplate(db, body.name, body.language);
    if (template === undefined)
      throw notFound('template_not_found', `No template ${body.name} in language ${body.language}`);
    if (!isSendable(template))
      throw new HttpError(
        409,
        'template_not_approved',
        `Template ${body.name} (${body.language}) is ${template.status}: only an APPROVED template can be sent`,
      );
    const rendered = renderTemplate(template, values);
    if (!rendered.ok) throw badRequest('invalid_parameters', `Invalid parameters: ${rendered.problems.join('; ')}`);
    // WhatsApp sends authentication templates (one-tap, zero-tap, copy-code) to phone numbers only: to a
    // student known by BSUID alone it would refuse with 131062. Refused here, before anything is sent.
    if (needsPhone(template) && ((await getContact(db, input.contactId))?.phone ?? null) === null)
      throw new HttpError(
        422,
        'phone_required',
        `Template ${body.name} is an authentication template, which WhatsApp sends only to a phone number, and this student's is unknown: ask for it with Request contact info`,
      );
    respond(ctx, 'template', explainedResult(await chat.template({ ...input, template: rendered.content })));
  });
}
