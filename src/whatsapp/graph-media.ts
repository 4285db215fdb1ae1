import { z } from 'zod';
import { WhatsAppApiError } from './errors';
import { answered, parseJson, transferError } from './graph-answers';
import type { GraphCall } from './graph-request';
import { downloadMedia, MediaRefusedError, postMultipart, type UploadSource } from './media-transfer';

// The Graph client's media: a file uploaded for a send, and a user's attachment looked up by its id and
// streamed from where the lookup points. The bytes move in media-transfer; here are the Graph calls
// around them and how their answers are read.

/** What the media calls of one client share. */
export interface GraphMediaContext {
  call: GraphCall;
  accessToken: string;
  /** Graph base URL including the version, without a trailing slash. */
  baseUrl: string;
  /** The Graph API's own origin, from which media may also be fetched (the sandbox's fake). */
  graphOrigin: string;
  /** `POST /{phone-number-id}/media`. */
  mediaUrl: string;
  /** Per upload or download, which may carry up to 100 MB. */
  timeoutMs: number;
  /** The largest media downloaded, whatever the lookup declares. */
  maxMediaBytes: number;
}

const UploadResponse = z.object({ id: z.string().min(1) });

const MediaInfo = z.object({
  // Any string: which URLs may be fetched is media-transfer's to decide, with a refusal of its own.
  url: z.string().min(1),
  mime_type: z.string().min(1),
  sha256: z.string().optional(),
  file_size: z.number().optional(),
  id: z.string().optional(),
});

/** Uploads a file for a send, streamed from its source; resolves with WhatsApp's media id. */
export async function uploadGraphMedia(
  media: GraphMediaContext,
  file: UploadSource & { mimeType: string; filename?: string },
): Promise<{ mediaId: string }> {
  let answer: { status: number; body: Buffer };
  try {
    answer = await postMultipart(media.mediaUrl, {
      accessToken: media.accessToken,
      timeoutMs: media.timeoutMs,
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
}

/** Streams a user's media into `write` by its media id: looked up, then downloaded (WhatsAppClient.streamMedia). */
export async function streamGraphMedia(
  media: GraphMediaContext,
  mediaId: string,
  write: (chunk: Buffer) => Promise<void>,
): Promise<{ mimeType: string; sizeBytes: number }> {
  const lookup = await media.call('media lookup', `${media.baseUrl}/${encodeURIComponent(mediaId)}`);
  const info = MediaInfo.safeParse(parseJson(lookup.bytes));
  if (!info.success) {
    throw new WhatsAppApiError('WhatsApp media lookup answered without a download url', {
      status: lookup.status,
      retryable: false,
    });
  }
  const declared = info.data.file_size;
  if (declared !== undefined && declared > media.maxMediaBytes)
    throw new MediaRefusedError('media_too_large', `the lookup declares ${declared} bytes`);
  try {
    // Meta's download URL is short-lived and also needs the access token.
    const { sizeBytes } = await downloadMedia(info.data.url, {
      accessToken: media.accessToken,
      graphOrigin: media.graphOrigin,
      maxBytes: declared ?? media.maxMediaBytes,
      ...(info.data.sha256 === undefined ? {} : { sha256: info.data.sha256 }),
      timeoutMs: media.timeoutMs,
      write,
    });
    return { mimeType: info.data.mime_type, sizeBytes };
  } catch (err) {
    throw transferError('media download', err);
  }
}
