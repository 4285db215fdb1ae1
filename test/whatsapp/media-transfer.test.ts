import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGraphClient, type WhatsAppClient } from '../../src/whatsapp/graph-client';
import { MediaRefusedError, mediaUrlRefusal } from '../../src/whatsapp/media-transfer';

// A user's media is fetched only from Meta's media hosts over https (or the Graph origin itself, the
// fake's), with its size capped and its sha256 checked. Two real HTTP servers: "graph" answers the
// lookup with whatever a test sets and serves downloads; "elsewhere", on another origin, records every
// request that reaches it, so a test sees that no request (and no token) went there.

const TOKEN = 'media-transfer-test-token';

interface Seen {
  path: string;
  authorization?: string;
}

let graph: Server;
let elsewhere: Server;
let graphSeen: Seen[] = [];
let elsewhereSeen: Seen[] = [];
/** What the graph server answers to a lookup of `/v22.0/m1`. */
let lookup: Record<string, unknown> = {};
/** How the graph server answers `/download`. */
let download: (res: ServerResponse) => void = (res) => res.end();
/** Whether the last download's response was cut off before the server finished writing it. */
let downloadCut = false;

const listen = (server: Server) =>
  new Promise<string>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
let graphOrigin: string;
let elsewhereOrigin: string;
let client: WhatsAppClient;

const record = (seen: Seen[], req: IncomingMessage) =>
  seen.push({
    path: req.url ?? '',
    ...(req.headers.authorization === undefined ? {} : { authorization: req.headers.authorization }),
  });

beforeAll(async () => {
  graph = createServer((req, res) => {
    record(graphSeen, req);
    if (req.url === '/v22.0/m1') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(lookup));
      return;
    }
    if (req.url?.startsWith('/download')) {
      res.on('close', () => (downloadCut = !res.writableFinished));
      return download(res);
    }
    res.writeHead(404).end();
  });
  elsewhere = createServer((req, res) => {
    record(elsewhereSeen, req);
    res.writeHead(200, { 'content-type': 'image/jpeg' }).end('stolen');
  });
  graphOrigin = await listen(graph);
  elsewhereOrigin = await listen(elsewhere);
  client = createGraphClient({
    baseUrl: `${graphOrigin}/v22.0`,
    accessToken: TOKEN,
    phoneNumberId: '1',
    maxMediaBytes: 1024 * 1024,
  });
});

beforeEach(() => {
  graphSeen = [];
  elsewhereSeen = [];
  downloadCut = false;
});

afterAll(async () => {
  graph.closeAllConnections();
  elsewhere.closeAllConnections();
  await Promise.all([graph, elsewhere].map((server) => new Promise((resolve) => server.close(resolve))));
});

const BYTES = Buffer.from('\xff\xd8\xff\xe0 a photo of homework', 'latin1');
const sha = (bytes: Buffer, encoding: 'hex' | 'base64') => createHash('sha256').update(bytes).digest(encoding);

async function refusal(): Promise<MediaRefusedError> {
  const err = await client.downloadMedia('m1').then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof MediaRefusedError)) throw new Error(`expected a refusal, got ${String(err)}`);
  return err;
}

describe('mediaUrlRefusal', () => {
  it.each([
    'https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=1&ext=2&hash=3',
    'https://scontent.xx.fbcdn.net/v/t61.29466-34/123.jpg',
    'https://mmg.whatsapp.net/v/t62.7118-24/abc.enc',
    'https://LOOKASIDE.FBSBX.COM/x',
    'http://127.0.0.1:4321/media-download/1',
  ])('takes %s', (url) => {
    expect(mediaUrlRefusal(url, 'http://127.0.0.1:4321')).toBeUndefined();
  });

  it.each([
    ['http://lookaside.fbsbx.com/x', /scheme http:/],
    ['http://evil.example/x', /scheme http:/],
    ['file:///etc/passwd', /scheme file:/],
    ['ftp://lookaside.fbsbx.com/x', /scheme ftp:/],
    ['https://evil.example/?next=lookaside.fbsbx.com', /host evil\.example/],
    ['https://lookaside.fbsbx.com.evil.example/x', /host lookaside\.fbsbx\.com\.evil\.example/],
    ['https://evilfbcdn.net/x', /host evilfbcdn\.net/],
    ['https://fbcdn.net.evil.example/x', /host/],
    ['https://user:pass@lookaside.fbsbx.com/x', /credentials/],
    ['https://lookaside.fbsbx.com:8443/x', /port/],
    ['http://127.0.0.1:4322/media-download/1', /scheme http:/],
    ['not a url', /not a URL/],
  ])('refuses %s', (url, reason) => {
    expect(mediaUrlRefusal(url, 'http://127.0.0.1:4321')).toMatch(reason);
  });
});

