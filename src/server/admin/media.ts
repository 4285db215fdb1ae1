import type Router from '@koa/router';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { receiveFile, type FileSink } from './media-receive';
import { answerWhatsAppRefusal } from './whatsapp-refusal';
import { parse, type AdminContext } from './params';
import {
  beginMedia,
  chunkWriter,
  completeAgentMedia,
  discardMedia,
  getMediaInfo,
  inboundMediaMention,
  readMediaBytes,
  storeUserMedia,
  sweepIncompleteMedia,
  type MediaInfo,
} from '../../db/media';
import type { Db } from '../../db/pool';
import { MAX_ID_CHARS } from '../../../domain/whatsapp-limits';
import { WhatsAppApiError } from '../../whatsapp/errors';
import type { WhatsAppClient } from '../../whatsapp/graph-client';
import { MediaRefusedError } from '../../whatsapp/media-transfer';
import { HttpError, notFound, unavailable } from '../errors';

// POST /api/admin/media stores a file an agent attaches (checked against WhatsApp's types and sizes
// before anything is kept); GET /api/admin/media/{id} serves stored bytes to the console: an agent's
// file or a user's photo, the latter downloaded from WhatsApp the first time it is asked for. Both
// move the bytes a chunk at a time between the socket and Postgres.

export interface MediaDeps {
  db: Db;
  whatsapp?: WhatsAppClient;
}

/**
 * Uploads in progress at once, per server. Each holds a Postgres connection for a moment per chunk
 * and a few chunks of memory; beyond this the server answers 503 with Retry-After: the refusal is the
 * server's capacity, not the client's misbehaviour (which 429 would say), and another server may take it.
 */
export const MAX_CONCURRENT_UPLOADS = 4;
const RETRY_UPLOAD_AFTER_SECONDS = 5;
/** An incomplete file older than this belongs to a process that died mid-transfer. */
const ABANDONED_AFTER_MS = 60 * 60_000;
/** How often this server looks for such files: the first upload after this long. */
const SWEEP_EVERY_MS = 10 * 60_000;

// A row id, or `wa.` and the WhatsApp media id a stored inbound message names.
const MediaId = z.union([
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform((id) => ({ rowId: Number(id) })),
  z
    .string()
    .regex(new RegExp(`^wa\\.[A-Za-z0-9._-]{1,${MAX_ID_CHARS}}$`))
    .transform((id) => ({ waMediaId: id.slice(3) })),
]);

export function mountMediaRoutes(router: Router<AdminState>, deps: MediaDeps, guard: AdminGuard): void {
  let uploading = 0;
  let sweptAt = 0;

  router.post('/api/admin/media', ...guard('media.upload', AGENT_OR_ADMIN), async (ctx) => {
    if (uploading >= MAX_CONCURRENT_UPLOADS) {
      ctx.set('Retry-After', String(RETRY_UPLOAD_AFTER_SECONDS));
      throw new HttpError(503, 'too_many_uploads', `${MAX_CONCURRENT_UPLOADS} uploads are in progress; retry shortly`);
    }
    uploading += 1;
    try {
      if (Date.now() - sweptAt > SWEEP_EVERY_MS) {
        sweptAt = Date.now();
        await sweepIncompleteMedia(deps.db, ABANDONED_AFTER_MS);
      }
      const agentId = ctx.state.actor!.agentId;
      const file = await receiveFile(ctx.req, async ({ format, filename }) =>
        agentFileSink(deps.db, {
          origin: 'agent',
          mediaType: format.mediaType,
          mimeType: format.mimeType,
          filename,
          uploadedBy: agentId,
        }),
      );
      const stored = file.stored;
      noteAudit(ctx, { details: { mediaId: stored.id, mediaType: stored.mediaType, sizeBytes: stored.sizeBytes } });
      ctx.status = 201;
      ctx.body = {
        status: 'success',
        message: 'File stored',
        timestamp: new Date().toISOString(),
        media: {
          id: stored.id,
          mediaType: stored.mediaType,
          mimeType: stored.mimeType,
          filename: stored.filename,
          sizeBytes: stored.sizeBytes,
        },
      };
    } catch (err) {
      // A refused upload's connection is not reused: the client may still be writing the body.
      ctx.set('Connection', 'close');
      throw err;
    } finally {
      uploading -= 1;
    }
  });

  router.get('/api/admin/media/:id', ...guard('media.get', AGENT_OR_ADMIN), async (ctx) => {
    const id = parse(MediaId, ctx.params.id, 'invalid_media_id', 'Invalid media id');
    noteAudit(ctx, { details: 'rowId' in id ? { mediaId: id.rowId } : { waMediaId: id.waMediaId } });
    const media = 'rowId' in id ? await getMediaInfo(deps.db, id.rowId) : await userMedia(ctx, deps, id.waMediaId);
    if (media === undefined) throw notFound('media_not_found', 'No stored media has this id');
    if (media === 'refused') return;
    serve(ctx, deps.db, media);
  });
}

