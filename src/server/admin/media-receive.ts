import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import { MAX_MEDIA_BYTES } from '../../../domain/whatsapp-limits';
import { describeBytes, MAX_BYTES, recogniseMedia, SNIFF_BYTES, type MediaFormat } from '../../whatsapp/media-types';
import { badRequest, type HttpError } from '../errors';

// Reads the one file of a multipart upload as it streams in, refusing it the moment it shows itself
// to be no file WhatsApp takes (its first bytes) or larger than WhatsApp takes for its kind: nothing
// more than the limit and one byte is ever held, and the refusal is answered at once.

export interface ReceivedFile {
  format: MediaFormat;
  filename: string;
  data: Buffer;
}

/** What the multipart framing (boundaries, part headers) may add to the file's own bytes. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const MAX_FILENAME_CHARS = 255;

const tooLarge = (limit: number, what: string): HttpError =>
  badRequest('file_too_large', `The file is larger than the ${describeBytes(limit)} WhatsApp takes for ${what}`);

/** The file part named `file` of a `multipart/form-data` request, checked against WhatsApp's limits. */
export function receiveFile(req: IncomingMessage): Promise<ReceivedFile> {
  const type = req.headers['content-type'] ?? '';
  if (!/^multipart\/form-data\s*;/i.test(type))
    return Promise.reject(badRequest('not_multipart', 'Send the file as multipart/form-data with a part named file'));
  if (Number(req.headers['content-length'] ?? 0) > MAX_MEDIA_BYTES + MULTIPART_OVERHEAD_BYTES)
    return Promise.reject(tooLarge(MAX_MEDIA_BYTES, 'any file'));

  let parser: busboy.Busboy;
  try {
    parser = busboy({
      headers: req.headers,
      // Browsers send a non-ASCII file name as raw UTF-8.
      defParamCharset: 'utf8',
      limits: { fileSize: MAX_MEDIA_BYTES + 1, files: 2, fields: 10, fieldSize: 1024, parts: 12 },
    });
  } catch {
    return Promise.reject(badRequest('invalid_multipart', 'The multipart body has no boundary'));
  }

  return new Promise<ReceivedFile>((resolve, reject) => {
    let settled = false;
    let received: ReceivedFile | undefined;
    let files = 0;
    let pending = 0;

    const fail = (err: HttpError): void => {
      if (settled) return;
      settled = true;
      // Stop reading: the rest of the body is drained by Node and never held.
      req.unpipe(parser);
      req.resume();
      reject(err);
    };
    const finish = (): void => {
      if (settled || pending > 0) return;
      settled = true;
      if (received) resolve(received);
      else reject(badRequest('no_file', 'The body has no file part named file'));
    };

    parser.on('file', (name, stream, info) => {
      files += 1;
      if (name !== 'file') {
        stream.resume();
        return fail(badRequest('unexpected_part', `The file part is named ${JSON.stringify(name)}, not file`));
      }
      if (files > 1) {
        stream.resume();
        return fail(badRequest('too_many_files', 'Send one file at a time'));
      }
      pending += 1;
      const chunks: Buffer[] = [];
      let size = 0;
      let format: MediaFormat | undefined;
      let limit = MAX_MEDIA_BYTES;
      const recognise = (): boolean => {
        const head = Buffer.concat(chunks).subarray(0, SNIFF_BYTES);
        const result = recogniseMedia({ filename: info.filename, mimeType: info.mimeType, head });
        if (!result.ok) {
          fail(badRequest('unsupported_media_type', `WhatsApp does not take this file: ${result.reason}`));
          return false;
        }
        format = result.format;
        limit = MAX_BYTES[format.mediaType];
        return true;
      };
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        size += chunk.length;
        if (size > limit) {
          chunks.length = 0;
          return fail(tooLarge(limit, format ? `${article(format.mediaType)} ${format.mediaType}` : 'any file'));
        }
        chunks.push(chunk);
        if (format === undefined && size >= SNIFF_BYTES) recognise();
      });
      stream.on('limit', () =>
        fail(tooLarge(limit, format ? `${article(format.mediaType)} ${format.mediaType}` : 'any file')),
      );
      stream.on('end', () => {
        pending -= 1;
        if (settled) return;
        if (size === 0) return fail(badRequest('empty_file', 'The file is empty'));
        if (format === undefined && !recognise()) return;
        received = { format: format!, filename: cleanFilename(info.filename, format!), data: Buffer.concat(chunks) };
        finish();
      });
    });
    parser.on('field', () => {
      // Other fields (a caption typed alongside, say) are not this route's; they are ignored.
    });
    parser.on('filesLimit', () => fail(badRequest('too_many_files', 'Send one file at a time')));
    parser.on('partsLimit', () => fail(badRequest('invalid_multipart', 'The body has too many parts')));
    parser.on('error', () => fail(badRequest('invalid_multipart', 'The multipart body is malformed')));
    parser.on('close', finish);
    req.on('error', () => fail(badRequest('invalid_multipart', 'The upload was interrupted')));
    req.pipe(parser);
  });
}

const article = (word: string): string => (/^[aeiou]/.test(word) ? 'an' : 'a');

/** The name the file is stored and offered under: no path, no control characters, not too long. */
function cleanFilename(name: string | undefined, format: MediaFormat): string {
  const last = (name ?? '').split(/[\\/]/).pop()!;
  const base = [...last]
    .filter((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f)
    .join('')
    .trim();
  const cut = [...base].slice(0, MAX_FILENAME_CHARS).join('');
  return cut === '' ? `attachment.${format.extensions[0]}` : cut;
}
