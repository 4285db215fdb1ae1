import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { WhatsAppApiError } from './errors';

// Media bytes to and from the Graph API without holding a file: a download is fed to its consumer
// chunk by chunk (the response paused while the consumer writes), an upload's multipart body is
// streamed from its source with a known length. A user's media is fetched only from Meta's media
// hosts over https, or from the configured Graph origin itself (the sandbox's and tests' fake): the
// lookup's URL is checked before any request, and so is every redirect, since the access token goes
// with the first request and the bytes could otherwise come from anywhere.

/** Meta's media hosts: the lookaside URL the lookup answers, and the CDNs it may redirect to. */
const META_MEDIA_HOST = 'lookaside.fbsbx.com';
const META_MEDIA_HOST_SUFFIXES = ['.fbcdn.net', '.whatsapp.net'];

/** Why a user's media was refused; the code callers show and quarantine it under. */
export type MediaRefusal = 'media_url_refused' | 'media_too_large' | 'media_checksum_mismatch';

/** Thrown when a user's media is refused by our own checks: never retried, nothing stored. */
export class MediaRefusedError extends WhatsAppApiError {
  readonly refusal: MediaRefusal;

  constructor(refusal: MediaRefusal, message: string) {
    super(`WhatsApp media refused (${refusal}): ${message}`, { retryable: false, title: refusal });
    this.refusal = refusal;
  }
}

/**
 * Whether a media URL may be fetched: https on Meta's media hosts (default port, no credentials in
 * it), or on the Graph API's own origin. The reason when not, naming no part of the URL's path.
 */
export function mediaUrlRefusal(raw: string, graphOrigin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a URL';
  }
  if (url.username !== '' || url.password !== '') return 'credentials in the URL';
  if (url.origin === graphOrigin) return undefined;
  if (url.protocol !== 'https:') return `scheme ${url.protocol} is not https`;
  if (url.port !== '') return 'a port other than https’s';
  const host = url.hostname.toLowerCase();
  if (host === META_MEDIA_HOST || META_MEDIA_HOST_SUFFIXES.some((suffix) => host.endsWith(suffix))) return undefined;
  return `host ${host} is not one of Meta's media hosts`;
}

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;
/** The most of an error answer read, to find a Graph error body in it. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

export interface DownloadOptions {
  /** Sent as a Bearer token, to the URL's own origin only. */
  accessToken: string;
  graphOrigin: string;
  /** The most bytes taken: past it the download is aborted. */
  maxBytes: number;
  /** The lookup's sha256 (base64 as Meta gives it, or hex): the bytes must match it. */
  sha256?: string;
  timeoutMs: number;
  /** Receives the bytes in order; the response is paused until it resolves. */
  write(chunk: Buffer): Promise<void>;
}

/** A non-2xx answer: its status and the start of its body. */
export class MediaHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Buffer,
  ) {
    super(`HTTP ${status}`);
  }
}

/**
 * Downloads a media URL into `write`, refusing a URL or redirect off Meta's hosts before requesting
 * it, a body longer than maxBytes, and bytes whose sha256 is not the lookup's. Resolves with the size
 * and hex sha256 of what was written. Network failures and timeouts are thrown as they come.
 */
export async function downloadMedia(url: string, options: DownloadOptions): Promise<{ sizeBytes: number }> {
  let current = url;
  let origin: string | undefined;
  for (let redirects = 0; ; redirects++) {
    const refusal = mediaUrlRefusal(current, options.graphOrigin);
    if (refusal !== undefined) throw new MediaRefusedError('media_url_refused', refusal);
    // The token goes only where the lookup pointed, never to another origin a redirect names.
    const here = new URL(current).origin;
    origin ??= here;
    const authorized = here === origin;
    const answer = await getOnce(current, authorized ? options.accessToken : undefined, options);
    if ('location' in answer) {
      if (redirects === MAX_REDIRECTS) throw new MediaRefusedError('media_url_refused', 'too many redirects');
      current = new URL(answer.location, current).toString();
      continue;
    }
    return answer;
  }
}

function getOnce(
  url: string,
  accessToken: string | undefined,
  options: DownloadOptions,
): Promise<{ sizeBytes: number } | { location: string }> {
  const target = new URL(url);
  const protocol = target.protocol as 'http:' | 'https:';
  const transport = protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, value?: { sizeBytes: number } | { location: string }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(value!);
    };
    const req = transport.request(
      target,
      {
        method: 'GET',
        headers: accessToken === undefined ? {} : { Authorization: `Bearer ${accessToken}` },
        agent: agents[protocol],
      },
      (res) => {
        const status = res.statusCode ?? 0;
        if (REDIRECTS.has(status) && res.headers.location !== undefined) {
          res.resume();
          return finish(undefined, { location: res.headers.location });
        }
        if (status < 200 || status >= 300) return void readError(res, status).then((err) => finish(err));
        const declared = Number(res.headers['content-length'] ?? NaN);
        if (declared > options.maxBytes)
          return finish(new MediaRefusedError('media_too_large', `the answer declares ${declared} bytes`));
        void receive(res, options).then(
          (sizeBytes) => finish(undefined, { sizeBytes }),
          (err: Error) => finish(err),
        );
      },
    );
    // One limit for the whole download, reading the body included.
    const timer = setTimeout(
      () =>
        finish(
          new WhatsAppApiError(`WhatsApp media download timed out after ${options.timeoutMs}ms`, { retryable: true }),
        ),
      options.timeoutMs,
    );
    req.on('error', (err) => finish(err));
    req.end();
  });
}

