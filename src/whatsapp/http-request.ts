import http from 'node:http';
import https from 'node:https';

// The Graph client's transport: node:http over keep-alive agents. The worker makes two Graph calls per
// message (mark as read, send); fetch (undici) took several times the CPU per call here and wrote a
// request's headers and body to the socket separately, where `end(body)` writes them together.

const agents = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

export interface HttpResponse {
  status: number;
  body: Buffer;
}

/** The request took longer than its time limit; it may still have been carried out. */
export class RequestTimeoutError extends Error {}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 3;

interface RequestOptions {
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** A string (JSON) or bytes (a multipart upload). */
  body?: string | Buffer;
  timeoutMs: number;
}

/**
 * One request, its whole answer read. A GET follows up to three redirects, as fetch did (a media
 * download URL may redirect); the Authorization header is not carried to another origin.
 */
export async function httpRequest(url: string, options: RequestOptions): Promise<HttpResponse> {
  let current = url;
  let headers = options.headers;
  for (let redirects = 0; ; redirects++) {
    const response = await requestOnce(current, { ...options, headers });
    const location = response.location;
    if (
      options.method !== 'GET' ||
      !REDIRECTS.has(response.status) ||
      location === undefined ||
      redirects === MAX_REDIRECTS
    )
      return response;
    const next = new URL(location, current);
    if (next.origin !== new URL(current).origin)
      headers = Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'authorization'));
    current = next.toString();
  }
}

function requestOnce(url: string, options: RequestOptions): Promise<HttpResponse & { location?: string }> {
  const target = new URL(url);
  const protocol = target.protocol;
  if (protocol !== 'http:' && protocol !== 'https:')
    return Promise.reject(new Error(`unsupported protocol ${protocol}`));
  const transport = protocol === 'https:' ? https : http;
  const headers =
    options.body === undefined
      ? options.headers
      : { ...options.headers, 'Content-Length': String(Buffer.byteLength(options.body)) };
  return new Promise((resolve, reject) => {
    const req = transport.request(target, { method: options.method, headers, agent: agents[protocol] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks),
          ...(res.headers.location ? { location: res.headers.location } : {}),
        });
      });
      res.on('error', fail);
    });
    // One limit for the whole exchange, reading the answer included.
    const timer = setTimeout(
      () => req.destroy(new RequestTimeoutError(`timed out after ${options.timeoutMs}ms`)),
      options.timeoutMs,
    );
    function fail(err: Error): void {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
    req.end(options.body);
  });
}
