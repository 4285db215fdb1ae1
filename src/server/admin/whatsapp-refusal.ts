import { noteAudit } from './audit';
import type { AdminContext } from './params';
import type { ChatCommandResult } from '../chat-commands';
import { BSUID_RECIPIENT_NOT_SUPPORTED } from '../../whatsapp/errors';

/**
 * What an agent can do about a WhatsApp refusal whose cause is known, added to the refusal's message:
 * a refusal the agent can act on says how.
 */
const EXPLANATIONS: ReadonlyMap<number, string> = new Map([
  [
    BSUID_RECIPIENT_NOT_SUPPORTED,
    "This message needs the student's phone number: ask for it with Request contact info",
  ],
]);

/** The message an agent reads for a refusal: WhatsApp's refusal, and what to do when that is known. */
export function explainWhatsAppRefusal(message: string, whatsappCode: number | undefined): string {
  const explanation = whatsappCode === undefined ? undefined : EXPLANATIONS.get(whatsappCode);
  if (explanation === undefined || message.includes(explanation)) return message;
  return `${message}. ${explanation}`;
}

/** A chat command's answer with its WhatsApp refusal explained (see explainWhatsAppRefusal). */
export function explainedResult(result: ChatCommandResult): ChatCommandResult {
  if (result.ok || result.code !== 'whatsapp_rejected') return result;
  return { ...result, message: explainWhatsAppRefusal(result.message, result.whatsappCode) };
}

/**
 * Answers 502 for a request WhatsApp refused, with WhatsApp's own code, and notes that code in the
 * audit row. Written rather than thrown: the error middleware renders no `whatsappCode`.
 */
export function answerWhatsAppRefusal(
  ctx: AdminContext,
  refusal: { code: string; message: string; whatsappCode: number | undefined },
): void {
  noteAudit(ctx, { details: { whatsappCode: refusal.whatsappCode } });
  ctx.status = 502;
  ctx.body = {
    status: 'error',
    error: {
      code: refusal.code,
      message: explainWhatsAppRefusal(refusal.message, refusal.whatsappCode),
      ...(refusal.whatsappCode === undefined ? {} : { whatsappCode: refusal.whatsappCode }),
    },
  };
}
