import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Queryable } from './queryable';
import { UNIQUE_VIOLATION, type Db } from './pool';
import type { AttachmentType } from '../../domain/types';
import type { WhatsAppClient } from '../whatsapp/graph-client';

// Stored media: photos and files downloaded from WhatsApp (its media URLs expire) and files agents
// upload to attach to their messages. The bytes live in `media_chunks`, written and read one chunk
// at a time, so no file is ever whole in memory; rows from before chunks keep theirs in media.data.
// A row is written incomplete, its chunks added, and only then marked complete: readers see complete
// rows only, so a failed or aborted transfer leaves nothing usable.

/** A chunk's size: large enough that a 100 MB file is 200 rows, small enough to hold a few at once. */
export const CHUNK_BYTES = 512 * 1024;

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

/** A stored file with its bytes in one buffer: for tests and callers that know the file is small. */
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

/** A file about to be written: an agent's upload, or a user's media downloaded from WhatsApp. */
export type NewMedia =
  | { origin: 'agent'; mediaType: AttachmentType; mimeType: string; filename: string; uploadedBy: number }
  | { origin: 'whatsapp'; mimeType: string; filename?: string };

/** Starts a file: an incomplete row that chunks are added to; nobody reads it until it is complete. */
export async function beginMedia(db: Queryable, media: NewMedia): Promise<number> {
  const { rows } = await db.query<{ id: string }>(
    `insert into media (origin, media_type, mime_type, filename, uploaded_by, size_bytes, complete)
     values ($1, $2, $3, $4, $5, 0, false) returning id`,
    [
      media.origin,
      media.origin === 'agent' ? media.mediaType : null,
      media.mimeType,
      media.filename ?? null,
      media.origin === 'agent' ? media.uploadedBy : null,
    ],
  );
  return Number(rows[0]!.id);
}

/** Writes a file's bytes as they come, in CHUNK_BYTES rows, counting and hashing them on the way. */
export interface ChunkWriter {
  /** Resolves once the bytes are buffered or written: the caller reads no more until then. */
  write(bytes: Buffer): Promise<void>;
  /** Writes what is left; returns the file's size and hex sha256. */
  end(): Promise<{ sizeBytes: number; sha256: string }>;
}

export function chunkWriter(db: Queryable, mediaId: number): ChunkWriter {
  const hash = createHash('sha256');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let seq = 0;
  let sizeBytes = 0;
  const insert = async (bytes: Buffer): Promise<void> => {
    await db.query('insert into media_chunks (media_id, seq, bytes) values ($1, $2, $3)', [mediaId, seq, bytes]);
    seq += 1;
  };
  return {
    async write(bytes) {
      hash.update(bytes);
      sizeBytes += bytes.length;
      pending.push(bytes);
      pendingBytes += bytes.length;
      if (pendingBytes < CHUNK_BYTES) return;
      let joined = Buffer.concat(pending, pendingBytes);
      while (joined.length >= CHUNK_BYTES) {
        await insert(joined.subarray(0, CHUNK_BYTES));
        joined = joined.subarray(CHUNK_BYTES);
      }
      // A copy: the rest would otherwise keep the whole joined buffer alive.
      pending = joined.length > 0 ? [Buffer.from(joined)] : [];
      pendingBytes = joined.length;
    },
    async end() {
      if (pendingBytes > 0) await insert(Buffer.concat(pending, pendingBytes));
      pending = [];
      pendingBytes = 0;
      return { sizeBytes, sha256: hash.digest('hex') };
    },
  };
}

/** Marks an agent's file complete: from now on it can be attached and served. */
export async function completeAgentMedia(
  db: Queryable,
  mediaId: number,
  written: { sizeBytes: number; sha256: string },
): Promise<MediaInfo> {
  const { rows } = await db.query<DbMedia>(
    `update media set size_bytes = $2, sha256 = $3, complete = true where id = $1 and not complete
     returning ${INFO_COLUMNS}`,
    [mediaId, written.sizeBytes, written.sha256],
  );
  if (!rows[0]) throw new Error(`media ${mediaId} vanished before it was complete`);
  return toInfo(rows[0]);
}

