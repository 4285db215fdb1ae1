import type { TemplateContent, TemplateParameter } from '../../domain/types';
import { MAX_HEADER_CHARS } from '../../domain/whatsapp-limits';
import type { MessageTemplate, ParameterFormat, TemplateComponent } from '../../domain/message-template';
import type { GraphTemplate } from '../whatsapp/template-schema';

// What a message template asks for and what it says once filled in. Pure: the same code lists a
// template's parameters for the console, checks an agent's values before anything is sent, renders
// the text the history shows, and lets the local Graph fake check a send as WhatsApp would.
//
// Placeholders are `{{1}}`, `{{2}}` … in a positional template (filled in order) and `{{first_name}}`
// in a named one (`parameter_format: NAMED`, filled by `parameter_name`). Only a text header and the
// body take parameters here; media headers and button parameters are not offered to agents.

/** A template as the Graph API lists it, in the store's shape. */
export function toMessageTemplate(t: GraphTemplate): MessageTemplate {
  return {
    id: t.id,
    name: t.name,
    language: t.language,
    status: t.status,
    category: t.category,
    parameterFormat: t.parameter_format,
    components: t.components,
  };
}

/** One value a template asks for. `key` is how agents name it: `first_name`, `1`, `header.1`, `header.name`. */
export interface TemplateParameterSpec {
  key: string;
  component: 'header' | 'body';
  /** Named templates: the placeholder's name. */
  name?: string;
  /** Positional templates: the placeholder's number. */
  position?: number;
  /** The example Meta was shown when the template was reviewed. */
  example?: string;
}

/** The text parts of a template, placeholders included. */
export interface TemplateParts {
  header?: string;
  body: string;
  footer?: string;
  /** Button labels (quick replies, links, calls). */
  buttons: string[];
}

/** WhatsApp's limit on a template body with its parameters filled in (reference §5.6). */
export const MAX_TEMPLATE_BODY_CHARS = 1024;
/** Meta refuses a parameter holding a newline or tab, or more than four spaces in a row (132018). */
const FORBIDDEN_IN_VALUE = /[\n\r\t]| {5,}/;

const PLACEHOLDER = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;
const POSITION = /^[1-9]\d*$/;
const NAME = /^[a-z_][a-z0-9_]*$/;

const length = (s: string): number => [...s].length;

function component(template: MessageTemplate, type: string): TemplateComponent | undefined {
  return template.components.find((c) => c.type.toUpperCase() === type);
}

/** The header's text, or undefined for no header or a media header. */
function headerText(template: MessageTemplate): string | undefined {
  const header = component(template, 'HEADER');
  if (header === undefined || (header.format ?? 'TEXT').toUpperCase() !== 'TEXT') return undefined;
  return header.text;
}

export function templateParts(template: MessageTemplate): TemplateParts {
  const header = headerText(template);
  const footer = component(template, 'FOOTER')?.text;
  const buttons = (component(template, 'BUTTONS')?.buttons ?? []).flatMap((b) => (b.text ? [b.text] : []));
  return {
    ...(header === undefined ? {} : { header }),
    body: component(template, 'BODY')?.text ?? '',
    ...(footer === undefined ? {} : { footer }),
    buttons,
  };
}

/** Whether a placeholder's inside is a parameter of a template of this format (else it is plain text). */
function isParameter(format: ParameterFormat, inside: string): boolean {
  return format === 'NAMED' ? NAME.test(inside) : POSITION.test(inside);
}

/** A text's parameters: positional ones by number, named ones in order of first appearance. */
function placeholders(format: ParameterFormat, text: string | undefined): string[] {
  if (text === undefined) return [];
  const found = [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))].filter((p) => isParameter(format, p));
  return format === 'NAMED' ? found : found.sort((a, b) => Number(a) - Number(b));
}

function example(
  template: MessageTemplate,
  part: 'header' | 'body',
  placeholder: string,
  format: ParameterFormat,
): string | undefined {
  const examples = component(template, part === 'header' ? 'HEADER' : 'BODY')?.example;
  if (examples === undefined) return undefined;
  if (format === 'NAMED') {
    const named = part === 'header' ? examples.header_text_named_params : examples.body_text_named_params;
    return named?.find((e) => e.param_name === placeholder)?.example;
  }
  const positional = part === 'header' ? examples.header_text : examples.body_text?.[0];
  return positional?.[Number(placeholder) - 1];
}

/** The values a template asks for, header first, each in the order WhatsApp fills them. */
export function templateParameters(template: MessageTemplate): TemplateParameterSpec[] {
  const format = template.parameterFormat;
  const specs = (part: 'header' | 'body', text: string | undefined): TemplateParameterSpec[] =>
    placeholders(format, text).map((placeholder) => {
      const sample = example(template, part, placeholder, format);
      return {
        key: part === 'header' ? `header.${placeholder}` : placeholder,
        component: part,
        ...(format === 'NAMED' ? { name: placeholder } : { position: Number(placeholder) }),
        ...(sample === undefined ? {} : { example: sample }),
      };
    });
  return [...specs('header', headerText(template)), ...specs('body', templateParts(template).body)];
}

