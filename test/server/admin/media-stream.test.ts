import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { beginMedia, CHUNK_BYTES, chunkWriter, discardMedia, sweepIncompleteMedia } from '../../../src/db/media';
import { storeInbound } from '../../../src/db/messages';
import { MAX_CONCURRENT_UPLOADS } from '../../../src/server/admin/media';
import { createGraphClient } from '../../../src/whatsapp/graph-client';
import { startScoped } from '../../helpers/cleanup';
import { pdfFile, pngFile } from '../../helpers/media-files';
import { waitFor } from '../../helpers/wait';
import { startAdminApp, type AdminApp } from './admin-app';

// How media is kept since it is streamed: in chunk rows written as the upload comes and marked
// complete only at the end, so an interrupted upload or a refused download leaves nothing; at most
// MAX_CONCURRENT_UPLOADS uploads at once; rows of earlier releases (bytes in media.data) still served.
// A user's media comes from a Graph stand-in (a real HTTP server) whose lookup answers what a test sets.

const PHONE = '15550007401';
const TOKEN = 'media-stream-access-token';

let app: AdminApp;
let agent: string;
let graphOrigin: string;
/** The lookup's answer for each media id, and the bytes `/download/{id}` serves. */
const lookups = new Map<string, Record<string, unknown>>();
const downloads = new Map<string, Buffer>();
/** Requests to the stand-in's second origin, which no download may reach. */
const elsewhere: string[] = [];
let elsewhereOrigin: string;

