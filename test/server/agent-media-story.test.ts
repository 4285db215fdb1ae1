import { createHash } from 'node:crypto';
import { listMessages } from '../../src/db/messages';
import { AdminClient } from '../helpers/admin-client';
import { textOf, TestUser } from '../helpers/conversation';
import { exeFile, pdfFile, pngFile } from '../helpers/media-files';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// An agent's files end to end: uploaded to the admin API, carried by the conversation workflow, uploaded
// to WhatsApp (the Graph fake over HTTP) once and sent by the id it answered, whatever is retried.

const MB = 1024 * 1024;

let stack: TestStack;
let ada: AdminClient;

beforeAll(async () => {
  stack = await startTestStack();
  ada = await AdminClient.agent(stack, 'Ada');
});

afterAll(async () => {
  await stack?.stop();
});

afterEach(() => stack.fake.reset());

async function studentInChat(): Promise<TestUser> {
  const user = new TestUser(stack, newPhone(), 'Tunde');
  await user.say('hi');
  await user.say('support');
  expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
  return user;
}

const send = (phone: string, body: unknown, headers: Record<string, string> = {}) =>
  ada.request('POST', `/api/admin/conversations/${phone}/chat-support/send`, body, headers);
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('an agent sends a file', () => {
  it('uploads a 1 MB PNG to WhatsApp once and sends it by id with its caption, then the text', async () => {
    const user = await studentInChat();
    const png = pngFile(MB);
    const stored = await ada.upload(png, 'step-2.png', 'image/png');
    expect(stored.status).toBe(201);

    const sent = await send(user.phone, {
      attachment: { id: stored.body.media.id, caption: 'Step 2' },
      message: 'Then add 3',
    });
    expect(sent.status).toBe(200);
    expect(sent.body.waMessageId).toMatch(/^wamid\./);

    const uploads = stack.fake.uploads();
    expect(uploads).toHaveLength(1);
    expect(uploads[0]).toMatchObject({ mediaType: 'image', mimeType: 'image/png', sizeBytes: MB, sha256: sha256(png) });
    const fromAda = stack.fake.sendsTo(user.phone).filter((s) => s.type === 'image' || /Ada/.test(textOf(s)));
    expect(fromAda.map((s) => s.type)).toEqual(['image', 'text']);
    expect(fromAda[0]!.media).toMatchObject({ mediaId: uploads[0]!.id, caption: '🎧 Ada (Support Team): Step 2' });
    expect(fromAda[0]!.waMessageId).toBe(sent.body.waMessageId);
    expect(textOf(fromAda[1])).toBe('🎧 Ada (Support Team): Then add 3');

    // The history keeps the file with the message, for the console to show.
    const history = await ada.history(user.phone);
    const image = (history.body.messages as { type: string; media?: { url: string } }[]).find(
      (m) => m.type === 'image',
    );
    expect(image?.media?.url).toBe(`/api/admin/media/${stored.body.media.id}`);
  });

  it('sends nothing more when the request is retried with its Idempotency-Key after a 503', async () => {
    const user = await studentInChat();
    const stored = await ada.upload(pdfFile(200_000), 'timetable.pdf', 'application/pdf');
    const headers = { 'idempotency-key': `file-${user.phone}` };
    const body = { attachment: { id: stored.body.media.id } };

    // WhatsApp takes the upload but holds the send past the request's deadline: the agent gets 503.
    stack.fake.pauseSends();
    const first = await send(user.phone, body, headers);
    expect(first.status).toBe(503);
    stack.fake.resumeSends();
    await stack.fake.waitFor(() => stack.fake.sendsTo(user.phone).some((s) => s.type === 'document'), 20_000);

    const again = await send(user.phone, body, headers);
    expect(again.status).toBe(200);
    const documents = stack.fake.sendsTo(user.phone).filter((s) => s.type === 'document');
    expect(documents).toHaveLength(1);
    expect(again.body.waMessageId).toBe(documents[0]!.waMessageId);
    expect(documents[0]!.media).toMatchObject({ filename: 'timetable.pdf', caption: '🎧 Ada (Support Team)' });
    expect(stack.fake.uploads()).toHaveLength(1);
    const rows = (await listMessages(stack.db, await user.contact())).filter((m) => m.sender === 'agent');
    expect(rows).toHaveLength(1);
  });

  it('refuses a 6 MB image, an .exe and a file nobody uploaded with 400 or 404, sending nothing', async () => {
    const user = await studentInChat();
    const big = await ada.upload(pngFile(6 * MB), 'big.png', 'image/png');
    expect(big.status).toBe(400);
    expect(big.body.error.code).toBe('file_too_large');
    const exe = await ada.upload(exeFile(10_000), 'setup.exe', 'application/x-msdownload');
    expect(exe.status).toBe(400);
    expect(exe.body.error.code).toBe('unsupported_media_type');
    const unknown = await send(user.phone, { attachment: { id: 987654321 } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('media_not_found');
    const empty = await send(user.phone, {});
    expect(empty.status).toBe(400);
    await waitFor(async () => (await user.state()) === 'CHAT_SUPPORT_ACTIVE', 'the chat still open');
    expect(stack.fake.uploads()).toEqual([]);
    expect(stack.fake.sendsTo(user.phone).filter((s) => s.type !== 'interactive' && s.type !== 'text')).toEqual([]);
  });

  it('refuses a file outside the 24-hour window, as a text is refused', async () => {
    const stale = new TestUser(stack, newPhone());
    (stale as unknown as { seconds: number }).seconds = Math.floor(Date.now() / 1000) - 25 * 3600;
    await stale.say('hi');
    await stale.say('support');
    const stored = await ada.upload(pngFile(1000), 'a.png', 'image/png');
    const refused = await send(stale.phone, { attachment: { id: stored.body.media.id } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('outside_customer_service_window');
    expect(stack.fake.uploads()).toEqual([]);
  });
});