/** The text with each of its parameters replaced by its value; other braces stay as they are. */
function fill(format: ParameterFormat, text: string, value: (placeholder: string) => string | undefined): string {
  return text.replace(PLACEHOLDER, (whole, inside: string) =>
    isParameter(format, inside) ? (value(inside) ?? whole) : whole,
  );
}

export type RenderResult = { ok: true; content: TemplateContent } | { ok: false; problems: string[] };

/**
 * Checks `values` against what the template asks for (exactly its keys, each a non-empty value
 * WhatsApp accepts) and builds the content to send: parameters in the template's order, and the
 * rendered header, body and footer the history shows. Problems name each key concerned.
 */
export function renderTemplate(template: MessageTemplate, values: Record<string, string>): RenderResult {
  const specs = templateParameters(template);
  const problems: string[] = [];
  const expected = new Set(specs.map((s) => s.key));
  for (const spec of specs) {
    const value = Object.hasOwn(values, spec.key) ? values[spec.key] : undefined;
    if (value === undefined) problems.push(`${spec.key}: missing`);
    else if (value.trim() === '') problems.push(`${spec.key}: must not be empty`);
    else if (FORBIDDEN_IN_VALUE.test(value))
      problems.push(`${spec.key}: must not hold a newline, a tab or more than four spaces in a row`);
    else if (length(value) > MAX_TEMPLATE_BODY_CHARS)
      problems.push(`${spec.key}: must be at most ${MAX_TEMPLATE_BODY_CHARS} characters (got ${length(value)})`);
  }
  for (const key of Object.keys(values))
    if (!expected.has(key)) problems.push(`${key}: not a parameter of this template`);
  if (problems.length > 0) return { ok: false, problems };

  const format = template.parameterFormat;
  const parts = templateParts(template);
  const header = parts.header === undefined ? undefined : fill(format, parts.header, (p) => values[`header.${p}`]);
  const body = fill(format, parts.body, (p) => values[p]);
  if (header !== undefined && length(header) > MAX_HEADER_CHARS)
    problems.push(`${headerKeys(specs)}: the header must be at most ${MAX_HEADER_CHARS} characters filled in`);
  if (length(body) > MAX_TEMPLATE_BODY_CHARS)
    problems.push(`${bodyKeys(specs)}: the text must be at most ${MAX_TEMPLATE_BODY_CHARS} characters filled in`);
  if (problems.length > 0) return { ok: false, problems };

  const parameters: TemplateParameter[] = specs.map((spec) => ({
    component: spec.component,
    ...(spec.name === undefined ? {} : { name: spec.name }),
    text: values[spec.key]!,
  }));
  return {
    ok: true,
    content: {
      kind: 'template',
      name: template.name,
      language: template.language,
      parameters,
      rendered: [header, body, parts.footer].filter((part) => part !== undefined && part !== '').join('\n\n'),
    },
  };
}

const headerKeys = (specs: TemplateParameterSpec[]) =>
  specs
    .filter((s) => s.component === 'header')
    .map((s) => s.key)
    .join(', ');
const bodyKeys = (specs: TemplateParameterSpec[]) =>
  specs
    .filter((s) => s.component === 'body')
    .map((s) => s.key)
    .join(', ');

/**
 * The keyed values of parameters as a send carries them (the inverse of renderTemplate's order):
 * named ones by their name, positional ones by their place in their component. Problems when the
 * count or the names do not match the template, as WhatsApp answers 132000.
 */
export function valuesFromSend(
  template: MessageTemplate,
  sent: TemplateParameter[],
): { ok: true; values: Record<string, string> } | { ok: false; problems: string[] } {
  const specs = templateParameters(template);
  const problems: string[] = [];
  const values: Record<string, string> = {};
  for (const part of ['header', 'body'] as const) {
    const wanted = specs.filter((s) => s.component === part);
    const given = sent.filter((p) => p.component === part);
    if (given.length !== wanted.length) {
      problems.push(`${part}: expected ${wanted.length} parameters, got ${given.length}`);
      continue;
    }
    given.forEach((parameter, i) => {
      const spec = template.parameterFormat === 'NAMED' ? wanted.find((s) => s.name === parameter.name) : wanted[i];
      if (spec === undefined || (template.parameterFormat === 'POSITIONAL' && parameter.name !== undefined))
        problems.push(`${part}: parameter ${parameter.name ?? i + 1} does not match the template`);
      else values[spec.key] = parameter.text;
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

/** Only an approved template can be sent; every other status is refused by WhatsApp (132001, 132015, 132016). */
export function isSendable(template: Pick<MessageTemplate, 'status'>): boolean {
  return template.status === 'APPROVED';
}

/**
 * The status a `message_template_status_update` event leaves a template in; undefined for an event
 * that changes nothing we act on (FLAGGED: quality is dropping, it can still be sent until PAUSED).
 */
export function statusAfterEvent(event: string): string | undefined {
  const upper = event.toUpperCase();
  if (upper === 'FLAGGED') return undefined;
  // A paused template WhatsApp lets send again.
  if (upper === 'REINSTATED' || upper === 'UNPAUSED') return 'APPROVED';
  if (upper === 'PENDING_DELETION') return 'DELETED';
  return upper;
}