/** An agent's new file in Postgres: a row made incomplete, its chunks, completed at the end. */
async function agentFileSink(db: Db, file: Parameters<typeof beginMedia>[1]): Promise<FileSink<MediaInfo>> {
  const id = await beginMedia(db, file);
  const writer = chunkWriter(db, id);
  return {
    write: (bytes) => writer.write(bytes),
    end: async () => completeAgentMedia(db, id, await writer.end()),
    abort: () => discardMedia(db, id),
  };
}

/**
 * A user's media by WhatsApp's id: from Postgres when it was downloaded before, else downloaded now
 * (streamed into chunks) and stored. Only media a stored inbound message names is fetched, so the
 * route cannot be used to read arbitrary ids off the business account. 'refused': the refusal (by
 * WhatsApp, or ours of what it handed over) has been answered.
 */
async function userMedia(
  ctx: AdminContext,
  deps: MediaDeps,
  waMediaId: string,
): Promise<MediaInfo | 'refused' | undefined> {
  const mention = await inboundMediaMention(deps.db, waMediaId);
  if (mention === undefined) return undefined;
  if (deps.whatsapp === undefined) throw unavailable('This server has no WhatsApp client to download media with');
  try {
    return await storeUserMedia(deps.db, deps.whatsapp, waMediaId, {
      ...(mention.mimeType === undefined ? {} : { mimeType: mention.mimeType }),
      ...(mention.filename === undefined ? {} : { filename: mention.filename }),
    });
  } catch (err) {
    if (!(err instanceof WhatsAppApiError) || err.retryable) throw err;
    if (err instanceof MediaRefusedError)
      answerWhatsAppRefusal(ctx, {
        code: err.refusal,
        message: 'WhatsApp handed over media this server does not take (see the code)',
        whatsappCode: undefined,
      });
    else
      answerWhatsAppRefusal(ctx, {
        code: 'media_unavailable',
        message: 'WhatsApp did not hand over this media (expired, deleted or unreachable)',
        whatsappCode: err.code,
      });
    return 'refused';
  }
}

/** The bytes, streamed from Postgres, with headers that keep a browser from running or sniffing them. */
function serve(ctx: AdminContext, db: Db, media: MediaInfo): void {
  const image = media.mimeType.startsWith('image/');
  ctx.set('Content-Type', media.mimeType);
  ctx.set(
    'Content-Disposition',
    contentDisposition(image ? 'inline' : 'attachment', media.filename ?? `media-${media.id}`),
  );
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
  ctx.set('Cache-Control', 'private');
  // One chunk read ahead at most: the next is fetched once the socket has taken the last.
  ctx.body = Readable.from(readMediaBytes(db, media), { highWaterMark: 1 });
  // After the body: Koa drops a Content-Length set before a stream body.
  ctx.length = media.sizeBytes;
}

/**
 * RFC 6266: an ASCII `filename` for old clients (anything else replaced by `_`) and the exact name
 * in `filename*` (RFC 8187, UTF-8 percent-encoded).
 */
export function contentDisposition(kind: 'inline' | 'attachment', filename: string): string {
  const fallback = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase(),
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
