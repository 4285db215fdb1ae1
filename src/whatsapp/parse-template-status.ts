import { MAX_ID_CHARS, MAX_OTHER_TEXT_CHARS } from '../../domain/whatsapp-limits';
import { cleanText, saneId } from './sanitize';
import { TemplateStatusValue } from './webhook-schema';

// The `message_template_status_update` webhook field: WhatsApp approved, paused, disabled or
// rejected one of the account's templates. Read as leniently as the rest of the webhook, and
// never fatal: an update that names no template is a note, and the next listing sets things right.

/** A template's new status, by WhatsApp's id and/or its name and language. */
export interface TemplateStatusUpdate {
  event: string;
  templateId?: string;
  name?: string;
  language?: string;
  reason?: string;
}

// Template names are at most 512 characters; language codes such as en_US or pt_BR are short.
const MAX_TEMPLATE_NAME_CHARS = 512;
const LANGUAGE = /^[A-Za-z]{2,3}(_[A-Za-z0-9]{2,8})?$/;
const EVENT = /^[A-Z_]{1,40}$/;

/** The update a change's value carries, or a note (safe to log) saying why there is none. */
export function parseTemplateStatus(value: unknown, where: string): TemplateStatusUpdate | string {
  const parsed = TemplateStatusValue.safeParse(value);
  if (!parsed.success) return `${where}: template status update has no event`;
  const v = parsed.data;
  const event = v.event.trim().toUpperCase();
  if (!EVENT.test(event)) return `${where}: template status update has an unknown event`;
  const templateId =
    v.message_template_id === undefined ? undefined : saneId(String(v.message_template_id), MAX_ID_CHARS);
  const name =
    v.message_template_name === undefined ? undefined : cleanText(v.message_template_name, MAX_TEMPLATE_NAME_CHARS);
  const language =
    v.message_template_language !== undefined && LANGUAGE.test(v.message_template_language)
      ? v.message_template_language
      : undefined;
  const named = name !== undefined && name !== '' && language !== undefined;
  if (templateId === undefined && !named) return `${where}: template status update names no template`;
  const reason = v.reason ? cleanText(v.reason, MAX_OTHER_TEXT_CHARS) : '';
  return {
    event,
    ...(templateId === undefined ? {} : { templateId }),
    ...(named ? { name, language } : {}),
    ...(reason === '' ? {} : { reason }),
  };
}
