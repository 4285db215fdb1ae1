import { z } from 'zod';
import type { StoredMessage } from '../../db/messages';

// Where the console fetches a message's media (GET /api/admin/media/{id}): a user's photo or file by
// the WhatsApp media id its message names, an agent's attachment by the stored file's row id.

export interface MessageMedia {
  url: string;
  mimeType: string | null;
  filename?: string;
}

// The payload columns as stored: inbound InboundContent, outbound MediaContent. Read leniently, so a
// row an older version wrote shows without its media rather than failing the whole history.
const InboundMediaPayload = z.object({
  mimeType: z.string().optional().catch(undefined),
  filename: z.string().optional().catch(undefined),
});
const OutboundMediaPayload = z.object({
  kind: z.literal('media'),
  fileId: z.number().int().positive(),
  mimeType: z.string(),
  filename: z.string().optional().catch(undefined),
});

/** The media of a message for the history, or undefined when it has none. */
export function messageMedia(m: StoredMessage): MessageMedia | undefined {
  if (m.direction === 'inbound') {
    if (m.mediaId === null) return undefined;
    const payload = InboundMediaPayload.safeParse(m.payload);
    const info = payload.success ? payload.data : {};
    return {
      url: `/api/admin/media/wa.${encodeURIComponent(m.mediaId)}`,
      mimeType: info.mimeType ?? null,
      ...(info.filename === undefined ? {} : { filename: info.filename }),
    };
  }
  const payload = OutboundMediaPayload.safeParse(m.payload);
  if (!payload.success) return undefined;
  return {
    url: `/api/admin/media/${payload.data.fileId}`,
    mimeType: payload.data.mimeType,
    ...(payload.data.filename === undefined ? {} : { filename: payload.data.filename }),
  };
}
