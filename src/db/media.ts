import type { Queryable } from './queryable';
import type { AttachmentType } from '../../domain/types';

// Stored media: photos and files downloaded from WhatsApp (its media URLs expire) and files agents
// upload to attach to their messages. The bytes live in the row (bytea), with what serving them needs.

export interface MediaInput {
  waMediaId: string;
  mimeType: string;
  sha256?: string;
  filename?: string;
  data: Buffer;
}

/** Stores downloaded media once per WhatsApp media id and returns what the row holds besides its bytes. */
export async function storeMedia(db: Queryable, media: MediaInput): Promise<MediaInfo> {
  const { rows } = await db.query<DbMedia>(
    `insert into media (wa_media_id, mime_type, sha256, size_bytes, data, filename, origin)
     values ($1, $2, $3, $4, $5, $6, 'whatsapp')
     on conflict (wa_media_id) do update set wa_media_id = excluded.wa_media_id
     returning ${INFO_COLUMNS}`,
    [media.waMediaId, media.mimeType, media.sha256 ?? null, media.data.length, media.data, media.filename ?? null],
  );
  return toInfo(rows[0]!);
}

/** What is known of a stored file besides its bytes. */
export interface MediaInfo {
  id: number;
  origin: 'whatsapp' | 'agent';
  /** Null for media downloaded before the kind was recorded. */
  mediaType: AttachmentType | null;
  mimeType: string;
  filename: string | null;
  sizeBytes: number;
}

export interface StoredMedia extends MediaInfo {
  data: Buffer;
}

interface DbMedia {
  id: string;
  origin: 'whatsapp' | 'agent';
  media_type: AttachmentType | null;
  mime_type: string;
  filename: string | null;
  size_bytes: number;
  data?: Buffer;
}

const INFO_COLUMNS = 'id, origin, media_type, mime_type, filename, size_bytes';

const toInfo = (row: DbMedia): MediaInfo => ({
  id: Number(row.id),
  origin: row.origin,
  mediaType: row.media_type,
  mimeType: row.mime_type,
  filename: row.filename,
  sizeBytes: row.size_bytes,
});

/** An agent's file, checked against WhatsApp's limits before it gets here. */
export async function storeAgentFile(
  db: Queryable,
  file: {
    mediaType: AttachmentType;
    mimeType: string;
    filename: string;
    sha256: string;
    data: Buffer;
    uploadedBy: number;
  },
): Promise<MediaInfo> {
  const { rows } = await db.query<DbMedia>(
    `insert into media (origin, media_type, mime_type, filename, sha256, size_bytes, data, uploaded_by)
     values ('agent', $1, $2, $3, $4, $5, $6, $7)
     returning ${INFO_COLUMNS}`,
    [file.mediaType, file.mimeType, file.filename, file.sha256, file.data.length, file.data, file.uploadedBy],
  );
  return toInfo(rows[0]!);
}

/** What is known of a stored file, without loading its bytes. */
export async function getMediaInfo(db: Queryable, id: number): Promise<MediaInfo | undefined> {
  const { rows } = await db.query<DbMedia>(`select ${INFO_COLUMNS} from media where id = $1`, [id]);
  return rows[0] ? toInfo(rows[0]) : undefined;
}

/** A stored file with its bytes, by row id. */
export async function getMedia(db: Queryable, id: number): Promise<StoredMedia | undefined> {
  const { rows } = await db.query<DbMedia>(`select ${INFO_COLUMNS}, data from media where id = $1`, [id]);
  return rows[0] ? { ...toInfo(rows[0]), data: rows[0].data! } : undefined;
}

/** Media downloaded from WhatsApp, with its bytes, by WhatsApp's media id. */
export async function getWhatsAppMedia(db: Queryable, waMediaId: string): Promise<StoredMedia | undefined> {
  const { rows } = await db.query<DbMedia>(`select ${INFO_COLUMNS}, data from media where wa_media_id = $1`, [
    waMediaId,
  ]);
  return rows[0] ? { ...toInfo(rows[0]), data: rows[0].data! } : undefined;
}

/**
 * What the newest stored inbound message naming this WhatsApp media id says of it (its payload's type
 * and file name), or undefined when no stored message names it: then it is not ours to fetch.
 */
export async function inboundMediaMention(
  db: Queryable,
  waMediaId: string,
): Promise<{ mediaType: string; mimeType?: string; filename?: string } | undefined> {
  const { rows } = await db.query<{ type: string; mime_type: string | null; filename: string | null }>(
    `select type, payload->>'mimeType' as mime_type, payload->>'filename' as filename from messages
     where media_id = $1 and direction = 'inbound' order by id desc limit 1`,
    [waMediaId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    mediaType: row.type,
    ...(row.mime_type === null ? {} : { mimeType: row.mime_type }),
    ...(row.filename === null ? {} : { filename: row.filename }),
  };
}

/** The WhatsApp media id an earlier attempt got uploading this outbound message's file, if any. */
export async function getUploadedMediaId(db: Queryable, messageRowId: number): Promise<string | undefined> {
  const { rows } = await db.query<{ uploaded_media_id: string | null }>(
    'select uploaded_media_id from messages where id = $1',
    [messageRowId],
  );
  return rows[0]?.uploaded_media_id ?? undefined;
}

/** Keeps the upload's id on the message before the send, so a retry sends by it without uploading again. */
export async function setUploadedMediaId(db: Queryable, messageRowId: number, uploadedMediaId: string): Promise<void> {
  await db.query('update messages set uploaded_media_id = $2 where id = $1', [messageRowId, uploadedMediaId]);
}
