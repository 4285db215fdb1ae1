import busboy from 'busboy';
import { createHash, randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { graphError } from './graph-fake-http';
import type { RecordedMedia, RecordedUpload } from './graph-fake-types';
import { MAX_MEDIA_BYTES } from '../../domain/whatsapp-limits';
import { describeBytes, MAX_BYTES, recogniseMedia, SNIFF_BYTES } from '../../src/whatsapp/media-types';
import { mediaOfSend, type GraphSendBody } from '../../src/whatsapp/outbound';

// The Graph fake's media uploads: `POST /{phone-number-id}/media` (multipart: messaging_product,
// type, file) checked against WhatsApp's types and sizes, and the sends that name an uploaded id.
// Uploaded files up to KEEP_BYTES join the fake's downloadable media, so sandbox mode round-trips an
// agent's file; larger ones are recorded (size, sha256) but not kept.
//
// An unknown id in a send is refused with Graph error 100 (invalid parameter), as Graph answers a
// media id that names no media of the account ("Param image['id'] is not a valid … media attachment
// ID"); 131053 (media upload error) is for a file WhatsApp cannot take: wrong type, too large, or a
// send of an uploaded file as another kind than it is.

/** The code of Graph's media upload error. */
const MEDIA_UPLOAD_ERROR = 131053;

/** A file the fake serves at `GET /media-download/{id}`. */
export interface StoredMedia {
  data: Buffer;
  mimeType: string;
}

/** An answer for the route to write: its status and JSON body. */
export interface GraphAnswer {
  status: number;
  body: unknown;
}

export interface MediaUploads {
  readonly uploads: RecordedUpload[];
  /** Reads a multipart upload from `req` as it streams in, and answers its id or Graph's refusal. */
  handleUpload(req: IncomingMessage, phoneNumberId: string): Promise<GraphAnswer>;
  /** The media of a send by id, or the Graph error refusing it; undefined for a send without media. */
  checkSend(
    body: GraphSendBody,
  ): { media: RecordedMedia } | { error: { code: number; title: string; details: string } } | undefined;
  reset(): void;
}

interface Part {
  fields: Record<string, string>;
  file?: ReceivedPart;
}

interface ReceivedPart {
  /** The first bytes, which recognition reads. */
  head: Buffer;
  /** The whole file when it is at most KEEP_BYTES: only those can be downloaded again. */
  data?: Buffer;
  sizeBytes: number;
  sha256: string;
  filename?: string;
  mimeType: string;
  tooLarge: boolean;
}

/**
 * The largest upload the fake keeps to serve back. In sandbox mode the fake runs inside the product's
 * process: a 100 MB document is counted and hashed as it streams, never held.
 */
const KEEP_BYTES = 16 * 1024 * 1024;

export function createMediaUploads(downloadable: Map<string, StoredMedia>): MediaUploads {
  const uploads: RecordedUpload[] = [];

  function readParts(req: IncomingMessage): Promise<Part> {
    return new Promise((resolve, reject) => {
      const part: Part = { fields: {} };
      const parser = busboy({ headers: req.headers, defParamCharset: 'utf8', limits: { fileSize: MAX_MEDIA_BYTES } });
      parser.on('field', (name, value) => (part.fields[name] = value));
      parser.on('file', (_name, stream, info) => {
        let kept: Buffer[] | undefined = [];
        const hash = createHash('sha256');
        let head = Buffer.alloc(0);
        let size = 0;
        let tooLarge = false;
        stream.on('data', (chunk: Buffer) => {
          size += chunk.length;
          hash.update(chunk);
          if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
          if (kept && size <= KEEP_BYTES) kept.push(chunk);
          else kept = undefined;
        });
        stream.on('limit', () => (tooLarge = true));
        stream.on('end', () => {
          part.file = {
            head,
            ...(kept === undefined ? {} : { data: Buffer.concat(kept) }),
            sizeBytes: size,
            sha256: hash.digest('hex'),
            mimeType: info.mimeType,
            tooLarge,
            ...(info.filename === undefined ? {} : { filename: info.filename }),
          };
        });
      });
      parser.on('close', () => resolve(part));
      parser.on('error', reject);
      req.pipe(parser);
    });
  }

  async function handleUpload(req: IncomingMessage, phoneNumberId: string): Promise<GraphAnswer> {
    let part: Part;
    try {
      part = await readParts(req);
    } catch {
      return invalid('The body is not multipart/form-data');
    }
    if (part.fields['messaging_product'] !== 'whatsapp') return invalid('messaging_product must be whatsapp');
    const type = part.fields['type'];
    if (type === undefined || type === '') return invalid('The parameter type is required');
    const file = part.file;
    if (file === undefined || file.sizeBytes === 0) return invalid('The parameter file is required');
    const recognised = recogniseMedia({
      mimeType: type,
      head: file.head,
      ...(file.filename === undefined ? {} : { filename: file.filename }),
    });
    if (!recognised.ok) return uploadError(recognised.reason);
    const { format } = recognised;
    const limit = MAX_BYTES[format.mediaType];
    if (file.tooLarge || file.sizeBytes > limit) {
      return uploadError(`${format.mediaType} files must be at most ${describeBytes(limit)}`);
    }
    // Meta's media ids are long decimal numbers.
    const id = String(randomInt(1, 2 ** 47)) + String(uploads.length + 1).padStart(4, '0');
    uploads.push({
      id,
      phoneNumberId,
      mediaType: format.mediaType,
      mimeType: format.mimeType,
      sizeBytes: file.sizeBytes,
      sha256: file.sha256,
      ...(file.filename === undefined ? {} : { filename: file.filename }),
      at: Date.now(),
    });
    if (file.data !== undefined) downloadable.set(id, { data: file.data, mimeType: format.mimeType });
    return { status: 200, body: { id } };
  }

  function checkSend(body: GraphSendBody): ReturnType<MediaUploads['checkSend']> {
    const sent = mediaOfSend(body);
    if (sent === undefined) return undefined;
    const { mediaType, media } = sent;
    const upload = uploads.find((u) => u.id === media.id);
    if (upload === undefined) {
      const details = `Param ${mediaType}['id'] is not a valid whatsapp business account media attachment ID`;
      return { error: { code: 100, title: 'Invalid parameter', details } };
    }
    if (upload.mediaType !== mediaType) {
      const details = `media ${media.id} is ${upload.mimeType}, not ${mediaType}`;
      return { error: { code: MEDIA_UPLOAD_ERROR, title: 'Media upload error', details } };
    }
    return {
      media: {
        mediaType: upload.mediaType,
        mediaId: upload.id,
        mimeType: upload.mimeType,
        sizeBytes: upload.sizeBytes,
        sha256: upload.sha256,
        ...(media.caption === undefined ? {} : { caption: media.caption }),
        ...(media.filename === undefined ? {} : { filename: media.filename }),
      },
    };
  }

  return {
    uploads,
    handleUpload,
    checkSend,
    reset() {
      uploads.length = 0;
    },
  };
}

const invalid = (details: string): GraphAnswer => ({
  status: 400,
  body: graphError(100, 'Invalid parameter', details),
});
const uploadError = (details: string): GraphAnswer => ({
  status: 400,
  body: graphError(MEDIA_UPLOAD_ERROR, 'Media upload error', details),
});
