import { z } from 'zod';
import type { OutboundContent, Recipient } from '../../domain/types';
import { WhatsAppApiError } from './errors';
import { parseJson } from './graph-answers';
import { streamGraphMedia, uploadGraphMedia, type GraphMediaContext } from './graph-media';
import { graphCaller } from './graph-request';
import { listGraphTemplates } from './graph-templates';
import { checkOutboundLimits, toGraphSendBody } from './outbound';
import type { UploadSource } from './media-transfer';
import type { GraphTemplate } from './template-schema';
import { MAX_MEDIA_BYTES } from '../../domain/whatsapp-limits';

export { checkOutboundLimits } from './outbound';

// A thin client for the Graph API calls the bot makes. It never retries by itself: every
// failure becomes a WhatsAppApiError whose `retryable` flag feeds the activity retry policy.
// Nothing here logs, so neither the token nor message bodies can leak into logs. One request and its
// answer are graph-request's and graph-answers'; media and template listing have modules of their own.

export interface WhatsAppClient {
  /**
   * Sends a message `to` the contact's phone, or to its BSUID as `recipient` when it has none; resolves
   * once Meta accepted it (not delivered: that comes as a status webhook).
   */
  sendMessage(
    to: Recipient,
    content: OutboundContent,
    options?: {
      contextMessageId?: string;
      uploadedMediaId?: string;
      /** Sent as `biz_opaque_callback_data` (≤ 512 chars): WhatsApp echoes it in the message's statuses. */
      callbackData?: string;
    },
  ): Promise<{ waMessageId: string }>;
  /**
   * Uploads a file for a send (`POST /{phone-number-id}/media`), streamed from its source; resolves
   * with WhatsApp's media id.
   */
  uploadMedia(file: UploadSource & { mimeType: string; filename?: string }): Promise<{ mediaId: string }>;
  /** Marks an inbound message (and the ones before it) as read: the user sees blue ticks. */
  markRead(waMessageId: string): Promise<void>;
  /**
   * Shows the user "typing…" for up to 25 seconds or until our next message, and marks the inbound
   * message (and the ones before it) as read, as markRead does.
   */
  sendTypingIndicator(waMessageId: string): Promise<void>;
  /**
   * Streams an inbound media attachment into `write` by its media id: looked up, then fetched only
   * from Meta's media hosts (or the Graph origin), at most its declared size and the hard cap, its
   * sha256 checked at the end. A refusal is a MediaRefusedError; what `write` got is then to be dropped.
   */
  streamMedia(
    mediaId: string,
    write: (chunk: Buffer) => Promise<void>,
  ): Promise<{ mimeType: string; sizeBytes: number }>;
  /** The same, collected in one buffer: for small media and tests. */
  downloadMedia(mediaId: string): Promise<{ data: Buffer; mimeType: string }>;
  /** Every message template of a WhatsApp Business Account, all pages; one that cannot be read is left out. */
  listTemplates(businessAccountId: string): Promise<GraphTemplate[]>;
}

export interface GraphClientOptions {
  /** Graph base URL including the version, e.g. `https://graph.facebook.com/v22.0`. */
  baseUrl: string;
  accessToken: string;
  phoneNumberId: string;
  /** Per HTTP request, including reading the answer. */
  timeoutMs?: number;
  /** Per media upload or download, which may carry up to 100 MB. */
  uploadTimeoutMs?: number;
  /** The largest media downloaded, whatever the lookup declares. */
  maxMediaBytes?: number;
}

const SendResponse = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });

/** Creates a client for one business phone number. */
export function createGraphClient(options: GraphClientOptions): WhatsAppClient {
  const { accessToken, phoneNumberId } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const messagesUrl = `${baseUrl}/${encodeURIComponent(phoneNumberId)}/messages`;
  const call = graphCaller(accessToken, options.timeoutMs ?? 10_000);
  const media: GraphMediaContext = {
    call,
    accessToken,
    baseUrl,
    graphOrigin: new URL(baseUrl).origin,
    mediaUrl: `${baseUrl}/${encodeURIComponent(phoneNumberId)}/media`,
    timeoutMs: options.uploadTimeoutMs ?? 120_000,
    maxMediaBytes: options.maxMediaBytes ?? MAX_MEDIA_BYTES,
  };

  return {
    async sendMessage(to, content, sendOptions = {}) {
      const problems = checkOutboundLimits(content);
      if (problems.length > 0) {
        // Same code Meta uses for parameter problems, so callers handle both alike.
        throw new WhatsAppApiError(`WhatsApp send refused before sending: ${problems.join('; ')}`, {
          code: 100,
          title: 'Invalid parameter',
          details: problems.join('; '),
          retryable: false,
        });
      }
      const body = toGraphSendBody(
        to,
        content,
        sendOptions.contextMessageId,
        sendOptions.uploadedMediaId,
        sendOptions.callbackData,
      );
      const { status, bytes } = await call('send', messagesUrl, body);
      const parsed = SendResponse.safeParse(parseJson(bytes));
      if (!parsed.success) {
        // Accepted (2xx) but without a wamid: resending could duplicate the message, so stop here.
        throw new WhatsAppApiError('WhatsApp send answered without a message id', { status, retryable: false });
      }
      return { waMessageId: parsed.data.messages[0]!.id };
    },

    uploadMedia: (file) => uploadGraphMedia(media, file),

    async markRead(waMessageId) {
      // The answer is `{"success": true}`; any 2xx without a Graph error body means done.
      await call('mark-read', messagesUrl, { messaging_product: 'whatsapp', status: 'read', message_id: waMessageId });
    },

    async sendTypingIndicator(waMessageId) {
      await call('typing indicator', messagesUrl, {
        messaging_product: 'whatsapp',
        status: 'read',
        message_id: waMessageId,
        typing_indicator: { type: 'text' },
      });
    },

    streamMedia: (mediaId, write) => streamGraphMedia(media, mediaId, write),

    async downloadMedia(mediaId) {
      const chunks: Buffer[] = [];
      const { mimeType } = await this.streamMedia(mediaId, (chunk) => {
        chunks.push(chunk);
        return Promise.resolve();
      });
      return { data: Buffer.concat(chunks), mimeType };
    },

    listTemplates: (businessAccountId) => listGraphTemplates(call, baseUrl, businessAccountId),
  };
}
