import { storeInbound } from '../../../src/db/messages';
import { pruneBatch } from '../../../src/db/retention';
import { startGraphFake, type GraphFake } from '../../../tools/sandbox/graph-fake';
import { createGraphClient } from '../../../src/whatsapp/graph-client';
import { startScoped } from '../../helpers/cleanup';
import { jpegFile, pngFile } from '../../helpers/media-files';
import { daysAgo } from '../../helpers/retention-rows';
import { TEST_ACCESS_TOKEN } from '../../helpers/stack';
import { startAdminApp, type AdminApp } from './admin-app';

// What the console meets once retention removed a file: a clean 404 for an agent's attachment and for a
// student's photo, and no second download of the photo from WhatsApp (which keeps media for 30 days):
// that would store again what retention removed.

const PHONE = '15550007401';

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
  agent = await app.token('agent', 'Agent Retention');
});

afterAll(async () => {
  await app?.stop();
});

async function download(id: string | number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${app.baseUrl}/api/admin/media/${id}`, {
    headers: { authorization: `Bearer ${agent.token}` },
  });
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: type.includes('json') ? await response.json() : undefined };
}

it('answers 404 for files retention removed, without downloading a student’s photo again', async () => {
  const contactId = await app.contact(PHONE);
  const form = new FormData();
  form.append('file', new Blob([pngFile(2048)], { type: 'image/png' }), 'worksheet.png');
  const uploaded = await fetch(`${app.baseUrl}/api/admin/media`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.token}` },
    body: form,
  });
  expect(uploaded.status).toBe(201);
  const attachmentId = ((await uploaded.json()) as { media: { id: number } }).media.id;

  const mediaId = '1300000000000401';
  fake.addMedia(mediaId, jpegFile(4096), 'image/jpeg');
  await storeInbound(
    app.db,
    contactId,
    {
      waMessageId: 'wamid.retention-photo-1',
      sender: { phone: PHONE },
      sentAt: Date.now(),
      receivedAt: Date.now(),
      content: { kind: 'media', mediaType: 'image', mediaId, mimeType: 'image/jpeg' },
    },
    'ingest/retention-photo-1',
  );
  expect((await download(attachmentId)).status).toBe(200);
  expect((await download(`wa.${mediaId}`)).status).toBe(200);

  // Both files stored 40 days ago, retention at 30.
  await app.db.query(`update media set created_at = now() - interval '40 days'`);
  expect(await pruneBatch(app.db, 'media', daysAgo(30), 100)).toEqual({ deleted: 2, full: false });

  fake.reset();
  const notFound = { status: 'error', error: { code: 'media_not_found', message: expect.any(String) } };
  expect(await download(attachmentId)).toEqual({ status: 404, body: notFound });
  expect(await download(`wa.${mediaId}`)).toEqual({ status: 404, body: notFound });
  expect(fake.requests).toBe(0);
  const history = await app.request('GET', `/api/admin/conversations/${PHONE}/messages`, { token: agent.token });
  const photoMessage = (history.body.messages as { waMessageId: string; media?: unknown; type: string }[]).find(
    (m) => m.waMessageId === 'wamid.retention-photo-1',
  );
  // The message stays, as a photo the console no longer offers to load.
  expect(photoMessage).toMatchObject({ type: 'image' });
  expect(photoMessage?.media).toBeUndefined();
});
