import { ApplicationFailure, log } from '@temporalio/activity';
import { noteAgentReply } from '../src/db/chat-sessions';
import { recipientOf } from '../src/db/contacts';
import { appendEvent } from '../src/db/events';
import { describeOutbound, markAccepted, markFailed, upsertOutbound } from '../src/db/messages';
import { unreachable, type Db } from '../src/db/pool';
import { WhatsAppApiError } from '../src/whatsapp/errors';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import { WHATSAPP_REJECTED } from '../domain/failures';
import type { OutboundContent } from '../domain/types';
import { uploadOnce } from './media-upload';
import { withAccountTemplate } from './template-text';

export interface DeliverInput {
  contactId: string;
  /** Identifies one logical message: every attempt and every replay of the same send uses the same key. */
  key: string;
  content: OutboundContent;
  sender: 'bot' | 'agent';
  senderName?: string;
  contextWaMessageId?: string;
  /** An inbound wamid to mark as read (blue ticks), beside the send; failures there are only logged. */
  markRead?: string;
  /** For an agent's message: the chat session whose first agent reply this may be. */
  chatSessionKey?: string;
}

export interface DeliverResult {
  waMessageId: string;
}

export function createWhatsAppActivities(db: Db, whatsapp: WhatsAppClient) {
  return {
    /**
     * Sends one message at most once per key where that can be known: the row is created before the
     * send and the wamid stored after it, so an attempt that finds a wamid returns it instead of sending
     * again. The send carries the key as biz_opaque_callback_data, which WhatsApp echoes in the
     * message's statuses: when an attempt died between WhatsApp's answer and that update, the first
     * status stores the wamid on the key's row (recordStatus), and the retry's upsertOutbound returns it.
     * There is no wait for that status: a retry after a worker's death comes seconds later (the workflow
     * task's timeout), a status within a second. Only a send accepted whose status comes after its retry
     * (Meta late, the webhook server down) is still sent twice.
     */
    async deliverMessage(given: DeliverInput): Promise<DeliverResult> {
      const input = { ...given, content: await withAccountTemplate(db, given.content) };
      const row = await upsertOutbound(db, input, { countAttempt: true });
      if (row.waMessageId !== null) return { waMessageId: row.waMessageId };
      if (row.status === 'failed') {
        throw ApplicationFailure.create({
          type: WHATSAPP_REJECTED,
          message: 'message already failed permanently',
          nonRetryable: true,
          details: [{ code: row.errorCode }],
        });
      }
      const to = recipientOf(row.to);
      // A contact always has a phone or a BSUID (the webhook made it from one): without either there is
      // nobody to send to, now or on a retry.
      if (to === undefined)
        throw ApplicationFailure.create({
          type: WHATSAPP_REJECTED,
          message: 'contact has no address',
          nonRetryable: true,
        });
      // The read receipt goes out beside the send, not before it: the reply waits for no extra Graph
      // round trip. It is waited for before returning, but only briefly (see RECEIPT_GRACE_MS).
      const receipt = input.markRead === undefined ? undefined : startReadReceipt(whatsapp, input.markRead);
      try {
        // An attachment is uploaded first (once per row) and sent by the id WhatsApp gave it.
        const uploadedMediaId =
          input.content.kind === 'media' ? await uploadOnce(db, whatsapp, row.id, input.content) : undefined;
        const { waMessageId } = await whatsapp.sendMessage(to, input.content, {
          contextMessageId: input.contextWaMessageId,
          uploadedMediaId,
          callbackData: input.key,
        });
        // The wamid first: an attempt retried after this point finds it and does not send again. The
        // message is out: while Postgres is away the wamid waits here rather than the attempt failing
        // and a retry sending it again.
        await whileUnreachable(() =>
          markAccepted(db, row.id, waMessageId, {
            kind: 'message',
            contactId: input.contactId,
            payload: outboundEvent(input, waMessageId, 'accepted'),
          }),
        );
        if (input.sender === 'agent' && input.chatSessionKey !== undefined)
          await noteAgentReply(db, input.chatSessionKey);
        return { waMessageId };
      } catch (err) {
        if (err instanceof WhatsAppApiError && !err.retryable) {
          await markFailed(db, row.id, err.code ?? null, err.title ?? err.message);
          await appendEvent(db, {
            kind: 'message',
            contactId: input.contactId,
            payload: { ...outboundEvent(input, null, 'failed'), errorCode: err.code ?? null },
          });
          throw ApplicationFailure.create({
            type: WHATSAPP_REJECTED,
            message: `WhatsApp refused the message (code ${err.code ?? 'none'})`,
            nonRetryable: true,
            details: [{ code: err.code ?? null, title: err.title ?? null }],
            cause: err,
          });
        }
        // Transient (rate limit, 5xx, timeout): thrown as is, so the retry policy backs off and tries again.
        log.warn('send failed, will retry', { code: err instanceof WhatsAppApiError ? err.code : undefined });
        throw err;
      } finally {
        await receipt?.(RECEIPT_GRACE_MS);
      }
    },
  };
}

/**
 * How long, once the send is done (or failed), the activity still waits for a read receipt started
 * beside it. A receipt usually ends with the send (one Graph round trip each); one that hangs must not
 * hold the turn for the Graph client's request timeout (10 s by default). Past this grace it is left to
 * that timeout, which ends it, and its failure is logged then.
 */
const RECEIPT_GRACE_MS = 1_000;

/**
 * Marks an inbound message read (blue ticks) and returns a wait for its answer, bounded by the grace
 * given. A failure is only logged: the ticks are a courtesy, the reply is what counts.
 */
function startReadReceipt(whatsapp: WhatsAppClient, waMessageId: string): (graceMs: number) => Promise<void> {
  const answered = whatsapp.markRead(waMessageId).then(
    () => true,
    (err: unknown) => {
      log.warn('mark as read failed', { error: String(err) });
      return true;
    },
  );
  return async (graceMs) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), graceMs);
    });
    const inTime = await Promise.race([answered, late]);
    clearTimeout(timer);
    if (!inTime) log.warn('mark as read still unanswered after the send, not waited for', { graceMs });
  };
}

/** How long a sent message's wamid waits for Postgres to come back before the attempt gives up. */
const STORE_WAMID_WITHIN_MS = 60_000;

/** Runs `write` again while Postgres is unreachable, with backoff, for up to STORE_WAMID_WITHIN_MS. */
async function whileUnreachable<T>(write: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + STORE_WAMID_WITHIN_MS;
  for (let pause = 200; ; pause = Math.min(pause * 2, 5_000)) {
    try {
      return await write();
    } catch (err) {
      if (!unreachable(err) || Date.now() + pause > deadline) throw err;
      log.warn('postgres unreachable, keeping the wamid of a sent message', { retryInMs: pause });
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

function outboundEvent(input: DeliverInput, waMessageId: string | null, status: string): Record<string, unknown> {
  return {
    direction: 'outbound',
    sender: input.sender,
    senderName: input.senderName ?? null,
    waMessageId,
    type: input.content.kind,
    body: describeOutbound(input.content),
    status,
  };
}
