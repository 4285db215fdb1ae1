// A message template as the store keeps it (Graph's fields, camel-cased): the admin API lists, checks
// and renders it, the activities send it, src/db stores it. Plain data; the zod schemas that read it
// from the Graph API and from Postgres live in src/ and produce this shape.

/** How a template's placeholders are filled: `{{1}}` … in order, or `{{first_name}}` by name (Graph's `parameter_format`). */
export const PARAMETER_FORMATS = ['POSITIONAL', 'NAMED'] as const;
export type ParameterFormat = (typeof PARAMETER_FORMATS)[number];

/** A placeholder's example value, as Meta keeps it for review. */
export interface NamedExample {
  param_name: string;
  example?: string;
}

/**
 * One component of a template (HEADER, BODY, FOOTER, BUTTONS …) in Graph's spelling. Meta adds
 * component types and fields over time: the ones not used here are kept as they came.
 */
export interface TemplateComponent {
  type: string;
  format?: string;
  text?: string;
  example?: {
    header_text?: string[];
    header_text_named_params?: NamedExample[];
    body_text?: string[][];
    body_text_named_params?: NamedExample[];
  };
  buttons?: { type: string; text?: string; [field: string]: unknown }[];
  [field: string]: unknown;
}

/** A template as the store keeps it. */
export interface MessageTemplate {
  /** WhatsApp's template id. */
  id: string;
  name: string;
  language: string;
  /** APPROVED, PAUSED, DISABLED, REJECTED, PENDING …: only APPROVED can be sent. */
  status: string;
  category: string;
  parameterFormat: ParameterFormat;
  components: TemplateComponent[];
}
