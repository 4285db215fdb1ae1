import { z } from 'zod';
import type { OutboundContent, Recipient } from '../../domain/types';
import { WhatsAppApiError, isRetryableCode, isRetryableHttpStatus } from './errors';
import { httpRequest, RequestTimeoutError, type HttpResponse } from './http-request';
import { checkOutboundLimits, toGraphSendBody } from './outbound';
import { downloadMedia, MediaHttpError, MediaRefusedError, postMultipart, type UploadSource } from './media-transfer';
import { GraphTemplate, GraphTemplatePage } from './template-schema';
import { MAX_MEDIA_BYTES } from '../../domain/whatsapp-limits';

export { checkOutboundLimits } from './outbound';

// A thin client for the Graph API calls the bot makes. It never retries by itself: every
// failure becomes a WhatsAppApiError whose `retryable` flag feeds the activity retry policy.
// Nothing here logs, so neither the token nor message bodies can leak into logs.

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

const GraphErrorBody = z.object({
  error: z.object({
    code: z.number().int(),
    message: z.string().optional(),
    type: z.string().optional(),
    error_data: z.object({ details: z.string().optional() }).partial().optional().catch(undefined),
    fbtrace_id: z.string().optional(),
  }),
});
type GraphErrorBody = z.infer<typeof GraphErrorBody>;

const UploadResponse = z.object({ id: z.string().min(1) });
const SendResponse = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });
// Graph's largest page of templates; a few pages cover any account.
const TEMPLATE_PAGE_SIZE = 100;
const TEMPLATE_FIELDS = 'name,language,status,category,components,parameter_format';
// A cursor that never ends (a Graph fault) must not loop for ever.
const MAX_TEMPLATE_PAGES = 100;

const MediaInfo = z.object({
  // Any string: which URLs may be fetched is media-transfer's to decide, with a refusal of its own.
  url: z.string().min(1),
  mime_type: z.string().min(1),
  sha256: z.string().optional(),
  file_size: z.number().optional(),
  id: z.string().optional(),
});

