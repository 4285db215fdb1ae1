import { ApplicationFailure, log } from '@temporalio/activity';
import { noteAgentReply } from '../src/db/chat-sessions';
import { recipientOf } from '../src/db/contacts';
import { appendEvent } from '../src/db/events';
import { describeOutbound, markAccepted, markFailed, storedWamid, upsertOutbound } from '../src/db/messages';
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
  /** An inbound wamid to mark as read (blue ticks) before answering; failures there are only logged. */
  markRead?: string;
  /** For an agent's message: the chat session whose first agent reply this may be. */
  chatSessionKey?: string;
}

export interface DeliverResult {
  waMessageId: string;
}

export function createWhatsAppActivities(db: Db, whatsapp: WhatsAppClient, options: { settleMs?: number } = {}) {
  const settleMs = options.settleMs ?? SETTLE_MS;
  // Keys whose last attempt in this process ended known unsent (it failed before the request, or
  // WhatsApp answered with an HTTP error): their retry sends at once. A retry in another process (the
  // worker died) knows nothing here, so it waits for the status first.
  const knownUnsent = new Set<string>();
  return {
    /**
     * Sends one message at most once per key: the row is created before the send and the wamid stored
     * after it, so an attempt that finds a wamid returns it instead of sending again. The send carries
     * the key as biz_opaque_callback_data, which WhatsApp echoes in the message's statuses; when an
     * attempt died between WhatsApp's answer and the stored wamid, the first status stores the wamid
     * (recordStatus), and a retry that may follow such a send waits up to `settleMs` for it before
     * sending again. Only a send accepted with no status within that wait can still double.
     */
    async deliverMessage(given: DeliverInput): Promise<DeliverResult> {
      const input = { ...given, content: await withAccountTemplate(db, given.content) };
      const unsent = knownUnsent.delete(input.key);
      let sendStarted = false;
      try {
        return await deliver(input, unsent, () => (sendStarted = true));
      } catch (err) {
        // An HTTP error answer (4xx/5xx) means WhatsApp did not take the message; a timeout or a lost
        // connection may hide an accepted send.
        const refused = err instanceof WhatsAppApiError && err.status !== undefined && err.status >= 300;
        if ((!sendStarted || refused) && knownUnsent.size < 10_000) knownUnsent.add(input.key);
        throw err;
      }
    },
  };

  async function deliver(input: DeliverInput, knownUnsentBefore: boolean, sending: () => void): Promise<DeliverResult> {
    const row = await upsertOutbound(db, input, { countAttempt: true });
    if (row.waMessageId !== null) return { waMessageId: row.waMessageId };
    // An earlier attempt may have been accepted and died before storing the wamid: its status says so.
    // The row counts attempts, not Temporal: a local activity whose worker died starts again at attempt 1.
    if (row.status !== 'failed' && !knownUnsentBefore && row.attempts > 1) {
      const earlier = await awaitStatusOfEarlierSend(db, row.id, settleMs);
      if (earlier !== null) return { waMessageId: earlier };
    }
    if (row.status === 'failed') {
      throw ApplicationFailure.create({
        type: WHATSAPP_REJECTED,
        message: 'message already failed permanently',
        nonRetryable: true,
        details: [{ code: row.errorCode }],
      });
    }
    if (input.markRead !== undefined) {
      await whatsapp.markRead(input.markRead).catch((err: unknown) => {
        log.warn('mark as read failed', { error: String(err) });
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
    try {
      // An attachment is uploaded first (once per row) and sent by the id WhatsApp gave it.
      const uploadedMediaId =
        input.content.kind === 'media' ? await uploadOnce(db, whatsapp, row.id, input.content) : undefined;
      sending();
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
    }
  }
}

/** How long a retry that may follow an accepted send waits for that send's status before sending. */
const SETTLE_MS = 15_000;

/**
 * The wamid a status stored on row `id` (an earlier attempt's send WhatsApp accepted), looking again
 * every half second for up to `settleMs` (no heartbeat: it runs as a local activity); null when none came.
 */
async function awaitStatusOfEarlierSend(db: Db, id: number, settleMs: number): Promise<string | null> {
  const deadline = Date.now() + settleMs;
  for (;;) {
    const wamid = await storedWamid(db, id);
    if (wamid !== null || Date.now() >= deadline) {
      if (wamid !== null) log.info('an earlier attempt was accepted: its status gave the wamid');
      return wamid;
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(500, deadline - Date.now())));
  }
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
