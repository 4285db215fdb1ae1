import { storeInbound, upsertOutbound } from '../../../src/db/messages';
import { startGraphFake, type GraphFake } from '../../../tools/sandbox/graph-fake';
import { createGraphClient } from '../../../src/whatsapp/graph-client';
import { startScoped } from '../../helpers/cleanup';
import { exeFile, jpegFile, mp4File, pdfFile, pngFile } from '../../helpers/media-files';
import { TEST_ACCESS_TOKEN } from '../../helpers/stack';
import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// Media over HTTP: an agent's upload checked against WhatsApp's types and limits before anything is
// stored, the stored bytes served back with headers that keep a browser from running them, and a
// user's photo fetched from WhatsApp (the Graph fake over HTTP) once, then served from Postgres.

const MB = 1024 * 1024;
const PHONE = '15550007301';
/** The contact of the student writing from PHONE. */
let contactId: string;

let app: AdminApp;
let fake: GraphFake;
let agent: { token: string; id: number };

beforeAll(async () => {
  ({ fake } = await startScoped(async (defer) => {
    const started = await startGraphFake({ accessToken: TEST_ACCESS_TOKEN });
    defer(() => started.close());
    return { fake: started };
  }));
  const whatsapp = createGraphClient({ baseUrl: fake.baseUrl, accessToken: TEST_ACCESS_TOKEN, phoneNumberId: '1' });
  app = await startAdminApp({ whatsapp });
  agent = await app.token('agent', 'Agent Media');
  contactId = await app.contact(PHONE);
});

afterAll(async () => {
  await app?.stop();
});

interface Part {
  name?: string;
  data: Buffer;
  filename?: string;
  type?: string;
}