/**
 * Marks a user's downloaded media complete under its WhatsApp id. When another download of the same
 * id completed first, this one is deleted and the other returned: one row per WhatsApp media id.
 */
export async function completeWhatsAppMedia(
  db: Queryable,
  mediaId: number,
  written: { waMediaId: string; mimeType: string; sizeBytes: number; sha256: string },
): Promise<MediaInfo> {
  try {
    const { rows } = await db.query<DbMedia>(
      `update media set wa_media_id = $2, mime_type = $3, size_bytes = $4, sha256 = $5, complete = true
       where id = $1 and not complete returning ${INFO_COLUMNS}`,
      [mediaId, written.waMediaId, written.mimeType, written.sizeBytes, written.sha256],
    );
    if (rows[0]) return toInfo(rows[0]);
    throw new Error(`media ${mediaId} vanished before it was complete`);
  } catch (err) {
    if (!(err instanceof pg.DatabaseError) || err.code !== UNIQUE_VIOLATION) throw err;
    await discardMedia(db, mediaId);
    const earlier = await getWhatsAppMediaInfo(db, written.waMediaId);
    if (!earlier) throw err;
    return earlier;
  }
}

/**
 * Deletes a file that never completed, with its chunks (cascade). Through a function of migration 0018,
 * since the runtime role may delete nothing; it deletes incomplete rows only.
 */
export async function discardMedia(db: Queryable, mediaId: number): Promise<void> {
  await db.query('select edubot_discard_media($1)', [mediaId]);
}

/**
 * Deletes incomplete files older than `olderThanMs`: transfers whose process died before it could
 * discard them. Nothing in flight is that old (a transfer's time limit is far shorter).
 */
export async function sweepIncompleteMedia(db: Queryable, olderThanMs: number): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'select edubot_sweep_incomplete_media(now() - make_interval(secs => $1)) as n',
    [olderThanMs / 1000],
  );
  return rows[0]!.n;
}

/**
 * The size of one read. node-postgres reads a bytea as hex text, a string twice its size: strings
 * of a 512 KB chunk (1 MB) live in V8's large-object space until a full collection, which left tens
 * of MB of them behind while a file streamed; 32 KB slices make 64 KB strings the young generation
 * collects at once. It divides CHUNK_BYTES, so a slice never spans two chunks.
 */
const READ_BYTES = 32 * 1024;

/**
 * A complete file's bytes, a slice at a time, each read when the consumer asks for it. A row from
 * before chunks is read in slices of its single column, so it too is never whole in memory here.
 */
export async function* readMediaBytes(db: Queryable, media: MediaInfo): AsyncGenerator<Buffer> {
  const { rows } = await db.query<{ legacy: boolean }>(
    'select data is not null as legacy from media where id = $1 and complete',
    [media.id],
  );
  if (!rows[0]) throw new Error(`media ${media.id} is gone`);
  const legacy = rows[0].legacy;
  for (let at = 0; at < media.sizeBytes; at += READ_BYTES) {
    const seq = Math.floor(at / CHUNK_BYTES);
    const { rows: slice } = legacy
      ? await db.query<{ bytes: Buffer | null }>(
          'select substring(data from $2 for $3) as bytes from media where id = $1',
          [media.id, at + 1, READ_BYTES],
        )
      : await db.query<{ bytes: Buffer | null }>(
          'select substring(bytes from $3 for $4) as bytes from media_chunks where media_id = $1 and seq = $2',
          [media.id, seq, at - seq * CHUNK_BYTES + 1, READ_BYTES],
        );
    // Erased or pruned while it was read: the reader fails rather than serving a truncated file.
    if (!slice[0]?.bytes?.length) throw new Error(`media ${media.id} lost its bytes at ${at} while it was read`);
    yield slice[0].bytes;
  }
}

