import type { OutboundContent } from '../../domain/types';
import { renderTemplate, toMessageTemplate, valuesFromSend } from '../../src/templates/template';
import type { GraphTemplate } from '../../src/whatsapp/template-schema';
import { graphError } from './graph-fake-http';

// The Graph fake's WhatsApp Business Account templates: listed at `GET /{waba}/message_templates`
// with real cursor paging (a small page, so clients must follow it), and checked on every template
// send as WhatsApp does (unknown, paused, disabled, wrong parameters or values), so the product meets the
// refusals it will meet in production. A send that passes is recorded with its rendered text.

/** Small on purpose: the defaults alone take three pages. */
export const FAKE_TEMPLATE_PAGE_SIZE = 2;

/** The sandbox's templates: what a school's support team would have approved. */
export const DEFAULT_FAKE_TEMPLATES: readonly GraphTemplate[] = [
  {
    id: '710000000000001',
    name: 'support_follow_up',
    language: 'en',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'NAMED',
    components: [
      {
        type: 'BODY',
        text: 'Hi {{first_name}}, this is the EduBot support team following up on your question. Reply to this message and we will pick it up from here.',
        example: { body_text_named_params: [{ param_name: 'first_name', example: 'Ada' }] },
      },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Talk to support' }] },
    ],
  },
  {
    id: '710000000000002',
    name: 'support_follow_up',
    language: 'es',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'NAMED',
    components: [
      {
        type: 'BODY',
        text: 'Hola {{first_name}}, somos el equipo de soporte de EduBot y seguimos con tu pregunta. Responde a este mensaje y continuamos aquí.',
        example: { body_text_named_params: [{ param_name: 'first_name', example: 'José' }] },
      },
      { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Hablar con soporte' }] },
    ],
  },
  {
    id: '710000000000003',
    name: 'homework_reminder',
    language: 'en',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Homework reminder' },
      {
        type: 'BODY',
        text: 'Hello {{1}}, your {{2}} homework is due soon. Send it to EduBot whenever you are ready.',
        example: { body_text: [['Ada', 'Mathematics']] },
      },
      { type: 'FOOTER', text: 'EduBot' },
    ],
  },
  {
    id: '710000000000004',
    name: 'payment_reminder',
    language: 'en',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      { type: 'HEADER', format: 'TEXT', text: 'Your {{1}} payment', example: { header_text: ['EduBot Monthly'] } },
      {
        type: 'BODY',
        text: 'Hi {{1}}, your subscription payment is still pending. Reply to this message if you need a new payment link or any help.',
        example: { body_text: [['Ada']] },
      },
      { type: 'FOOTER', text: 'EduBot' },
    ],
  },
  {
    // The rating question once a chat ends past the 24-hour window (CSAT_TEMPLATE_NAME): five quick
    // replies, 1 to 5 in order, whose payloads the product sets to csat_1 … csat_5 when it sends it.
    id: '710000000000006',
    name: 'chat_rating',
    language: 'en',
    status: 'APPROVED',
    category: 'UTILITY',
    parameter_format: 'POSITIONAL',
    components: [
      {
        type: 'BODY',
        text: '⭐ How was your chat with the EduBot support team? Tap a rating from 1 (poor) to 5 (excellent), or reply with a number.',
      },
      {
        type: 'BUTTONS',
        buttons: ['1 Poor', '2 Fair', '3 Good', '4 Very good', '5 Excellent'].map((text) => ({
          type: 'QUICK_REPLY',
          text,
        })),
      },
    ],
  },
  {
    // Not approved: listed by Graph, never offered to agents.
    id: '710000000000005',
    name: 'exam_results_offer',
    language: 'en',
    status: 'REJECTED',
    category: 'MARKETING',
    parameter_format: 'POSITIONAL',
    components: [{ type: 'BODY', text: 'Get 50% off exam coaching this week only!' }],
  },
];

export type TemplateSendCheck = { ok: true; content: OutboundContent } | { ok: false; code: number; body: unknown };

