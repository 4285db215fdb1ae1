import { noteAudit } from './audit';
import type { AdminContext } from './params';

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
      message: refusal.message,
      ...(refusal.whatsappCode === undefined ? {} : { whatsappCode: refusal.whatsappCode }),
    },
  };
}
