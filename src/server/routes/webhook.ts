import crypto from 'node:crypto';
import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import { resolveContacts } from '../../db/contacts';
import { storeEcho } from '../../db/messages';
import { refusedValues, type Db } from '../../db/pool';
import { quarantineItems, type QuarantineInput } from '../../db/quarantine';
import type { Logger } from '../../logger';
import { applyTemplateStatus } from '../../templates/catalogue';
import type { WebhookMetrics } from '../../metrics/webhook-metrics';
import { measureWebhook } from '../measure-webhook';
import { createStatusWriter } from '../status-writer';
import { parseWebhook, WebhookBodyError, type EchoMessage } from '../../whatsapp/parse-webhook';
import { verifySignature } from '../../whatsapp/signature';
import type { conversationWorkflow } from '../../../workflows/conversation';
import { conversationWorkflowId, inboundSignal } from '../../../workflows/messages';
import { CONVERSATION_STATE } from '../../../workflows/search-attributes';
import type { InboundMessage } from '../../../domain/types';
import { badRequest, HttpError, unauthorized, unavailable } from '../errors';
import { readRawBody } from '../raw-body';

// Meta batches up to 1000 updates and documents payloads up to 3 MB.
const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

export interface WebhookDeps {
  config: Config;
  db: Db;
  temporal: Client;
  logger: Logger;
  /** Outcome and latency of each delivery, for GET /metrics. */
  metrics?: WebhookMetrics;
}

export function webhookRoutes({ config, db, temporal, logger, metrics }: WebhookDeps): Router {
  const router = new Router();
  // The statuses of concurrent deliveries are written together (one statement per batch).
  const statusWriter = createStatusWriter(db, logger);

  // Verification handshake: Meta calls this when the callback URL or verify token is saved.
  router.get('/api/webhook/whatsapp', (ctx) => {
    const mode = ctx.query['hub.mode'];
    const token = ctx.query['hub.verify_token'];
    const challenge = ctx.query['hub.challenge'];
    if (
      mode !== 'subscribe' ||
      typeof token !== 'string' ||
      typeof challenge !== 'string' ||
      !sameSecret(token, config.whatsapp.verifyToken)
    ) {
      throw new HttpError(403, 'verification_failed', 'Verify token or mode does not match');
    }
    ctx.type = 'text/plain';
    ctx.body = challenge;
  });

  const measure = metrics ? [measureWebhook(metrics)] : [];
  router.post('/api/webhook/whatsapp', ...measure, async (ctx) => {
    const receivedAt = Date.now();
    const raw = await readRawBody(ctx, BODY_LIMIT_BYTES);
    // The signature is checked before anything else looks at the bytes.
    if (!verifySignature(raw, ctx.get('x-hub-signature-256') || undefined, config.whatsapp.appSecret)) {
      logger.warn('webhook signature rejected');
      throw unauthorized('Missing or invalid X-Hub-Signature-256');
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw badRequest('invalid_json', 'Body is not JSON');
    }
    let parsed;
    try {
      // Sandbox mode signs with a published secret, so the check would guard nothing there, and bodies
      // recorded for any number (tests, other projects' fixtures) are welcome to try by hand.
      const owner = config.sandbox
        ? undefined
        : { phoneNumberId: config.whatsapp.phoneNumberId, businessAccountId: config.templates.businessAccountId };
      parsed = parseWebhook(body, receivedAt, owner);
    } catch (err) {
      if (err instanceof WebhookBodyError) throw badRequest('invalid_webhook', err.message);
      throw err;
    }
    for (const error of parsed.errors)
      logger.warn('whatsapp reported an error', { code: error.code, title: error.title });
    // Fields the product does not handle are acknowledged (a non-200 only makes Meta send them again) and counted.
    metrics?.ignored(parsed.ignoredChanges);

    const quarantined: QuarantineInput[] = [...parsed.quarantined];
    let statuses: number;
    try {
      // Statuses change no conversation state: they go straight to Postgres, off the workflow's path.
      const { refused } = await statusWriter.write(parsed.statuses);
      statuses = parsed.statuses.length - refused.length;
      for (const status of refused)
        quarantined.push({ source: 'webhook_status', reason: 'store_refused', raw: status });
      // A paused or disabled template stops being sendable now, not at the next listing.
      for (const update of parsed.templateStatuses) await applyTemplateStatus(db, update, logger);
      // What the business sent from the WhatsApp Business app: history only, never a signal.
      quarantined.push(...(await storeEchoes(db, parsed.echoes, receivedAt, logger)));
      // Set aside durably before the 200: after it, Meta never delivers them again.
      await quarantineItems(db, quarantined);
      await signalConversations(db, temporal, config.taskQueue, parsed.messages);
    } catch (err) {
      // Not every message is durably accepted: answer non-200 so Meta delivers the batch again;
      // the workflow ignores the ones it already has.
      logger.error('webhook not accepted', { error: err });
      throw unavailable('Could not accept the webhook; retry later');
    }
    if (quarantined.length > 0) {
      logger.warn('webhook items quarantined', { reasons: [...new Set(quarantined.map((q) => q.reason))] });
    }
    ctx.status = 200;
    ctx.body = {
      status: 'success',
      messages: parsed.messages.length,
      // Only Meta reads this answer, and ignores it; echoes are named when the delivery carried some.
      ...(parsed.echoes.length > 0 ? { echoes: parsed.echoes.length } : {}),
      statuses,
      quarantined: quarantined.length,
    };
  });

  return router;
}