describe('downloading a user’s media', () => {
  it('downloads from the Graph origin with the token and accepts the sha256 in base64 or hex', async () => {
    download = (res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(BYTES);
    for (const encoding of ['base64', 'hex'] as const) {
      lookup = { url: `${graphOrigin}/download/m1`, mime_type: 'image/jpeg', sha256: sha(BYTES, encoding) };
      const media = await client.downloadMedia('m1');
      expect(media.data.equals(BYTES)).toBe(true);
    }
    expect(graphSeen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('refuses a lookup URL on another origin before any request, so the token goes nowhere else', async () => {
    lookup = { url: `${elsewhereOrigin}/steal`, mime_type: 'image/jpeg', sha256: sha(BYTES, 'base64') };
    const err = await refusal();
    expect(err).toMatchObject({ refusal: 'media_url_refused', retryable: false, name: 'WhatsAppApiError' });
    expect(elsewhereSeen).toEqual([]);
    expect(graphSeen.map((s) => s.path)).toEqual(['/v22.0/m1']);
  });

  it.each(['http://evil.example/steal', 'file:///etc/passwd', 'https://lookaside.fbsbx.com.evil.example/x'])(
    'refuses the lookup URL %s without requesting it',
    async (url) => {
      lookup = { url, mime_type: 'image/jpeg' };
      expect((await refusal()).refusal).toBe('media_url_refused');
      expect(graphSeen.map((s) => s.path)).toEqual(['/v22.0/m1']);
    },
  );

  it('refuses a redirect off the allowed hosts without following it', async () => {
    lookup = { url: `${graphOrigin}/download/m1`, mime_type: 'image/jpeg' };
    download = (res) => res.writeHead(302, { location: `${elsewhereOrigin}/files/m1` }).end();
    expect((await refusal()).refusal).toBe('media_url_refused');
    expect(elsewhereSeen).toEqual([]);
  });

  it('refuses bytes whose sha256 is not the lookup’s', async () => {
    download = (res) => res.writeHead(200, { 'content-type': 'image/jpeg' }).end(BYTES);
    lookup = {
      url: `${graphOrigin}/download/m1`,
      mime_type: 'image/jpeg',
      sha256: sha(Buffer.from('other'), 'base64'),
    };
    expect((await refusal()).refusal).toBe('media_checksum_mismatch');
  });

  it('refuses a declared size over the cap before downloading', async () => {
    lookup = { url: `${graphOrigin}/download/m1`, mime_type: 'image/jpeg', file_size: 1024 * 1024 + 1 };
    expect((await refusal()).refusal).toBe('media_too_large');
    expect(graphSeen.map((s) => s.path)).toEqual(['/v22.0/m1']);
  });

  it('aborts a body longer than the lookup declared', async () => {
    lookup = { url: `${graphOrigin}/download/m1`, mime_type: 'image/jpeg', file_size: 100 };
    download = (res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.end(Buffer.alloc(101, 1));
    };
    expect((await refusal()).refusal).toBe('media_too_large');
  });

  it('aborts an undeclared body mid-stream once it passes the hard cap', async () => {
    lookup = { url: `${graphOrigin}/download/m1`, mime_type: 'image/jpeg' };
    // No Content-Length: the body is chunked, 64 KB at a time, up to 8 MB unless the reader goes away.
    download = (res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      let sent = 0;
      const more = (): void => {
        while (sent < 8 * 1024 * 1024 && !res.destroyed) {
          sent += 64 * 1024;
          if (!res.write(Buffer.alloc(64 * 1024, 7))) return void res.once('drain', more);
        }
        if (!res.destroyed) res.end();
      };
      more();
    };
    expect((await refusal()).refusal).toBe('media_too_large');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(downloadCut).toBe(true);
  });
});