/** Stores a file given whole in memory (tests, small files): the same chunks as a streamed one. */
async function storeWhole(db: Db, media: NewMedia, data: Buffer): Promise<{ id: number; sha256: string }> {
  const id = await beginMedia(db, media);
  try {
    const writer = chunkWriter(db, id);
    for (let at = 0; at < data.length; at += CHUNK_BYTES) await writer.write(data.subarray(at, at + CHUNK_BYTES));
    const { sha256 } = await writer.end();
    return { id, sha256 };
  } catch (err) {
    await discardMedia(db, id).catch(() => undefined);
    throw err;
  }
}

export interface MediaInput {
  waMediaId: string;
  mimeType: string;
  filename?: string;
  data: Buffer;
}

/** Stores downloaded media, given whole, once per WhatsApp media id. */
export async function storeMedia(db: Db, media: MediaInput): Promise<MediaInfo> {
  const earlier = await getWhatsAppMediaInfo(db, media.waMediaId);
  if (earlier) return earlier;
  const { id, sha256 } = await storeWhole(
    db,
    {
      origin: 'whatsapp',
      mimeType: media.mimeType,
      ...(media.filename === undefined ? {} : { filename: media.filename }),
    },
    media.data,
  );
  return completeWhatsAppMedia(db, id, {
    waMediaId: media.waMediaId,
    mimeType: media.mimeType,
    sizeBytes: media.data.length,
    sha256,
  });
}

/** An agent's file given whole, checked against WhatsApp's limits before it gets here. */
export async function storeAgentFile(
  db: Db,
  file: { mediaType: AttachmentType; mimeType: string; filename: string; data: Buffer; uploadedBy: number },
): Promise<MediaInfo> {
  const { data, ...fields } = file;
  const { id, sha256 } = await storeWhole(db, { origin: 'agent', ...fields }, data);
  return completeAgentMedia(db, id, { sizeBytes: data.length, sha256 });
}

/**
 * A user's media by WhatsApp's id: the stored row when it was downloaded before, else streamed from
 * WhatsApp into chunks and completed. A failed or refused download leaves nothing behind.
 */
export async function storeUserMedia(
  db: Db,
  whatsapp: Pick<WhatsAppClient, 'streamMedia'>,
  waMediaId: string,
  hints: { mimeType?: string; filename?: string } = {},
): Promise<MediaInfo> {
  const earlier = await getWhatsAppMediaInfo(db, waMediaId);
  if (earlier) return earlier;
  const fallbackType = hints.mimeType ?? 'application/octet-stream';
  const id = await beginMedia(db, {
    origin: 'whatsapp',
    mimeType: fallbackType,
    ...(hints.filename === undefined ? {} : { filename: hints.filename }),
  });
  try {
    const writer = chunkWriter(db, id);
    const { mimeType } = await whatsapp.streamMedia(waMediaId, (chunk) => writer.write(chunk));
    const written = await writer.end();
    return await completeWhatsAppMedia(db, id, { waMediaId, mimeType: mimeType || fallbackType, ...written });
  } catch (err) {
    await discardMedia(db, id).catch(() => undefined);
    throw err;
  }
}

/** What is known of a complete stored file, without its bytes. */
export async function getMediaInfo(db: Queryable, id: number): Promise<MediaInfo | undefined> {
  const { rows } = await db.query<DbMedia>(`select ${INFO_COLUMNS} from media where id = $1 and complete`, [id]);
  return rows[0] ? toInfo(rows[0]) : undefined;
}

/** What is known of a user's media downloaded earlier, by WhatsApp's media id. */
export async function getWhatsAppMediaInfo(db: Queryable, waMediaId: string): Promise<MediaInfo | undefined> {
  const { rows } = await db.query<DbMedia>(`select ${INFO_COLUMNS} from media where wa_media_id = $1 and complete`, [
    waMediaId,
  ]);
  return rows[0] ? toInfo(rows[0]) : undefined;
}

/** A stored file with all its bytes in one buffer, by row id: for tests and small files only. */
export async function getMedia(db: Queryable, id: number): Promise<StoredMedia | undefined> {
  const info = await getMediaInfo(db, id);
  if (!info) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of readMediaBytes(db, info)) chunks.push(chunk);
  return { ...info, data: Buffer.concat(chunks) };
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