/**
 * Stores each echo in its contact's history as the business's own outbound message, once per wamid.
 * The recipient is resolved like a sender (`to_user_id`, then `to`; a new contact when unknown). Echoes
 * are never signalled: they must not trigger the bot, nor open or extend the 24-hour window. Returns
 * the echoes the store refused, to be quarantined.
 */
async function storeEchoes(
  db: Db,
  echoes: EchoMessage[],
  receivedAt: number,
  logger: Logger,
): Promise<QuarantineInput[]> {
  if (echoes.length === 0) return [];
  const contactIds = await resolveContacts(
    db,
    echoes.map((echo) => ({ sender: echo.recipient })),
  );
  const refused: QuarantineInput[] = [];
  for (const [i, echo] of echoes.entries()) {
    try {
      await storeEcho(db, contactIds[i]!, echo, receivedAt);
    } catch (err) {
      if (!refusedValues(err)) throw err;
      logger.error('echo refused by the store', { error: err });
      refused.push({ source: 'webhook_message', reason: 'store_refused', raw: echo, contactId: contactIds[i]! });
    }
  }
  return refused;
}

/**
 * Signals each contact's conversation, starting it if needed. One contact's messages go in order;
 * contacts go in parallel. The senders are resolved to contacts first, linking what their messages
 * bring (a first-seen BSUID, a changed number), so every identifier of a student reaches one workflow.
 */
async function signalConversations(
  db: Db,
  temporal: Client,
  taskQueue: string,
  messages: InboundMessage[],
): Promise<void> {
  if (messages.length === 0) return;
  const contactIds = await resolveContacts(
    db,
    messages.map((m) => ({
      sender: m.sender,
      ...(m.identityChange === undefined ? {} : { change: m.identityChange }),
    })),
  );
  const byContact = new Map<string, InboundMessage[]>();
  messages.forEach((message, i) => {
    const list = byContact.get(contactIds[i]!) ?? [];
    list.push(message);
    byContact.set(contactIds[i]!, list);
  });
  await Promise.all(
    [...byContact].map(async ([contactId, list]) => {
      for (const message of list) {
        await temporal.workflow.signalWithStart<typeof conversationWorkflow, [InboundMessage]>('conversationWorkflow', {
          workflowId: conversationWorkflowId(contactId),
          taskQueue,
          args: [{ contactId }],
          signal: inboundSignal,
          signalArgs: [message],
          typedSearchAttributes: [{ key: CONVERSATION_STATE, value: 'INITIAL' }],
        });
      }
    }),
  );
}

function sameSecret(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return expected.length > 0 && crypto.timingSafeEqual(a, b);
}
