import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createWhatsAppActivities, type DeliverInput, type DeliverResult } from '../../activities/whatsapp';
import { WHATSAPP_REJECTED } from '../../domain/failures';
import type { MediaContent } from '../../domain/types';
import { linkSender } from '../../src/db/contacts';
import { storeAgentFile } from '../../src/db/media';
import { listMessages } from '../../src/db/messages';
import type { Db } from '../../src/db/pool';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { startScoped } from '../helpers/cleanup';
import { createTestDatabase } from '../helpers/database';
import { pdfFile, pngFile } from '../helpers/media-files';
import { TEST_ACCESS_TOKEN } from '../helpers/stack';

// An agent's attachment through deliverMessage: its stored file uploaded to WhatsApp (the Graph fake
// over HTTP) once per message and sent by the id WhatsApp gave it, whatever the retries; real Postgres.

let db: Db;
let fake: GraphFake;
let agentId: number;

beforeAll(async () => {
  const target = await createTestDatabase({ migrated: true });
  db = target.db;
  ({ fake } = await startScoped(async (defer) => {
    const started = await startGraphFake({ accessToken: TEST_ACCESS_TOKEN });
    defer(() => started.close());
    return { fake: started };
  }));
  const { rows } = await db.query<{ id: string }>("select id from agents where name = 'Admin'");
  agentId = Number(rows[0]!.id);
});

beforeEach(() => fake.reset());

const activities = () =>
  createWhatsAppActivities(
    db,
    createGraphClient({ baseUrl: fake.baseUrl, accessToken: TEST_ACCESS_TOKEN, phoneNumberId: '1' }),
  );

function deliver(input: DeliverInput): Promise<DeliverResult> {
  const built = activities();
  const deliverMessage = (i: DeliverInput) => built.deliverMessage(i);
  return new MockActivityEnvironment().run<[DeliverInput], DeliverResult, typeof deliverMessage>(deliverMessage, input);
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function attachment(data: Buffer, file: Omit<MediaContent, 'kind' | 'fileId'>): Promise<MediaContent> {
  const stored = await storeAgentFile(db, {
    mediaType: file.mediaType,
    mimeType: file.mimeType,
    filename: file.filename ?? 'file',
    data,
    uploadedBy: agentId,
  });
  return { kind: 'media', fileId: stored.id, ...file };
}

/** The contact of a phone number, made as the webhook makes it. */
const contactOf = (phone: string): Promise<string> => linkSender(db, { sender: { phone } });

const input = (contactId: string, content: MediaContent, key = 'k1'): DeliverInput => ({
  contactId,
  key: `${contactId}/${key}`,
  content,
  sender: 'agent',
  senderName: 'Admin',
});

describe('deliverMessage with an attachment', () => {
  it('uploads the stored file once and sends it by the uploaded id; a repeat does nothing more', async () => {
    const phone = '15550008901';
    const contactId = await contactOf(phone);
    const photo = pngFile(200 * 1024);
    const content = await attachment(photo, { mediaType: 'image', mimeType: 'image/png', caption: 'Question 3' });
    const { waMessageId } = await deliver(input(contactId, content));

    expect(fake.uploads()).toHaveLength(1);
    const [upload] = fake.uploads();
    expect(upload).toMatchObject({ mimeType: 'image/png', sizeBytes: photo.length, sha256: sha256(photo) });
    expect(fake.sendsTo(phone).map((s) => [s.waMessageId, s.media])).toEqual([
      [
        waMessageId,
        {
          mediaType: 'image',
          mediaId: upload!.id,
          mimeType: 'image/png',
          sizeBytes: photo.length,
          sha256: sha256(photo),
          caption: 'Question 3',
        },
      ],
    ]);
    const [row] = await listMessages(db, contactId);
    expect(row).toMatchObject({ waMessageId, status: 'accepted', type: 'image', body: 'Question 3' });

    // The same logical message again (a retried activity, a replayed workflow): found by its key.
    expect(await deliver(input(contactId, content))).toEqual({ waMessageId });
    expect(fake.uploads()).toHaveLength(1);
    expect(fake.sendsTo(phone)).toHaveLength(1);
  });

  it('does not upload again when the send failed for a while after the upload', async () => {
    const phone = '15550008902';
    const contactId = await contactOf(phone);
    const pdf = pdfFile(64 * 1024);
    const content = await attachment(pdf, {
      mediaType: 'document',
      mimeType: 'application/pdf',
      filename: 'Timetable.pdf',
    });
    fake.failNext(1, { status: 503, body: { error: { code: 131016, message: '(#131016) Service unavailable' } } });
    const first = await deliver(input(contactId, content)).catch((err: unknown) => err);
    expect(first).toMatchObject({ code: 131016, retryable: true });
    expect(fake.uploads()).toHaveLength(1);
    expect(fake.sendsTo(phone)).toHaveLength(0);
    const { rows } = await db.query('select uploaded_media_id from messages where idempotency_key = $1', [
      `${contactId}/k1`,
    ]);
    expect(rows).toEqual([{ uploaded_media_id: fake.uploads()[0]!.id }]);

    await deliver(input(contactId, content));
    expect(fake.uploads()).toHaveLength(1);
    expect(fake.sendsTo(phone).map((s) => s.media)).toEqual([
      expect.objectContaining({ mediaId: fake.uploads()[0]!.id, filename: 'Timetable.pdf', sha256: sha256(pdf) }),
    ]);
  });

  it('fails the message for good when WhatsApp refuses the upload, and sends nothing', async () => {
    const phone = '15550008903';
    const contactId = await contactOf(phone);
    // Stored as an image but holding a PDF: WhatsApp's media endpoint refuses it (131053).
    const content = await attachment(pdfFile(4096), { mediaType: 'image', mimeType: 'image/png' });
    const refused = await deliver(input(contactId, content)).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApplicationFailure);
    expect(refused).toMatchObject({ type: WHATSAPP_REJECTED, nonRetryable: true });
    const [row] = await listMessages(db, contactId);
    expect(row).toMatchObject({ status: 'failed', errorCode: 131053 });
    expect(fake.uploads()).toHaveLength(0);
    expect(fake.attempts).toHaveLength(0);
    // A retry finds the failure and does not try again.
    await expect(deliver(input(contactId, content))).rejects.toMatchObject({ type: WHATSAPP_REJECTED });
    expect(fake.requests).toBe(1);
  });

  it('fails the message with a RangeError when its stored file does not exist', async () => {
    const phone = '15550008904';
    const contactId = await contactOf(phone);
    const content: MediaContent = { kind: 'media', mediaType: 'image', fileId: 987654321, mimeType: 'image/png' };
    await expect(deliver(input(contactId, content))).rejects.toBeInstanceOf(RangeError);
    const [row] = await listMessages(db, contactId);
    expect(row).toMatchObject({ status: 'failed', errorTitle: 'Attachment not found' });
    expect(fake.requests).toBe(0);
  });
});
