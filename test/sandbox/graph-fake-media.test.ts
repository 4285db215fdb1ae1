import { createHash } from 'node:crypto';
import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { WhatsAppApiError } from '../../src/whatsapp/errors';
import { exeFile, pdfFile, pngFile } from '../helpers/media-files';

// The fake's media endpoint through the real Graph client: uploads checked against WhatsApp's types
// and sizes, recorded, downloadable, and sends by the uploaded id checked and recorded with the bytes.

const TOKEN = 'fake-token';
const PHONE_NUMBER_ID = '106000000000001';
const TO = '15550003333';
const MB = 1024 * 1024;

let fake: GraphFake;
beforeAll(async () => {
  fake = await startGraphFake({ accessToken: TOKEN });
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

const client = () => createGraphClient({ baseUrl: fake.baseUrl, accessToken: TOKEN, phoneNumberId: PHONE_NUMBER_ID });
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

/** Posts a multipart form to the upload endpoint as it is, for parts the client would never send. */
async function postForm(form: FormData) {
  const res = await fetch(`${fake.baseUrl}/${PHONE_NUMBER_ID}/media`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}` },
    body: form,
  });
  return { status: res.status, json: (await res.json()) as { id?: string; error?: { code?: number } } };
}

describe('graph fake: media uploads', () => {
  it('records an upload, serves it for download and records a send by its id with the bytes it names', async () => {
    const photo = pngFile(300 * 1024);
    const { mediaId } = await client().uploadMedia({ data: photo, mimeType: 'image/png', filename: 'worked.png' });
    expect(fake.uploads()).toEqual([
      expect.objectContaining({
        id: mediaId,
        phoneNumberId: PHONE_NUMBER_ID,
        mediaType: 'image',
        mimeType: 'image/png',
        sizeBytes: photo.length,
        sha256: sha256(photo),
        filename: 'worked.png',
      }),
    ]);
    const downloaded = await client().downloadMedia(mediaId);
    expect(downloaded.data.equals(photo)).toBe(true);

    const content = { kind: 'media', mediaType: 'image', fileId: 7, mimeType: 'image/png', caption: 'Step 2' } as const;
    await client().sendMessage({ phone: TO }, content, { uploadedMediaId: mediaId });
    expect(fake.sendsTo(TO)).toHaveLength(1);
    expect(fake.sendsTo(TO)[0]!.media).toEqual({
      mediaType: 'image',
      mediaId,
      mimeType: 'image/png',
      sizeBytes: photo.length,
      sha256: sha256(photo),
      caption: 'Step 2',
    });
  });

  it('refuses with 131053 a file over its kind’s limit and one whose bytes are not its type', async () => {
    const big = await client()
      .uploadMedia({ data: pngFile(5 * MB + 1), mimeType: 'image/png', filename: 'big.png' })
      .catch((err: unknown) => err);
    expect(big).toBeInstanceOf(WhatsAppApiError);
    expect(big).toMatchObject({ code: 131053, retryable: false });
    const exe = await client()
      .uploadMedia({ data: exeFile(2048), mimeType: 'image/png', filename: 'photo.png' })
      .catch((err: unknown) => err);
    expect(exe).toMatchObject({ code: 131053, retryable: false });
    // The same size as a document is within its limit.
    const pdf = await client().uploadMedia({ data: pdfFile(6 * MB), mimeType: 'application/pdf', filename: 't.pdf' });
    expect(fake.uploads().map((u) => [u.id, u.mediaType])).toEqual([[pdf.mediaId, 'document']]);
  });

  it('records a document over 16 MB by its size and sha256 without keeping its bytes to serve back', async () => {
    const pdf = pdfFile(20 * MB);
    const { mediaId } = await client().uploadMedia({ data: pdf, mimeType: 'application/pdf', filename: 'big.pdf' });
    expect(fake.uploads()).toEqual([
      expect.objectContaining({ id: mediaId, mediaType: 'document', sizeBytes: pdf.length, sha256: sha256(pdf) }),
    ]);
    expect(
      await client()
        .downloadMedia(mediaId)
        .catch((err: unknown) => err),
    ).toMatchObject({ code: 100 });
  });

  it('refuses a form without messaging_product, type or file with Graph error 100', async () => {
    const file = new Blob([pdfFile(1000)], { type: 'application/pdf' });
    const withoutProduct = new FormData();
    withoutProduct.append('type', 'application/pdf');
    withoutProduct.append('file', file, 'a.pdf');
    expect(await postForm(withoutProduct)).toMatchObject({ status: 400, json: { error: { code: 100 } } });
    const withoutType = new FormData();
    withoutType.append('messaging_product', 'whatsapp');
    withoutType.append('file', file, 'a.pdf');
    expect(await postForm(withoutType)).toMatchObject({ status: 400, json: { error: { code: 100 } } });
    const withoutFile = new FormData();
    withoutFile.append('messaging_product', 'whatsapp');
    withoutFile.append('type', 'application/pdf');
    expect(await postForm(withoutFile)).toMatchObject({ status: 400, json: { error: { code: 100 } } });
    expect(fake.uploads()).toEqual([]);
  });

  it('refuses a send naming an id never uploaded (100) or an upload of another kind (131053)', async () => {
    const image = { kind: 'media', mediaType: 'image', fileId: 1, mimeType: 'image/png' } as const;
    const unknown = await client()
      .sendMessage({ phone: TO }, image, { uploadedMediaId: '999' })
      .catch((err: unknown) => err);
    expect(unknown).toMatchObject({ code: 100, retryable: false });
    const { mediaId } = await client().uploadMedia({ data: pdfFile(1000), mimeType: 'application/pdf' });
    const mismatch = await client()
      .sendMessage({ phone: TO }, image, { uploadedMediaId: mediaId })
      .catch((err: unknown) => err);
    expect(mismatch).toMatchObject({ code: 131053, retryable: false });
    const document = {
      kind: 'media',
      mediaType: 'document',
      fileId: 1,
      mimeType: 'application/pdf',
      filename: 'T.pdf',
    } as const;
    await client().sendMessage({ phone: TO }, document, { uploadedMediaId: mediaId });
    expect(fake.sendsTo(TO).map((s) => [s.type, s.media?.filename, s.media?.sizeBytes])).toEqual([
      ['document', 'T.pdf', 1000],
    ]);
  });
});