export interface FakeTemplates {
  readonly all: GraphTemplate[];
  /** The listing page after `after` (an opaque cursor this fake gave), `limit` capped at the page size. */
  page(query: URLSearchParams, pageUrl: string): { status: number; body: unknown };
  /** A send's content as WhatsApp would take it: a template checked and rendered, anything else as it is. */
  checkSend(content: OutboundContent): TemplateSendCheck;
  set(templates: readonly GraphTemplate[]): void;
  setStatus(name: string, language: string, status: string): void;
  reset(): void;
}

const copy = (templates: readonly GraphTemplate[]): GraphTemplate[] => structuredClone([...templates]);

export function createFakeTemplates(): FakeTemplates {
  let templates = copy(DEFAULT_FAKE_TEMPLATES);
  const cursor = (offset: number) => Buffer.from(`offset:${offset}`).toString('base64url');
  const offsetOf = (after: string | null): number | undefined => {
    if (after === null) return 0;
    const match = /^offset:(\d+)$/.exec(Buffer.from(after, 'base64url').toString('utf8'));
    return match ? Number(match[1]) : undefined;
  };

  return {
    get all() {
      return templates;
    },
    page(query, pageUrl) {
      const offset = offsetOf(query.get('after'));
      if (offset === undefined)
        return { status: 400, body: graphError(100, 'Invalid parameter', 'after is not a cursor of this listing') };
      const limit = Math.min(
        Math.max(Number(query.get('limit')) || FAKE_TEMPLATE_PAGE_SIZE, 1),
        FAKE_TEMPLATE_PAGE_SIZE,
      );
      const data = templates.slice(offset, offset + limit);
      const end = offset + data.length;
      const next = new URL(pageUrl);
      next.searchParams.set('after', cursor(end));
      const paging = {
        cursors: { before: cursor(offset), after: cursor(end) },
        ...(end < templates.length ? { next: next.toString() } : {}),
      };
      return { status: 200, body: { data, paging } };
    },
    checkSend(content) {
      if (content.kind !== 'template') return { ok: true, content };
      const found = templates.find((t) => t.name === content.name && t.language === content.language);
      if (found === undefined || !['APPROVED', 'PAUSED', 'DISABLED'].includes(found.status))
        return refuse(132001, 'Template name does not exist in the translation');
      if (found.status === 'PAUSED') return refuse(132015, 'Template is Paused');
      if (found.status === 'DISABLED') return refuse(132016, 'Template is Disabled');
      const template = toMessageTemplate(found);
      const values = valuesFromSend(template, content.parameters);
      if (!values.ok)
        return refuse(
          132000,
          'Number of parameters does not match the expected number of params',
          values.problems.join('; '),
        );
      const replies = found.components.find((c) => c.type === 'BUTTONS')?.buttons ?? [];
      const quickReplies = replies.filter((b) => b.type === 'QUICK_REPLY').length;
      if ((content.quickReplies?.length ?? 0) > quickReplies)
        return refuse(
          132000,
          'Number of parameters does not match the expected number of params',
          `button: ${content.quickReplies?.length} quick-reply payloads for ${quickReplies} quick replies`,
        );
      // The right parameters, but a value WhatsApp does not take (empty, a newline, too long).
      const rendered = renderTemplate(template, values.values);
      if (!rendered.ok) return refuse(132018, 'Template parameter error', rendered.problems.join('; '));
      return { ok: true, content: { ...content, rendered: rendered.content.rendered } };
    },
    set(next) {
      templates = copy(next);
    },
    setStatus(name, language, status) {
      const found = templates.find((t) => t.name === name && t.language === language);
      if (found === undefined) throw new RangeError(`graph fake: no template ${name} (${language})`);
      found.status = status;
    },
    reset() {
      templates = copy(DEFAULT_FAKE_TEMPLATES);
    },
  };
}

function refuse(code: number, title: string, details?: string): TemplateSendCheck {
  return { ok: false, code, body: graphError(code, title, details) };
}