/** Uploads the parts as multipart/form-data (Node's FormData, as a browser would send them). */
async function upload(parts: Part[], token = agent.token) {
  const form = new FormData();
  for (const part of parts)
    form.append(part.name ?? 'file', new Blob([part.data], { type: part.type ?? '' }), part.filename ?? 'file');
  const response = await fetch(`${app.baseUrl}/api/admin/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read the JSON freely
}

async function download(id: string | number, token = agent.token) {
  const response = await fetch(`${app.baseUrl}/api/admin/media/${id}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

const mediaRows = async () => Number((await app.db.query<{ n: string }>('select count(*) as n from media')).rows[0]!.n);

describe('POST /api/admin/media', () => {
  it('stores a 1 MB PNG and GET serves the same bytes with safe headers', async () => {
    const photo = pngFile(MB);
    const stored = await upload([{ data: photo, filename: "Schritt 1 – Lösung's.png", type: 'image/png' }]);
    expect(stored.status).toBe(201);
    expect(stored.body).toEqual({
      status: 'success',
      message: 'File stored',
      timestamp: expect.any(String),
      media: {
        id: expect.any(Number),
        mediaType: 'image',
        mimeType: 'image/png',
        filename: "Schritt 1 – Lösung's.png",
        sizeBytes: MB,
      },
    });
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'media.upload',
      outcome: 'ok',
      actor: 'Agent Media',
      details: { mediaId: stored.body.media.id, mediaType: 'image', sizeBytes: MB },
    });
    const { rows } = await app.db.query('select origin, uploaded_by, wa_media_id from media where id = $1', [
      stored.body.media.id,
    ]);
    const { rows: people } = await app.db.query<{ id: string }>("select id from agents where name = 'Agent Media'");
    expect(rows[0]).toEqual({ origin: 'agent', uploaded_by: people[0]!.id, wa_media_id: null });

    const served = await download(stored.body.media.id);
    expect(served.status).toBe(200);
    expect(served.bytes.equals(photo)).toBe(true);
    expect(
      Object.fromEntries(
        [
          'content-type',
          'content-length',
          'content-disposition',
          'x-content-type-options',
          'content-security-policy',
          'cache-control',
        ].map((h) => [h, served.headers.get(h)]),
      ),
    ).toEqual({
      'content-type': 'image/png',
      'content-length': String(MB),
      'content-disposition': `inline; filename="Schritt 1 _ L_sung's.png"; filename*=UTF-8''Schritt%201%20%E2%80%93%20L%C3%B6sung%27s.png`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private',
    });
  });

  it('takes a PDF as a document, served as an attachment, and a JPEG and an MP4 by their kinds', async () => {
    const pdf = pdfFile(200 * 1024);
    const stored = await upload([{ data: pdf, filename: 'timetable.pdf', type: 'application/pdf' }]);
    expect(stored.status).toBe(201);
    expect(stored.body.media).toMatchObject({
      mediaType: 'document',
      mimeType: 'application/pdf',
      filename: 'timetable.pdf',
    });
    const served = await download(stored.body.media.id);
    expect(served.bytes.equals(pdf)).toBe(true);
    expect(served.headers.get('content-disposition')).toBe(
      `attachment; filename="timetable.pdf"; filename*=UTF-8''timetable.pdf`,
    );

    // A declared type alone (no extension) names the format as well.
    const jpeg = await upload([{ data: jpegFile(1000), filename: 'camera', type: 'image/jpeg' }]);
    expect(jpeg.body.media).toMatchObject({ mediaType: 'image', mimeType: 'image/jpeg' });
    const video = await upload([{ data: mp4File(2 * MB), filename: 'lesson.mp4', type: 'video/mp4' }]);
    expect(video.body.media).toMatchObject({ mediaType: 'video', mimeType: 'video/mp4' });
  });

  it('refuses a 6 MB PNG (images take 5 MB) but takes 6 MB as a document, storing nothing refused', async () => {
    const before = await mediaRows();
    const big = await upload([{ data: pngFile(6 * MB), filename: 'big.png', type: 'image/png' }]);
    expect(big.status).toBe(400);
    expect(big.body.error.code).toBe('file_too_large');
    expect(big.body.error.message).toContain('5 MB');
    expect(await mediaRows()).toBe(before);
    const video = await upload([{ data: mp4File(16 * MB + 1), filename: 'long.mp4', type: 'video/mp4' }]);
    expect(video.body.error).toMatchObject({ code: 'file_too_large', message: expect.stringContaining('16 MB') });
    const document = await upload([{ data: pdfFile(6 * MB), filename: 'big.pdf', type: 'application/pdf' }]);
    expect(document.status).toBe(201);
    expect(await mediaRows()).toBe(before + 1);
  });

  it('takes a 100 MB document and refuses one byte more', async () => {
    const pdf = pdfFile(100 * MB);
    const stored = await upload([{ data: pdf, filename: 'scan.pdf', type: 'application/pdf' }]);
    expect(stored.status).toBe(201);
    expect(stored.body.media.sizeBytes).toBe(100 * MB);
    const over = await upload([
      { data: Buffer.concat([pdf, Buffer.from('x')]), filename: 'scan.pdf', type: 'application/pdf' },
    ]);
    expect(over.body.error).toMatchObject({ code: 'file_too_large', message: expect.stringContaining('100 MB') });
  }, 120_000);

  it('refuses an executable renamed .png, an unknown type and a name that disagrees with the type', async () => {
    const before = await mediaRows();
    const cases: Part[] = [
      { data: exeFile(4096), filename: 'photo.png', type: 'image/png' },
      { data: exeFile(4096), filename: 'notes.txt', type: 'text/plain' },
      { data: pngFile(4096), filename: 'photo.webp', type: 'image/webp' },
      { data: pngFile(4096), filename: 'photo', type: 'application/octet-stream' },
      { data: pngFile(4096), filename: 'photo.jpg', type: 'image/jpeg' },
      { data: pdfFile(4096), filename: 'photo.png', type: 'application/pdf' },
    ];
    for (const part of cases) {
      const refused = await upload([part]);
      expect([part.filename, refused.status, refused.body.error.code]).toEqual([
        part.filename,
        400,
        'unsupported_media_type',
      ]);
    }
    expect(await mediaRows()).toBe(before);
  });

  it('answers 400 with its own code for an empty file, no file, two files and a body that is not multipart', async () => {
    const before = await mediaRows();
    expect((await upload([{ data: Buffer.alloc(0), filename: 'empty.png', type: 'image/png' }])).body.error.code).toBe(
      'empty_file',
    );
    expect((await upload([{ name: 'caption', data: Buffer.from('hi') }])).body.error.code).toBe('unexpected_part');
    const fieldOnly = new FormData();
    fieldOnly.append('caption', 'no file here');
    const noFile = await fetch(`${app.baseUrl}/api/admin/media`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent.token}` },
      body: fieldOnly,
    });
    expect([noFile.status, ((await noFile.json()) as { error: { code: string } }).error.code]).toEqual([
      400,
      'no_file',
    ]);
    const two = await upload([
      { data: pngFile(1000), filename: 'a.png', type: 'image/png' },
      { data: pngFile(1000), filename: 'b.png', type: 'image/png' },
    ]);
    expect([two.status, two.body.error.code]).toEqual([400, 'too_many_files']);
    const json = await app.request('POST', '/api/admin/media', { token: agent.token, body: { file: 'x' } });
    expect([json.status, json.body.error.code]).toEqual([400, 'not_multipart']);
    const noBoundary = await app.request('POST', '/api/admin/media', {
      token: agent.token,
      body: 'x',
      headers: { 'content-type': 'multipart/form-data; charset=utf-8' },
    });
    expect([noBoundary.status, noBoundary.body.error.code]).toEqual([400, 'invalid_multipart']);
    expect(await mediaRows()).toBe(before);
  });

  it('answers 401 without a valid token, storing nothing; admins may upload too', async () => {
    const before = await mediaRows();
    const file: Part = { data: pngFile(1000), filename: 'a.png', type: 'image/png' };
    expect((await upload([file], 'edb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(401);
    expect(await mediaRows()).toBe(before);
    expect((await download(1, 'nope')).status).toBe(401);
    const byAdmin = await upload([file], TEST_ADMIN_TOKEN);
    expect(byAdmin.status).toBe(201);
  });
});

describe('GET /api/admin/media/{id}', () => {
  it('answers 404 for an unknown row or a WhatsApp id no message names, 400 for a malformed id', async () => {
    expect((await download(987654321)).status).toBe(404);
    const unnamed = await download('wa.1234567890');
    expect(unnamed.status).toBe(404);
    expect(JSON.parse(unnamed.bytes.toString())).toMatchObject({ error: { code: 'media_not_found' } });
    expect(fake.requests).toBe(0);
    for (const bad of ['abc', 'wa.', 'wa.a%2Fb', '-1', '1.5']) {
      const refused = await download(bad);
      expect([bad, refused.status]).toEqual([bad, 400]);
      expect(JSON.parse(refused.bytes.toString())).toMatchObject({ error: { code: 'invalid_media_id' } });
    }
  });

  it('downloads a user’s photo once from WhatsApp, stores it, then serves it from Postgres', async () => {
    const photo = jpegFile(300 * 1024);
    const mediaId = '1300000000000001';
    fake.addMedia(mediaId, photo, 'image/jpeg');
    await storeInbound(
      app.db,
      contactId,
      {
        waMessageId: 'wamid.media-photo-1',
        sender: { phone: PHONE },
        sentAt: Date.now(),
        receivedAt: Date.now(),
        content: { kind: 'media', mediaType: 'image', mediaId, mimeType: 'image/jpeg', caption: 'my homework' },
      },
      'ingest/media-photo-1',
    );
    const requestsBefore = fake.requests;
    const first = await download(`wa.${mediaId}`);
    expect(first.status).toBe(200);
    expect(first.bytes.equals(photo)).toBe(true);
    expect(first.headers.get('content-type')).toBe('image/jpeg');
    expect(first.headers.get('content-disposition')).toMatch(/^inline; /);
    // The lookup and the download.
    expect(fake.requests - requestsBefore).toBe(2);
    const { rows } = await app.db.query('select origin, size_bytes from media where wa_media_id = $1', [mediaId]);
    expect(rows).toEqual([{ origin: 'whatsapp', size_bytes: photo.length }]);

    fake.reset();
    const again = await download(`wa.${mediaId}`);
    expect(again.bytes.equals(photo)).toBe(true);
    expect(fake.requests).toBe(0);

    // The history names where the console fetches it.
    const history = await app.request('GET', `/api/admin/conversations/${PHONE}/messages`, { token: agent.token });
    expect(
      history.body.messages.find((m: { waMessageId: string }) => m.waMessageId === 'wamid.media-photo-1').media,
    ).toEqual({
      url: `/api/admin/media/wa.${mediaId}`,
      mimeType: 'image/jpeg',
    });
  });

  it('answers 502 media_unavailable with WhatsApp’s code when it will not hand the media over', async () => {
    const mediaId = '1300000000000002';
    await storeInbound(
      app.db,
      contactId,
      {
        waMessageId: 'wamid.media-gone-1',
        sender: { phone: PHONE },
        sentAt: Date.now(),
        receivedAt: Date.now(),
        content: { kind: 'media', mediaType: 'document', mediaId, mimeType: 'application/pdf', filename: 'old.pdf' },
      },
      'ingest/media-gone-1',
    );
    const refused = await download(`wa.${mediaId}`);
    expect(refused.status).toBe(502);
    expect(JSON.parse(refused.bytes.toString())).toMatchObject({
      status: 'error',
      error: { code: 'media_unavailable', whatsappCode: 100 },
    });
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'media.get',
      outcome: 'media_unavailable',
      http_status: 502,
    });
  });

  it('gives an agent’s attachment in the history the URL of its stored file', async () => {
    const stored = await upload([{ data: pdfFile(5000), filename: 'sheet.pdf', type: 'application/pdf' }]);
    const fileId = stored.body.media.id as number;
    await upsertOutbound(app.db, {
      contactId,
      key: `${contactId}/attachment-1`,
      sender: 'agent',
      senderName: 'Agent Media',
      content: {
        kind: 'media',
        mediaType: 'document',
        fileId,
        mimeType: 'application/pdf',
        filename: 'sheet.pdf',
        caption: 'Here',
      },
    });
    const history = await app.request('GET', `/api/admin/conversations/${PHONE}/messages`, { token: agent.token });
    const message = history.body.messages.find((m: { type: string; direction: string }) => m.direction === 'outbound');
    expect(message).toMatchObject({
      type: 'document',
      body: 'Here',
      media: { url: `/api/admin/media/${fileId}`, mimeType: 'application/pdf', filename: 'sheet.pdf' },
    });
  });
});
