import busboy from 'busboy';
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import { MAX_MEDIA_BYTES } from '../../../domain/whatsapp-limits';
import { describeBytes, MAX_BYTES, recogniseMedia, SNIFF_BYTES, type MediaFormat } from '../../whatsapp/media-types';
import { badRequest, type HttpError } from '../errors';

// Reads the one file of a multipart upload as it streams in, refusing it the moment it shows itself
// to be no file WhatsApp takes (its first bytes) or larger than WhatsApp takes for its kind, and hands
// its bytes to a sink as they come: the body is read no faster than the sink writes (busboy and the
// socket are paused meanwhile), so what is held is a few chunks whatever the file's size.

/** Where a recognised file's bytes go; opened once its first bytes are recognised. */
export interface FileSink<T> {
  write(bytes: Buffer): Promise<void>;
  /** All bytes written: completes the file. */
  end(): Promise<T>;
  /** The upload failed or was refused: drops what was written. */
  abort(): Promise<void>;
}

/** Opens the sink of a file once its format is known. */
export type OpenSink<T> = (file: { format: MediaFormat; filename: string }) => Promise<FileSink<T>>;

export interface ReceivedFile<T> {
  format: MediaFormat;
  filename: string;
  sizeBytes: number;
  /** What the sink's `end` gave. */
  stored: T;
}

/** What the multipart framing (boundaries, part headers) may add to the file's own bytes. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const MAX_FILENAME_CHARS = 255;

const tooLarge = (limit: number, what: string): HttpError =>
  badRequest('file_too_large', `The file is larger than the ${describeBytes(limit)} WhatsApp takes for ${what}`);

/**
 * The file part named `file` of a `multipart/form-data` request, checked against WhatsApp's limits
 * and written to the sink `open` gives once its format is known. A refused or broken upload aborts
 * the sink before the promise rejects.
 */
export function receiveFile<T>(req: IncomingMessage, open: OpenSink<T>): Promise<ReceivedFile<T>> {
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

  return new Promise<ReceivedFile<T>>((resolve, reject) => {
    const upload: Upload<T> = { settled: false, sink: undefined };
    let received: ReceivedFile<T> | undefined;
    let files = 0;
    let pending = 0;

    const fail = (err: HttpError | Error): void => {
      if (upload.settled) return;
      upload.settled = true;
      // Stop parsing: the rest of the body is read and dropped, never held. The answer waits for its
      // end (a few seconds at most): a socket closed with unread bytes is reset, and the client would
      // see the reset instead of the refusal.
      req.unpipe(parser);
      req.resume();
      const opened = upload.sink;
      upload.sink = undefined;
      void Promise.all([opened?.abort().catch(() => undefined), drained(req, DRAIN_WAIT_MS)]).then(() => reject(err));
    };
    const finish = (): void => {
      if (upload.settled || pending > 0) return;
      upload.settled = true;
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
      void readFilePart(stream, info, upload, open).then(
        (file) => {
          pending -= 1;
          received = file;
          finish();
        },
        (err: HttpError | Error) => {
          stream.resume();
          fail(err);
        },
      );
    });

    parser.on('field', () => {
      // Other fields (a caption typed alongside, say) are not this route's; they are ignored.
    });
    parser.on('filesLimit', () => fail(badRequest('too_many_files', 'Send one file at a time')));
    parser.on('partsLimit', () => fail(badRequest('invalid_multipart', 'The body has too many parts')));
    parser.on('error', () => fail(badRequest('invalid_multipart', 'The multipart body is malformed')));
    parser.on('close', finish);
    req.on('error', () => fail(badRequest('invalid_multipart', 'The upload was interrupted')));
    // A client that goes away mid-upload: nothing it sent is kept.
    req.on('aborted', () => fail(badRequest('invalid_multipart', 'The upload was interrupted')));
    req.pipe(parser);
  });
}

/** One upload's shared state: whether its answer is settled, and the sink its file is being written to. */
interface Upload<T> {
  settled: boolean;
  sink: FileSink<T> | undefined;
}

/** Reads the part: the head held until it is recognised, then every piece written to the sink. */
async function readFilePart<T>(
  stream: Readable & { truncated?: boolean },
  info: busboy.FileInfo,
  upload: Upload<T>,
  open: OpenSink<T>,
): Promise<ReceivedFile<T>> {
  const head: Buffer[] = [];
  let size = 0;
  let format: MediaFormat | undefined;
  let filename = '';
  let limit = MAX_MEDIA_BYTES;
  const refusal = () => tooLarge(limit, format ? `${article(format.mediaType)} ${format.mediaType}` : 'any file');
  const recognise = async (): Promise<void> => {
    const bytes = Buffer.concat(head);
    const result = recogniseMedia({
      filename: info.filename,
      mimeType: info.mimeType,
      head: bytes.subarray(0, SNIFF_BYTES),
    });
    if (!result.ok) throw badRequest('unsupported_media_type', `WhatsApp does not take this file: ${result.reason}`);
    format = result.format;
    limit = MAX_BYTES[format.mediaType];
    if (size > limit) throw refusal();
    filename = cleanFilename(info.filename, format);
    const opened = await open({ format, filename });
    // Refused or broken while the sink opened: fail() found none to abort, so it is aborted here.
    if (upload.settled) {
      await opened.abort();
      throw new Error('upload already settled');
    }
    upload.sink = opened;
    head.length = 0;
    await opened.write(bytes);
  };
  for await (const piece of stream as AsyncIterable<Buffer>) {
    if (upload.settled) throw new Error('upload already settled');
    size += piece.length;
    if (size > limit || stream.truncated) throw refusal();
    if (upload.sink) await upload.sink.write(piece);
    else {
      head.push(piece);
      if (size >= SNIFF_BYTES) await recognise();
    }
  }
  if (stream.truncated) throw refusal();
  if (size === 0) throw badRequest('empty_file', 'The file is empty');
  if (!upload.sink) await recognise();
  if (upload.settled) throw new Error('upload already settled');
  const stored = await upload.sink!.end();
  upload.sink = undefined;
  return { format: format!, filename, sizeBytes: size, stored };
}

/** How long a refusal waits for the rest of the body to be read before it is answered anyway. */
const DRAIN_WAIT_MS = 5_000;

/** Resolves once the request has been read to its end or closed, or after `ms`. */
function drained(req: IncomingMessage, ms: number): Promise<void> {
  if (req.complete || req.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      req.off('end', done);
      req.off('close', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    req.once('end', done);
    req.once('close', done);
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
