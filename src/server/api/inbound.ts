import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { PaymentWebhook } from '../routes/payments';
import { CodecBody } from '../routes/temporal-codec';
import { adminOperation, errors, json, jsonBody, success } from './common';

// What calls in from outside the team: WhatsApp's webhook, the payment provider's, Temporal's Web UI
// (the codec server), the probes and Prometheus, and this description itself.

const WEBHOOKS = 'Webhooks';
const OPERATIONS = 'Operations';

const Payloads = z.object({
  payloads: z.array(
    z.looseObject({ metadata: z.record(z.string(), z.string()).optional(), data: z.string().optional() }),
  ),
});

function codec(operation: 'encode' | 'decode') {
  return {
    post: adminOperation(OPERATIONS, `Temporal codec server: ${operation} payloads (admin role)`, {
      description: 'The contract of Temporal’s codec server, for its Web UI and CLI.',
      requestParams: { header: z.object({ 'x-namespace': z.string().max(255).optional() }) },
      requestBody: jsonBody(CodecBody),
      responses: { 200: json(Payloads, 'The payloads, in order') },
      errors: [400, 422],
    }),
  };
}

export const inboundPaths: ZodOpenApiPathsObject = {
  '/api/webhook/whatsapp': {
    get: {
      tags: [WEBHOOKS],
      summary: 'WhatsApp’s verification handshake',
      requestParams: {
        query: z.object({
          'hub.mode': z.literal('subscribe'),
          'hub.verify_token': z.string(),
          'hub.challenge': z.string(),
        }),
      },
      responses: {
        200: { description: '`hub.challenge` echoed', content: { 'text/plain': { schema: z.string() } } },
        ...errors(403),
      },
    },
    post: {
      tags: [WEBHOOKS],
      summary: 'Inbound messages and delivery statuses from WhatsApp',
      description:
        'Signed with `X-Hub-Signature-256` (HMAC-SHA256 of the raw body under the app secret). 200 once every message in the batch is durably accepted.',
      requestParams: { header: z.object({ 'x-hub-signature-256': z.string() }) },
      requestBody: { required: true, content: { 'application/json': { schema: z.looseObject({}) } } },
      responses: {
        200: json(
          success({
            messages: z.number().int(),
            echoes: z.number().int().optional(),
            statuses: z.number().int(),
            quarantined: z.number().int(),
          }),
          'Accepted',
        ),
        ...errors(400, 401, 413, 503),
      },
    },
  },
  '/api/payments/webhook': {
    post: {
      tags: [WEBHOOKS],
      summary: 'The payment provider’s confirmation (Paystack’s convention)',
      description:
        '`x-paystack-signature` is the hex HMAC-SHA512 of the raw body under PAYMENT_WEBHOOK_SECRET. An unknown or repeated reference answers 200 and changes nothing.',
      requestParams: { header: z.object({ 'x-paystack-signature': z.string() }) },
      requestBody: jsonBody(PaymentWebhook),
      responses: { 200: json(success({}), 'Accepted'), ...errors(400, 401, 413, 503) },
    },
  },
  '/api/temporal-codec/encode': codec('encode'),
  '/api/temporal-codec/decode': codec('decode'),
  '/healthz': {
    get: {
      tags: [OPERATIONS],
      summary: 'Liveness',
      responses: { 200: json(z.object({ status: z.literal('ok') }), 'The process answers') },
    },
  },
  '/readyz': {
    get: {
      tags: [OPERATIONS],
      summary: 'Readiness: Temporal and Postgres reachable',
      responses: {
        200: json(z.object({ status: z.literal('ok'), postgres: z.boolean(), temporal: z.boolean() }), 'Ready'),
        503: json(
          z.object({ status: z.literal('unavailable'), postgres: z.boolean(), temporal: z.boolean() }),
          'Postgres or Temporal is away',
        ),
      },
    },
  },
  '/metrics': {
    get: {
      tags: [OPERATIONS],
      summary: 'Prometheus metrics (bearer METRICS_TOKEN when one is set)',
      security: [{}, { bearer: [] }],
      responses: {
        200: { description: 'The exposition format', content: { 'text/plain': { schema: z.string() } } },
        ...errors(401, 503),
      },
    },
  },
  '/api/openapi.json': {
    get: {
      tags: [OPERATIONS],
      summary: 'This description (OpenAPI 3.1)',
      responses: { 200: json(z.looseObject({ openapi: z.string() }), 'The document') },
    },
  },
  '/docs': {
    get: {
      tags: [OPERATIONS],
      summary: 'This description as a readable page',
      responses: { 200: { description: 'An HTML page', content: { 'text/html': {} } } },
    },
  },
};
