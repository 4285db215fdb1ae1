import crypto from 'node:crypto';
import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import type { Config } from '../../config';
import { findPayment } from '../../db/payments';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import { conversationWorkflowId, paymentConfirmedSignal } from '../../../workflows/messages';
import { badRequest, unauthorized, unavailable } from '../errors';
import { readRawBody } from '../raw-body';

// The payment provider's confirmation, Paystack's convention: `x-paystack-signature` is the hex
// HMAC-SHA512 of the raw body under PAYMENT_WEBHOOK_SECRET.

const PaymentWebhook = z.object({
  event: z.string(),
  data: z.object({
    reference: z.string().min(1).max(200),
    status: z.string().optional(),
    amount: z.number().int().nonnegative().optional(),
  }),
});
type PaymentWebhook = z.infer<typeof PaymentWebhook>;

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

    // Unknown and repeated references change nothing, but are still answered 200 so the provider stops.
    const payment = await findPayment(db, body.data.reference);
    if (!payment || payment.status === 'confirmed') return;
    if (body.data.amount !== undefined && body.data.amount < payment.amount) {
      logger.warn('payment below the price ignored', { expected: payment.amount, received: body.data.amount });
      return;
    }
    try {
      await temporal.workflow
        .getHandle(conversationWorkflowId(payment.phone))
        .signal(paymentConfirmedSignal, { reference: payment.reference, amount: body.data.amount ?? payment.amount });
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

export function verifyPaystackSignature(raw: Buffer, header: string, secret: string): boolean {
  if (!/^[0-9a-f]{128}$/i.test(header) || secret === '') return false;
  const expected = crypto.createHmac('sha512', secret).update(raw).digest();
  return crypto.timingSafeEqual(expected, Buffer.from(header, 'hex'));
}

export function signPaystackBody(raw: Buffer | string, secret: string): string {
  return crypto.createHmac('sha512', secret).update(raw).digest('hex');
}
