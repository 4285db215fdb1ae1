import type Router from '@koa/router';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { getConversation, type ConversationSummary } from '../../db/conversations';
import type { Db } from '../../db/pool';
import { claimTypingTurn, latestInbound, recordAgentRead, releaseTypingTurn, unreadInbound } from '../../db/read-state';
import { WhatsAppApiError } from '../../whatsapp/errors';
import type { WhatsAppClient } from '../../whatsapp/graph-client';
import { CUSTOMER_SERVICE_WINDOW_MS } from '../../../domain/whatsapp-limits';
import { HttpError, notFound, unavailable } from '../errors';
import { contactParam, type AdminContext } from './params';
import { answerWhatsAppRefusal } from './whatsapp-refusal';

// What the student sees of an agent without a message: blue ticks once an agent has read what they
// wrote, and "typing…" while one answers. Both are Graph calls made here, outside the conversation's
// workflow: they change nothing in the conversation, so nothing about them needs to be replayed.

/** WhatsApp marks messages read only within 30 days of receipt. */
const MARK_READ_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

/** The indicator shows for up to 25 s; one every 20 s keeps it up while the agent types, and no more. */
export const TYPING_INTERVAL_MS = 20_000;

export interface PresenceDeps {
  db: Db;
  whatsapp?: WhatsAppClient;
}

export function mountPresenceRoutes(router: Router<AdminState>, deps: PresenceDeps, guard: AdminGuard): void {
  const { db } = deps;

  // One mark-read on the latest unread message: WhatsApp marks the earlier ones read with it.
  router.post('/api/admin/conversations/:phone/read', ...guard('conversations.read', AGENT_OR_ADMIN), async (ctx) => {
    const contactId = await contactParam(ctx, db);
    await existing(db, contactId);
    const unread = await unreadInbound(db, contactId);
    if (unread.latest === undefined) return answerRead(ctx, 0);
    const { latest } = unread;
    // An older message cannot be marked on WhatsApp any more; for the console it is read all the same.
    if (Date.now() - latest.receivedAt.getTime() <= MARK_READ_MAX_AGE_MS) {
      const refused = await askWhatsApp(ctx, deps.whatsapp, (whatsapp) => whatsapp.markRead(latest.waMessageId));
      if (refused) return;
    }
    // Two agents opening the conversation at once both reach WhatsApp (harmless: it is the same
    // receipt), but only the one that moves the mark reports the messages as newly read.
    const moved = await recordAgentRead(db, contactId, latest.id);
    answerRead(ctx, moved ? unread.count : 0);
  });

  router.post(
    '/api/admin/conversations/:phone/typing',
    ...guard('conversations.typing', AGENT_OR_ADMIN),
    async (ctx) => {
      const contactId = await contactParam(ctx, db);
      const conversation = await existing(db, contactId);
      if (conversation.state !== 'CHAT_SUPPORT_ACTIVE') {
        throw new HttpError(409, 'not_in_chat_support', 'A typing indicator is shown only during a chat');
      }
      const latest = await latestInbound(db, contactId);
      const lastInboundAt = conversation.lastInboundAt?.getTime();
      // The indicator promises an answer, and outside the window WhatsApp would refuse that answer.
      if (
        latest === undefined ||
        lastInboundAt === undefined ||
        Date.now() - lastInboundAt > CUSTOMER_SERVICE_WINDOW_MS
      ) {
        throw new HttpError(
          422,
          'outside_customer_service_window',
          'The student last wrote more than 24 hours ago: no answer can reach them, so no indicator is shown',
        );
      }
      const turn = await claimTypingTurn(db, contactId, TYPING_INTERVAL_MS);
      if (!turn.claimed) return answerTyping(ctx, 'recently_sent');
      const refused = await askWhatsApp(ctx, deps.whatsapp, (whatsapp) =>
        whatsapp.sendTypingIndicator(latest.waMessageId),
      ).catch(async (err: unknown) => {
        // Not shown, so the next call may try again at once.
        await releaseTypingTurn(db, contactId, turn.claimedAt);
        throw err;
      });
      if (refused) return releaseTypingTurn(db, contactId, turn.claimedAt);
      // The indicator marked the message (and the ones before it) read, as a read receipt does.
      await recordAgentRead(db, contactId, latest.id);
      answerTyping(ctx, 'sent');
    },
  );
}

async function existing(db: Db, contactId: string): Promise<ConversationSummary> {
  const conversation = await getConversation(db, contactId);
  if (!conversation) throw notFound('conversation_not_found', `No conversation with ${contactId}`);
  return conversation;
}

function answerRead(ctx: AdminContext, read: number): void {
  noteAudit(ctx, { details: { read } });
  ctx.body = { status: 'success', read };
}

function answerTyping(ctx: AdminContext, typing: 'sent' | 'recently_sent'): void {
  noteAudit(ctx, { details: { typing } });
  ctx.body = { status: 'success', typing };
}

/**
 * Makes one Graph call. A refusal is answered here, 502 with WhatsApp's code (written rather than
 * thrown: the error middleware renders no `whatsappCode`), and reported as true; a transient failure
 * throws a 503 with Retry-After, since the same call may succeed later.
 */
async function askWhatsApp(
  ctx: AdminContext,
  whatsapp: WhatsAppClient | undefined,
  call: (whatsapp: WhatsAppClient) => Promise<void>,
): Promise<boolean> {
  if (whatsapp === undefined) throw unavailable('This server has no WhatsApp client; retry on another');
  try {
    await call(whatsapp);
    return false;
  } catch (err) {
    if (!(err instanceof WhatsAppApiError)) throw err;
    if (err.retryable) {
      ctx.set('Retry-After', '5');
      throw unavailable('WhatsApp did not answer; retry later');
    }
    answerWhatsAppRefusal(ctx, {
      code: 'whatsapp_rejected',
      message: err.title ?? 'WhatsApp refused the request',
      whatsappCode: err.code,
    });
    return true;
  }
}