beforeAll(async () => {
  ({ graphOrigin, elsewhereOrigin } = await startScoped(async (defer) => {
    const graph = http.createServer((req, res) => {
      const id = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
      if (req.headers.authorization !== `Bearer ${TOKEN}`) return void res.writeHead(401).end();
      if (req.url?.startsWith('/v22.0/') && lookups.has(id))
        return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(lookups.get(id)));
      if (req.url?.startsWith('/download/') && downloads.has(id))
        return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(downloads.get(id));
      res.writeHead(404).end();
    });
    const other = http.createServer((req, res) => {
      elsewhere.push(req.url ?? '');
      res.writeHead(200).end('nothing');
    });
    const listen = async (server: http.Server) => {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      defer(() => {
        server.closeAllConnections();
        return new Promise((resolve) => server.close(resolve));
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };
    return { graphOrigin: await listen(graph), elsewhereOrigin: await listen(other) };
  }));
  const whatsapp = createGraphClient({ baseUrl: `${graphOrigin}/v22.0`, accessToken: TOKEN, phoneNumberId: '1' });
  app = await startAdminApp({ whatsapp });
  agent = (await app.token('agent', 'Agent Stream')).token;
});

afterAll(async () => {
  await app?.stop();
});

const count = async (sql: string): Promise<number> => Number((await app.db.query<{ n: string }>(sql)).rows[0]!.n);
const stored = async () => ({
  media: await count('select count(*) as n from media'),
  chunks: await count('select count(*) as n from media_chunks'),
});

/** A multipart upload written by hand, so a test can hold it half sent or cut it off. */
function startUpload(file: Buffer, filename: string, type: string) {
  const boundary = `----stream-${randomBytes(6).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: ${type}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  let settle: (answer: { status: number; headers: http.IncomingHttpHeaders; body: any }) => void; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read the JSON freely
  const answer = new Promise<Parameters<typeof settle>[0]>((resolve) => (settle = resolve));
  const req = http.request(`${app.baseUrl}/api/admin/media`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${agent}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + file.length + tail.length),
    },
  });
  req.on('response', (res) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () =>
      settle({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(Buffer.concat(chunks).toString()) }),
    );
  });
  req.on('error', () => undefined);
  req.write(head);
  return {
    answer,
    /** Sends the file's bytes up to `end`. */
    send: (end: number, from = 0) =>
      new Promise<void>((resolve) => req.write(file.subarray(from, end), () => resolve())),
    finish: (from: number) => {
      req.end(Buffer.concat([file.subarray(from), tail]));
      return answer;
    },
    cut: () => req.destroy(),
  };
}

async function get(path: string) {
  const response = await fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${agent}` } });
  return { status: response.status, bytes: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

describe('uploads in chunks', () => {
  it('stores a file as 512 KB chunk rows and serves it whole', async () => {
    const pdf = pdfFile(2 * CHUNK_BYTES + 1234);
    const upload = startUpload(pdf, 'notes.pdf', 'application/pdf');
    const answer = await upload.finish(0);
    expect(answer.status).toBe(201);
    const { rows } = await app.db.query<{ seq: number; size: number }>(
      'select seq, length(bytes) as size from media_chunks where media_id = $1 order by seq',
      [answer.body.media.id],
    );
    expect(rows).toEqual([
      { seq: 0, size: CHUNK_BYTES },
      { seq: 1, size: CHUNK_BYTES },
      { seq: 2, size: 1234 },
    ]);
    const { rows: media } = await app.db.query('select data, complete, sha256 from media where id = $1', [
      answer.body.media.id,
    ]);
    expect(media).toEqual([{ data: null, complete: true, sha256: createHash('sha256').update(pdf).digest('hex') }]);
    const served = await get(`/api/admin/media/${answer.body.media.id}`);
    expect([served.status, served.headers.get('content-length')]).toEqual([200, String(pdf.length)]);
    expect(served.bytes.equals(pdf)).toBe(true);
  });

  it('keeps nothing of an upload cut off halfway, and nothing can be attached or served from it', async () => {
    const before = await stored();
    const pdf = pdfFile(3 * CHUNK_BYTES);
    const upload = startUpload(pdf, 'cut.pdf', 'application/pdf');
    await upload.send(2 * CHUNK_BYTES);
    // The first chunk reached Postgres under an incomplete row, which nobody can read.
    await waitFor(async () => (await stored()).chunks > before.chunks, 'a chunk written', 10_000);
    const { rows } = await app.db.query<{ id: string }>('select id from media where not complete');
    expect(rows).toHaveLength(1);
    expect((await get(`/api/admin/media/${rows[0]!.id}`)).status).toBe(404);
    upload.cut();
    await waitFor(async () => (await stored()).media === before.media, 'the cut upload discarded', 10_000);
    expect(await stored()).toEqual(before);
  });

  it(`takes ${MAX_CONCURRENT_UPLOADS} uploads at once and answers 503 with Retry-After to one more`, async () => {
    const files = Array.from({ length: MAX_CONCURRENT_UPLOADS }, () => pngFile(200 * 1024));
    const held = files.map((file, i) => startUpload(file, `held-${i}.png`, 'image/png'));
    // Every held upload is past its first bytes (recognised, its row begun) before the extra one.
    await Promise.all(held.map((upload) => upload.send(100 * 1024)));
    await waitFor(
      async () => (await count('select count(*) as n from media where not complete')) === MAX_CONCURRENT_UPLOADS,
      'the held uploads begun',
      10_000,
    );
    const extra = startUpload(pngFile(1000), 'extra.png', 'image/png');
    const refused = await extra.finish(0);
    expect([refused.status, refused.body.error.code, refused.headers['retry-after']]).toEqual([
      503,
      'too_many_uploads',
      '5',
    ]);
    const answers = await Promise.all(held.map((upload) => upload.finish(100 * 1024)));
    expect(answers.map((a) => a.status)).toEqual(files.map(() => 201));
    expect((await startUpload(pngFile(1000), 'after.png', 'image/png').finish(0)).status).toBe(201);
  });

  it('loses its chunks with its row: retention’s prune (migration 0016) leaves none behind', async () => {
    const answer = await startUpload(pdfFile(CHUNK_BYTES + 10), 'old.pdf', 'application/pdf').finish(0);
    const id = answer.body.media.id as number;
    expect(await count(`select count(*) as n from media_chunks where media_id = ${id}`)).toBe(2);
    await app.db.query("update media set created_at = now() - interval '400 days' where id = $1", [id]);
    await app.db.query("select * from retention_prune_media(now() - interval '365 days', 1000)");
    expect(await count(`select count(*) as n from media where id = ${id}`)).toBe(0);
    expect(await count(`select count(*) as n from media_chunks where media_id = ${id}`)).toBe(0);
  });

  it('serves a row an earlier release stored in one column', async () => {
    const pdf = pdfFile(CHUNK_BYTES + 4321);
    const { rows } = await app.db.query<{ id: string }>(
      `insert into media (origin, media_type, mime_type, filename, sha256, size_bytes, data, uploaded_by)
       select 'agent', 'document', 'application/pdf', 'old.pdf', 'x', $1, $2, id from agents limit 1 returning id`,
      [pdf.length, pdf],
    );
    const served = await get(`/api/admin/media/${rows[0]!.id}`);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(pdf)).toBe(true);
  });
});

