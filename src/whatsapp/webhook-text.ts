import { MAX_ID_CHARS, MAX_OTHER_TEXT_CHARS } from '../../domain/whatsapp-limits';
import { clampChars, clampInt, cleanText } from './sanitize';
import type { WebhookErrorItem } from './webhook-schema';

// How the webhook parser shapes the free text it hands on or writes into its notes: every field is
// cleaned and clamped (sanitize.ts), and what comes from the sender is kept short in notes and summaries.

/** An error's title, else its message, else its code. */
export function errorTitle(error: WebhookErrorItem): string {
  return other(error.title ?? error.message ?? `error ${clampInt(error.code)}`);
}

/** A text field Meta documents no limit for. */
export function other(text: string): string {
  return cleanText(text, MAX_OTHER_TEXT_CHARS);
}

/** A message type as it is stored: WhatsApp's are short words. */
export function typeName(type: string): string {
  return cleanText(type, MAX_ID_CHARS);
}

// Type names and fields come from the sender; keep notes and summaries short.
export function clip(text: string): string {
  const clean = cleanText(text, 65);
  const clipped = clampChars(clean, 64);
  return clipped === clean ? clean : `${clipped}…`;
}

export function quote(text: string): string {
  return JSON.stringify(clip(text));
}
