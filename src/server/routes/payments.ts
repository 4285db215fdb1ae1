import crypto from 'node:crypto';
import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../config';
import { findPayment } from '../../db/payments';
import type { Db } from '../../db/pool';
import { quarantineItems, type QuarantineReason } from '../../db/quarantine';
import type { Logger } from '../../logger';
import { isStorableText } from '../../whatsapp/sanitize';
import { conversationWorkflowId, paymentConfirmedSignal } from '../../../workflows/messages';
import { badRequest, unauthorized, unavailable } from '../errors';
import { readRawBody } from '../raw-body';

// The payment provider's confirmation, Paystack's convention: `x-paystack-signature` is the hex
// HMAC-SHA512 of the raw body under PAYMENT_WEBHOOK_SECRET. A signed charge.success the product
// cannot read (a reference that cannot be one of ours, an amount that is not one) is quarantined and
// answered 200: the provider would only send it again, unchanged.

// Only these fields are read, and only these are kept when an event is quarantined: `data` also
// carries the customer and a reusable card authorization, which zod strips.
export const PaymentWebhook = z.object({
  event: z.string(),
  data: z.object({ reference: z.unknown().optional(), status: z.unknown().optional(), amount: z.unknown().optional() }),
});
type PaymentWebhook = z.infer<typeof PaymentWebhook>;

// Our references are short ASCII; this only keeps what cannot be one away from the query.
const Reference = z.string().min(1).max(200).refine(isStorableText);
/** Smallest currency unit; only compared with the price, never stored. */
const Amount = z.number().nonnegative();

export function paymentRoutes({
  config,
  db,
  temporal,
  logger,
}: {
  config: Config;
  db: Db;
  temporal: Client;
  logger: Logger;
}): Router {
  const router = new Router();
  router.post('/api/payments/webhook', async (ctx) => {
    const raw = await readRawBody(ctx, 1024 * 1024);
    if (!verifyPaystackSignature(raw, ctx.get('x-paystack-signature'), config.payment.webhookSecret)) {
      logger.warn('payment webhook signature rejected');
      throw unauthorized('Missing or invalid x-paystack-signature');
    }
    let body: PaymentWebhook;
    try {
      body = PaymentWebhook.parse(JSON.parse(raw.toString('utf8')));
    } catch {
      throw badRequest('invalid_payment_webhook', 'Body is not a payment event');
    }
    ctx.body = { status: 'success' };
    if (body.event !== 'charge.success' || body.data.status !== 'success') return;

    const reference = Reference.safeParse(body.data.reference);
    const amount = Amount.optional().safeParse(body.data.amount);
    if (!reference.success || !amount.success) {
      const reason = reference.success ? 'invalid_amount' : 'invalid_reference';
      await setAside(db, body, reason);
      logger.warn('payment event quarantined', { reason });
      return;
    }

    // Unknown and repeated references change nothing, but are still answered 200 so the provider stops.
    const payment = await findPayment(db, reference.data).catch((err: unknown) => {
      logger.error('payment lookup failed', { error: err });
      throw unavailable('Could not accept the confirmation; retry later');
    });
    if (!payment || payment.status === 'confirmed') return;
    if (amount.data !== undefined && amount.data < payment.amount) {
      logger.warn('payment below the price ignored', { expected: payment.amount, received: amount.data });
      return;
    }
    try {
      await temporal.workflow
        .getHandle(conversationWorkflowId(payment.contactId))
        .signal(paymentConfirmedSignal, { reference: payment.reference, amount: amount.data ?? payment.amount });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        logger.error('payment for a conversation that no longer runs', { reference: payment.reference });
        return;
      }
      logger.error('payment confirmation not accepted', { error: err });
      throw unavailable('Could not accept the confirmation; retry later');
    }
  });
  return router;
}

/** Stores the event as the schema read it, which keeps nothing secret. */
async function setAside(db: Db, body: PaymentWebhook, reason: QuarantineReason): Promise<void> {
  try {
    await quarantineItems(db, [{ source: 'payment', reason, raw: body }]);
  } catch {
    throw unavailable('Could not accept the confirmation; retry later');
  }
}

export function verifyPaystackSignature(raw: Buffer, header: string, secret: string): boolean {
  if (!/^[0-9a-f]{128}$/i.test(header) || secret === '') return false;
  const expected = crypto.createHmac('sha512', secret).update(raw).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(header, 'hex'));
}

export function signPaystackBody(raw: Buffer | string, secret: string): string {
  return crypto.createHmac('sha512', secret).update(raw).digest('hex');
}