/** Reads a 2xx body into `write`, counting, hashing and checking it. */
async function receive(res: http.IncomingMessage, options: DownloadOptions): Promise<number> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > options.maxBytes)
      throw new MediaRefusedError('media_too_large', `the body is longer than ${options.maxBytes} bytes`);
    hash.update(chunk);
    await options.write(chunk);
  }
  if (!res.complete) throw new WhatsAppApiError('WhatsApp media download was cut off', { retryable: true });
  if (options.sha256 !== undefined && !sameDigest(hash.digest(), options.sha256))
    throw new MediaRefusedError('media_checksum_mismatch', 'the bytes do not match the sha256 WhatsApp gave');
  return size;
}

/** Whether a digest equals the lookup's sha256, given in base64 (as Meta documents it) or hex. */
function sameDigest(digest: Buffer, given: string): boolean {
  const trimmed = given.trim();
  const expected = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  return expected.length === digest.length && expected.equals(digest);
}

async function readError(res: http.IncomingMessage, status: number): Promise<MediaHttpError> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (size >= MAX_ERROR_BODY_BYTES) continue;
    chunks.push(chunk);
    size += chunk.length;
  }
  return new MediaHttpError(status, Buffer.concat(chunks).subarray(0, MAX_ERROR_BODY_BYTES));
}

/** A file to upload: its bytes whole, or read from a source of known length. */
export type UploadSource = { data: Buffer } | { sizeBytes: number; read(): AsyncIterable<Buffer> };

export interface UploadOptions {
  accessToken: string;
  timeoutMs: number;
  fields: Record<string, string>;
  file: UploadSource & { mimeType: string; filename?: string };
}

/**
 * Posts a multipart body (the fields, then the file) streamed from its source with its exact
 * Content-Length, and reads the answer (at most 64 KB of it). Resolves with any status.
 */
export function postMultipart(url: string, options: UploadOptions): Promise<{ status: number; body: Buffer }> {
  const boundary = `----edubot${randomBytes(12).toString('hex')}`;
  const { file } = options;
  const quote = (value: string) => value.replace(/[\r\n"]/g, (c) => encodeURIComponent(c));
  const head = Buffer.from(
    Object.entries(options.fields)
      .map(
        ([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quote(name)}"\r\n\r\n${value}\r\n`,
      )
      .join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quote(file.filename ?? 'file')}"\r\n` +
      `Content-Type: ${quote(file.mimeType)}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const fileBytes = 'data' in file ? file.data.length : file.sizeBytes;
  const target = new URL(url);
  const protocol = target.protocol as 'http:' | 'https:';
  const transport = protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: Error | undefined, value?: { status: number; body: Buffer }): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) {
        req.destroy();
        reject(err);
      } else resolve(value!);
    };
    const req = transport.request(
      target,
      {
        method: 'POST',
        agent: agents[protocol],
        headers: {
          Authorization: `Bearer ${options.accessToken}`,
          'Content-Type': `multipart/form-data; boundary=${boundary}`,
          'Content-Length': String(head.length + fileBytes + tail.length),
        },
      },
      (res) => {
        void readError(res, res.statusCode ?? 0).then(
          (answer) => finish(undefined, { status: answer.status, body: answer.body }),
          (err: Error) => finish(err),
        );
      },
    );
    const timer = setTimeout(
      () => finish(new RequestTimedOut(`timed out after ${options.timeoutMs}ms`)),
      options.timeoutMs,
    );
    req.on('error', (err) => finish(err));
    void (async () => {
      await write(req, head);
      if ('data' in file) await write(req, file.data);
      else {
        let sent = 0;
        for await (const chunk of file.read()) {
          sent += chunk.length;
          await write(req, chunk);
        }
        // A source shorter or longer than announced would send a body the length does not describe.
        if (sent !== fileBytes) throw new Error(`the file had ${sent} bytes, not the ${fileBytes} announced`);
      }
      req.end(tail);
    })().catch((err: Error) => finish(err));
  });
}

/** The upload took longer than its time limit. */
export class RequestTimedOut extends Error {}

/** Writes to the request, waiting for it to drain when its buffer is full. */
function write(req: http.ClientRequest, bytes: Buffer): Promise<void> {
  if (req.destroyed) return Promise.reject(new Error('request closed'));
  if (req.write(bytes)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onDrain = () => {
      req.off('close', onClose);
      resolve();
    };
    const onClose = () => {
      req.off('drain', onDrain);
      reject(new Error('request closed'));
    };
    req.once('drain', onDrain);
    req.once('close', onClose);
  });
}
