import type Router from '@koa/router';
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { receiveFile } from './media-receive';
import { answerWhatsAppRefusal } from './whatsapp-refusal';
import { parse, type AdminContext } from './params';
import {
  getMedia,
  getWhatsAppMedia,
  inboundMediaMention,
  storeAgentFile,
  storeMedia,
  type StoredMedia,
} from '../../db/media';
import type { Db } from '../../db/pool';
import { MAX_ID_CHARS } from '../../../domain/whatsapp-limits';
import { WhatsAppApiError } from '../../whatsapp/errors';
import type { WhatsAppClient } from '../../whatsapp/graph-client';
import { notFound, unavailable } from '../errors';

// POST /api/admin/media stores a file an agent attaches (checked against WhatsApp's types and sizes
// before anything is kept); GET /api/admin/media/{id} serves stored bytes to the console: an agent's
// file or a user's photo, the latter downloaded from WhatsApp the first time it is asked for.

export interface MediaDeps {
  db: Db;
  whatsapp?: WhatsAppClient;
}

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
  router.post('/api/admin/media', ...guard('media.upload', AGENT_OR_ADMIN), async (ctx) => {
    const file = await receiveFile(ctx.req);
    const stored = await storeAgentFile(deps.db, {
      mediaType: file.format.mediaType,
      mimeType: file.format.mimeType,
      filename: file.filename,
      sha256: createHash('sha256').update(file.data).digest('hex'),
      data: file.data,
      uploadedBy: ctx.state.actor!.agentId,
    });
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
  });

  router.get('/api/admin/media/:id', ...guard('media.get', AGENT_OR_ADMIN), async (ctx) => {
    const id = parse(MediaId, ctx.params.id, 'invalid_media_id', 'Invalid media id');
    noteAudit(ctx, { details: 'rowId' in id ? { mediaId: id.rowId } : { waMediaId: id.waMediaId } });
    const media = 'rowId' in id ? await getMedia(deps.db, id.rowId) : await userMedia(ctx, deps, id.waMediaId);
    if (media === undefined) throw notFound('media_not_found', 'No stored media has this id');
    if (media === 'refused') return;
    serve(ctx, media);
  });
}

/**
 * A user's media by WhatsApp's id: from Postgres when it was downloaded before, else downloaded now
 * and stored. Only media a stored inbound message names is fetched, so the route cannot be used to
 * read arbitrary ids off the business account. 'refused': WhatsApp's refusal has been answered.
 */
async function userMedia(
  ctx: AdminContext,
  deps: MediaDeps,
  waMediaId: string,
): Promise<StoredMedia | 'refused' | undefined> {
  const earlier = await getWhatsAppMedia(deps.db, waMediaId);
  if (earlier) return earlier;
  const mention = await inboundMediaMention(deps.db, waMediaId);
  if (mention === undefined) return undefined;
  if (deps.whatsapp === undefined) throw unavailable('This server has no WhatsApp client to download media with');
  let download: Awaited<ReturnType<WhatsAppClient['downloadMedia']>>;
  try {
    download = await deps.whatsapp.downloadMedia(waMediaId);
  } catch (err) {
    if (!(err instanceof WhatsAppApiError)) throw err;
    answerWhatsAppRefusal(ctx, {
      code: 'media_unavailable',
      message: 'WhatsApp did not hand over this media (expired, deleted or unreachable)',
      whatsappCode: err.code,
    });
    return 'refused';
  }
  const stored = await storeMedia(deps.db, {
    waMediaId,
    mimeType: download.mimeType || mention.mimeType || 'application/octet-stream',
    ...(download.sha256 === undefined ? {} : { sha256: download.sha256 }),
    ...(mention.filename === undefined ? {} : { filename: mention.filename }),
    data: download.data,
  });
  // The bytes just downloaded are the row's: served as they are rather than read back.
  return { ...stored, data: download.data };
}

/** The bytes, with headers that keep a browser from running or sniffing them as anything else. */
function serve(ctx: AdminContext, media: StoredMedia): void {
  const image = media.mimeType.startsWith('image/');
  ctx.set('Content-Type', media.mimeType);
  ctx.set('Content-Length', String(media.data.length));
  ctx.set(
    'Content-Disposition',
    contentDisposition(image ? 'inline' : 'attachment', media.filename ?? `media-${media.id}`),
  );
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', "default-src 'none'; sandbox");
  ctx.set('Cache-Control', 'private');
  ctx.body = media.data;
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