/** Creates a client for one business phone number. */
export function createGraphClient(options: GraphClientOptions): WhatsAppClient {
  const { accessToken, phoneNumberId } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 10_000;
  const uploadTimeoutMs = options.uploadTimeoutMs ?? 120_000;
  const messagesUrl = `${baseUrl}/${encodeURIComponent(phoneNumberId)}/messages`;
  const mediaUrl = `${baseUrl}/${encodeURIComponent(phoneNumberId)}/media`;
  const graphOrigin = new URL(baseUrl).origin;
  const maxMediaBytes = options.maxMediaBytes ?? MAX_MEDIA_BYTES;

  // One request: resolves with a 2xx status and its body, or throws a classified error. A JSON body
  // is posted as JSON.
  async function call(what: string, url: string, jsonBody?: unknown): Promise<{ status: number; bytes: Buffer }> {
    let res: HttpResponse;
    const posted =
      jsonBody === undefined ? undefined : { body: JSON.stringify(jsonBody), contentType: 'application/json' };
    const limitMs = timeoutMs;
    try {
      res = await httpRequest(url, {
        method: posted === undefined ? 'GET' : 'POST',
        headers: {
          Authorization: `Bearer ${accessToken}`,
          ...(posted === undefined ? {} : { 'Content-Type': posted.contentType }),
        },
        ...(posted === undefined ? {} : { body: posted.body }),
        timeoutMs: limitMs,
      });
    } catch (err) {
      // Timeouts and network failures say nothing about the payload; the request may even have
      // been accepted, so callers reconcile through status webhooks before resending.
      const reason = err instanceof RequestTimeoutError ? `timed out after ${limitMs}ms` : 'network error';
      throw new WhatsAppApiError(`WhatsApp ${what} failed: ${reason}`, { retryable: true, cause: err });
    }
    return answered(what, res.status, res.body);
  }

  /** A 2xx answer as it is; any other as the classified error its Graph error body (if any) names. */
  function answered(what: string, status: number, bytes: Buffer): { status: number; bytes: Buffer } {
    if (status >= 200 && status < 300) return { status, bytes };
    const graphError = parseGraphError(bytes);
    if (graphError !== undefined) throw toApiError(what, status, graphError);
    throw new WhatsAppApiError(`WhatsApp ${what} failed: HTTP ${status} without a Graph error body`, {
      status,
      retryable: isRetryableHttpStatus(status),
    });
  }

  /** A transfer's failure as a WhatsAppApiError: refusals and classified errors as they are. */
  function transferError(what: string, err: unknown): WhatsAppApiError {
    if (err instanceof WhatsAppApiError) return err;
    if (err instanceof MediaHttpError) {
      try {
        answered(what, err.status, err.body);
      } catch (classified) {
        return classified as WhatsAppApiError;
      }
    }
    return new WhatsAppApiError(`WhatsApp ${what} failed: network error`, { retryable: true, cause: err });
  }

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

    async uploadMedia(file) {
      let answer: { status: number; body: Buffer };
      try {
        answer = await postMultipart(mediaUrl, {
          accessToken,
          timeoutMs: uploadTimeoutMs,
          fields: { messaging_product: 'whatsapp', type: file.mimeType },
          file,
        });
      } catch (err) {
        // A timeout or a lost connection: the upload may have been taken, but an unused media id costs
        // nothing, so the attempt is retried.
        throw new WhatsAppApiError('WhatsApp media upload failed: network error or timeout', {
          retryable: true,
          cause: err,
        });
      }
      const { status, bytes } = answered('media upload', answer.status, answer.body);
      const parsed = UploadResponse.safeParse(parseJson(bytes));
      if (!parsed.success)
        throw new WhatsAppApiError('WhatsApp media upload answered without a media id', { status, retryable: false });
      return { mediaId: parsed.data.id };
    },

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

    async streamMedia(mediaId, write) {
      const lookup = await call('media lookup', `${baseUrl}/${encodeURIComponent(mediaId)}`);
      const info = MediaInfo.safeParse(parseJson(lookup.bytes));
      if (!info.success) {
        throw new WhatsAppApiError('WhatsApp media lookup answered without a download url', {
          status: lookup.status,
          retryable: false,
        });
      }
      const declared = info.data.file_size;
      if (declared !== undefined && declared > maxMediaBytes)
        throw new MediaRefusedError('media_too_large', `the lookup declares ${declared} bytes`);
      try {
        // Meta's download URL is short-lived and also needs the access token.
        const { sizeBytes } = await downloadMedia(info.data.url, {
          accessToken,
          graphOrigin,
          maxBytes: declared ?? maxMediaBytes,
          ...(info.data.sha256 === undefined ? {} : { sha256: info.data.sha256 }),
          timeoutMs: uploadTimeoutMs,
          write,
        });
        return { mimeType: info.data.mime_type, sizeBytes };
      } catch (err) {
        throw transferError('media download', err);
      }
    },

    async downloadMedia(mediaId) {
      const chunks: Buffer[] = [];
      const { mimeType } = await this.streamMedia(mediaId, (chunk) => {
        chunks.push(chunk);
        return Promise.resolve();
      });
      return { data: Buffer.concat(chunks), mimeType };
    },

    async listTemplates(businessAccountId) {
      const templates: GraphTemplate[] = [];
      const listUrl = `${baseUrl}/${encodeURIComponent(businessAccountId)}/message_templates`;
      let after: string | undefined;
      for (let page = 0; page < MAX_TEMPLATE_PAGES; page++) {
        const query = new URLSearchParams({ fields: TEMPLATE_FIELDS, limit: String(TEMPLATE_PAGE_SIZE) });
        if (after !== undefined) query.set('after', after);
        const { status, bytes } = await call('template listing', `${listUrl}?${query.toString()}`);
        const parsed = GraphTemplatePage.safeParse(parseJson(bytes));
        if (!parsed.success) {
          throw new WhatsAppApiError('WhatsApp template listing answered without a data array', {
            status,
            retryable: false,
          });
        }
        for (const item of parsed.data.data) {
          const template = GraphTemplate.safeParse(item);
          if (template.success) templates.push(template.data);
        }
        // The last page still has cursors; only `next` says there is more.
        after = parsed.data.paging?.cursors?.after;
        if (parsed.data.paging?.next === undefined || after === undefined) return templates;
      }
      throw new WhatsAppApiError(`WhatsApp template listing did not end after ${MAX_TEMPLATE_PAGES} pages`, {
        retryable: false,
      });
    },
  };
}

function parseGraphError(bytes: Buffer): GraphErrorBody | undefined {
  const parsed = GraphErrorBody.safeParse(parseJson(bytes));
  return parsed.success ? parsed.data : undefined;
}

/** Parsed JSON, or undefined for an empty or non-JSON answer (the zod checks then reject it). */
function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return undefined;
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
}

function toApiError(what: string, status: number, body: GraphErrorBody): WhatsAppApiError {
  const { code, message, error_data: data, fbtrace_id: fbtraceId } = body.error;
  // Graph's message is "(#code) title"; keep the title alone.
  const title = message?.replace(/^\(#\d+\)\s*/, '');
  return new WhatsAppApiError(`WhatsApp ${what} failed: Graph error ${code}${title ? ` (${title})` : ''}`, {
    status,
    code,
    retryable: isRetryableCode(code),
    ...(title === undefined ? {} : { title }),
    ...(data?.details === undefined ? {} : { details: data.details }),
    ...(fbtraceId === undefined ? {} : { fbtraceId }),
  });
}