describe('a user’s media downloaded for the console', () => {
  async function mention(mediaId: string): Promise<void> {
    const contactId = await app.contact(PHONE);
    await storeInbound(
      app.db,
      contactId,
      {
        waMessageId: `wamid.stream-${mediaId}`,
        sender: { phone: PHONE },
        sentAt: Date.now(),
        receivedAt: Date.now(),
        content: { kind: 'media', mediaType: 'image', mediaId, mimeType: 'image/jpeg' },
      },
      `ingest/stream-${mediaId}`,
    );
  }
  const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('base64');

  it('streams it into chunks when its sha256 matches', async () => {
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(CHUNK_BYTES + 10)]);
    lookups.set('9100', { url: `${graphOrigin}/download/9100`, mime_type: 'image/jpeg', sha256: sha(photo) });
    downloads.set('9100', photo);
    await mention('9100');
    const served = await get('/api/admin/media/wa.9100');
    expect(served.status).toBe(200);
    expect(served.bytes.equals(photo)).toBe(true);
    expect(
      await count(
        "select count(*) as n from media_chunks c join media m on m.id = c.media_id where m.wa_media_id = '9100'",
      ),
    ).toBe(2);
  });

  it.each([
    ['a wrong sha256', '9101', 'media_checksum_mismatch'],
    ['a URL on another origin', '9102', 'media_url_refused'],
    ['a declared size below the body', '9103', 'media_too_large'],
  ])('refuses %s with 502 and its code, storing nothing', async (_what, id, code) => {
    const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(CHUNK_BYTES + 10)]);
    downloads.set(id, photo);
    lookups.set(id, {
      url: id === '9102' ? `${elsewhereOrigin}/download/${id}` : `${graphOrigin}/download/${id}`,
      mime_type: 'image/jpeg',
      sha256: id === '9101' ? sha(Buffer.from('another file')) : sha(photo),
      ...(id === '9103' ? { file_size: 1000 } : {}),
    });
    await mention(id);
    const before = await stored();
    const refused = await get(`/api/admin/media/wa.${id}`);
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.bytes.toString())).toMatchObject({ status: 'error', error: { code } });
    expect(await stored()).toEqual(before);
    expect(elsewhere).toEqual([]);
  });
});

describe('unfinished files as the runtime role', () => {
  it('are discarded and swept by a role that may not delete, and a complete file never is', async () => {
    // The grants of deploy/postgres/20-edubot-roles.sql's edubot_app: rows only, no delete.
    const role = `media_app_${randomBytes(4).toString('hex')}`;
    await app.db.query(`create role ${role}`);
    try {
      await app.db.query(`grant select, insert, update on all tables in schema public to ${role}`);
      await app.db.query(`grant usage on all sequences in schema public to ${role}`);
      await app.db.withClient(async (client) => {
        await client.query(`set role ${role}`);
        try {
          const write = async () => {
            const id = await beginMedia(client, { origin: 'whatsapp', mimeType: 'image/jpeg' });
            await chunkWriter(client, id).write(Buffer.alloc(CHUNK_BYTES + 1, 1));
            return id;
          };
          const cut = await write();
          await expect(client.query('delete from media where id = $1', [cut])).rejects.toMatchObject({
            code: '42501',
          });
          await discardMedia(client, cut);
          const abandoned = await write();
          await client.query("update media set created_at = now() - interval '2 hours' where id = $1", [abandoned]);
          const fresh = await write();
          expect(await sweepIncompleteMedia(client, 60 * 60_000)).toBe(1);
          const { rows } = await client.query<{ id: string }>('select id from media where id = any($1)', [
            [cut, abandoned, fresh],
          ]);
          expect(rows.map((r) => Number(r.id))).toEqual([fresh]);
          expect(await count(`select count(*) as n from media_chunks where media_id in (${cut}, ${abandoned})`)).toBe(
            0,
          );
          const done = Number(
            (await client.query<{ id: string }>('select id from media where complete limit 1')).rows[0]!.id,
          );
          await discardMedia(client, done);
          expect(await count(`select count(*) as n from media where id = ${done}`)).toBe(1);
          await discardMedia(client, fresh);
        } finally {
          await client.query('reset role');
        }
      });
    } finally {
      await app.db.query(`drop owned by ${role}`);
      await app.db.query(`drop role ${role}`);
    }
  });
});
