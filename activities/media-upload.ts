import { log } from '@temporalio/activity';
import { getMediaInfo, getUploadedMediaId, readMediaBytes, setUploadedMediaId } from '../src/db/media';
import { markFailed } from '../src/db/messages';
import type { Db } from '../src/db/pool';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import type { MediaContent } from '../domain/types';

// An agent's attachment goes to WhatsApp's media endpoint once per outbound message: the id the
// upload answers is kept on the message's row before the send, so an attempt retried after the upload
// (a send refused for a while, a crash) sends by that id instead of uploading the file again.

/**
 * The WhatsApp media id to send `content` by, uploading its stored file unless an earlier attempt for
 * this row did. A file no row holds can never be sent: the message fails and a RangeError says why.
 */
export async function uploadOnce(
  db: Db,
  whatsapp: WhatsAppClient,
  messageRowId: number,
  content: MediaContent,
): Promise<string> {
  const uploaded = await getUploadedMediaId(db, messageRowId);
  if (uploaded !== undefined) return uploaded;
  const file = await getMediaInfo(db, content.fileId);
  if (file === undefined) {
    await markFailed(db, messageRowId, null, 'Attachment not found');
    throw new RangeError(`no stored file ${content.fileId} to attach`);
  }
  // Streamed from its chunks: a 100 MB document is never whole in the worker's memory.
  const { mediaId } = await whatsapp.uploadMedia({
    sizeBytes: file.sizeBytes,
    read: () => readMediaBytes(db, file),
    mimeType: file.mimeType,
    ...(file.filename === null ? {} : { filename: file.filename }),
  });
  await setUploadedMediaId(db, messageRowId, mediaId);
  log.info('attachment uploaded', { fileId: content.fileId, sizeBytes: file.sizeBytes });
  return mediaId;
}
