import { z } from 'zod';
import { PARAMETER_FORMATS } from '../../domain/message-template';

// A message template as the Graph API lists it (`GET /{waba}/message_templates`, reference §5.8c).
// Lenient like the webhook schemas: Meta adds component types and fields over time, and one
// template we cannot read must not hide the others, so unknown fields are stripped and the
// components we do not use stay loosely typed.

/** A header's, body's or footer's example values, as Meta keeps them for review. */
const NamedExample = z.object({ param_name: z.string(), example: z.string().optional() });

export const GraphTemplateComponent = z.looseObject({
  type: z.string(),
  format: z.string().optional(),
  text: z.string().optional(),
  example: z
    .object({
      header_text: z.array(z.string()).optional(),
      header_text_named_params: z.array(NamedExample).optional(),
      body_text: z.array(z.array(z.string())).optional(),
      body_text_named_params: z.array(NamedExample).optional(),
    })
    .optional()
    .catch(undefined),
  buttons: z
    .array(z.looseObject({ type: z.string(), text: z.string().optional() }))
    .optional()
    .catch(undefined),
});
export type GraphTemplateComponent = z.infer<typeof GraphTemplateComponent>;

/** Graph spells it `parameter_format`; templates made before named parameters existed omit it. */
export const ParameterFormat = z.enum(PARAMETER_FORMATS);
export type ParameterFormat = z.infer<typeof ParameterFormat>;

export const GraphTemplate = z.object({
  id: z.union([z.string().min(1), z.number().transform(String)]),
  name: z.string().min(1),
  language: z.string().min(1),
  status: z.string().min(1),
  category: z.string().default(''),
  components: z.array(GraphTemplateComponent).default([]),
  parameter_format: ParameterFormat.default('POSITIONAL').catch('POSITIONAL'),
});
export type GraphTemplate = z.infer<typeof GraphTemplate>;

/** One page of the listing; the last page has cursors but no `next`. */
export const GraphTemplatePage = z.object({
  data: z.array(z.unknown()),
  paging: z
    .object({
      cursors: z.object({ after: z.string().optional(), before: z.string().optional() }).optional(),
      next: z.string().optional(),
    })
    .optional(),
});
export type GraphTemplatePage = z.infer<typeof GraphTemplatePage>;
