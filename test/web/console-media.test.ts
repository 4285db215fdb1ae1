import type { Page } from 'playwright-core';
import { WebStudent } from './student';
import { newPhone } from '../helpers/fixtures';
import { openPage, screenshot, signIn } from './browser';
import { type TestAgent, useConsoleStack } from './console-helpers';

// Media and a student's changes to the history in the console, in Chromium against the real stack:
// photos and documents WhatsApp delivers (the Graph API fake serves their bytes), files an agent
// attaches (uploaded to the fake, then sent by id), and reactions, edits and deletions shown on the
// messages they change, live.

const setup = useConsoleStack(['Tunde']);

/** The wamid of the student's latest message, as stored. */
async function lastInboundWamid(student: WebStudent): Promise<string> {
  const inbound = (await student.history()).filter((m) => m.direction === 'inbound');
  return inbound[inbound.length - 1]!.waMessageId!;
}

/** A PNG Chromium draws, so the photo is a real picture with a size to check. */
async function drawPng(page: Page, text: string): Promise<Buffer> {
  const canvas = await page.context().newPage();
  await canvas.setViewportSize({ width: 240, height: 160 });
  await canvas.setContent(
    `<body style="margin:0;background:#fde68a;font:28px sans-serif;display:grid;place-items:center;height:160px">${text}</body>`,
  );
  const png = await canvas.screenshot({ type: 'png' });
  await canvas.close();
  return png;
}

/** A student in a chat with support, the agent holding it. */
async function studentInChat(name: string): Promise<WebStudent> {
  const [tunde] = setup.agents as [TestAgent];
  const student = new WebStudent(setup.stack, newPhone(), name);
  await student.say('hello');
  await student.say('support');
  expect((await tunde.client.request('POST', `/api/admin/conversations/${student.id}/assign`)).status).toBe(200);
  return student;
}

async function openConversation(page: Page, phone: string): Promise<void> {
  await page.locator(`#conversation-list button[data-contact-id="${phone}"]`).click();
  await page.locator('#messages > li', { hasText: 'connected to our support team' }).waitFor();
}

/** What an <img> in the page says of its picture (the tests compile without the DOM's types). */
interface LoadedImage {
  complete: boolean;
  naturalWidth: number;
  naturalHeight: number;
}

const messageItem = (page: Page, wamid: string) => page.locator(`#messages > li[data-wa-message-id="${wamid}"]`);

describe('media in the console', () => {
  it("shows a student's photo inline and full size, and downloads a document with the token", async () => {
    const { stack, browser } = setup;
    const [tunde] = setup.agents as [TestAgent];
    const { page, problems } = await openPage(browser);
    const png = await drawPng(page, 'x² + 3x = 10');
    const pdf = Buffer.from('%PDF-1.4\n% a worksheet\n%%EOF\n');
    stack.fake.addMedia('media-photo-1', png, 'image/png');
    stack.fake.addMedia('media-doc-1', pdf, 'application/pdf');

    const student = await studentInChat('Amaka Obi');
    const other = new WebStudent(stack, newPhone(), 'Kola Ige');
    await other.say('hello');
    // Notes which object URLs the page hands back, before any script of the console runs.
    await page.addInitScript(`{
      window.revokedUrls = [];
      const revoke = URL.revokeObjectURL.bind(URL);
      URL.revokeObjectURL = (url) => { window.revokedUrls.push(url); revoke(url); };
    }`);
    await signIn(page, stack.baseUrl, tunde.token);
    await openConversation(page, student.id);

    // Sent while the page is open: the photo comes in live and is drawn from its bytes, not a link.
    await student.send('image', {
      image: { id: 'media-photo-1', mime_type: 'image/png', sha256: 'x', caption: 'Question 4, please' },
    });
    const photoWamid = await lastInboundWamid(student);
    const photo = messageItem(page, photoWamid);
    const image = photo.locator('.media-photo img');
    await image.waitFor({ timeout: 10_000 });
    await expect(image.getAttribute('src')).resolves.toMatch(/^blob:/);
    await expect(
      image.evaluate((img) => (img as unknown as LoadedImage).complete && (img as unknown as LoadedImage).naturalWidth),
    ).resolves.toBe(240);
    await expect(photo.locator('.message-body').textContent()).resolves.toBe('Question 4, please');

    // A click opens it full size; Close puts it away, and its <img> with it.
    await photo.getByRole('button', { name: /open full size/ }).click();
    const viewer = page.locator('#media-viewer');
    await viewer.locator('img').waitFor();
    await expect(viewer.locator('img').evaluate((img) => (img as unknown as LoadedImage).naturalHeight)).resolves.toBe(
      160,
    );
    await screenshot(page, 'console-media-photo');
    await viewer.getByRole('button', { name: 'Close' }).click();
    await viewer.locator('img').waitFor({ state: 'detached' });

    // A document is a link: the first click fetches it with the token, and the browser saves those bytes.
    await student.send('document', {
      document: { id: 'media-doc-1', mime_type: 'application/pdf', sha256: 'x', filename: 'worksheet.pdf' },
    });
    const document = messageItem(page, await lastInboundWamid(student));
    const link = document.getByRole('link', { name: 'Download worksheet.pdf' });
    await link.waitFor({ timeout: 10_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(download.suggestedFilename()).toBe('worksheet.pdf');
    const saved = await download.createReadStream();
    const chunks: Buffer[] = [];
    for await (const chunk of saved) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(pdf)).toBe(true);
    await expect(link.getAttribute('href')).resolves.toMatch(/^blob:/);

    await photo.scrollIntoViewIfNeeded();
    await screenshot(page, 'console-media');

    // Leaving the conversation revokes its object URLs: the photo's no longer loads, and the document's
    // was handed back too (the policy lets the page load blob: images, but fetch none).
    const photoUrl = await image.getAttribute('src');
    const documentUrl = await link.getAttribute('href');
    const loads = (url: string | null) =>
      page.evaluate(
        `new Promise((resolve) => { const i = new Image(); i.onload = () => resolve(true); i.onerror = () => resolve(false); i.src = ${JSON.stringify(url)}; })`,
      );
    expect(await loads(photoUrl)).toBe(true);
    await page.locator(`#conversation-list button[data-contact-id="${other.id}"]`).click();
    await page.locator('#messages > li', { hasText: 'Welcome to EduBot' }).waitFor();
    expect(await loads(photoUrl)).toBe(false);
    await expect(page.evaluate('window.revokedUrls')).resolves.toEqual(expect.arrayContaining([photoUrl, documentUrl]));
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it("shows a reaction on the message it reacts to, live, and takes it away when it's removed", async () => {
    const { stack, browser } = setup;
    const [tunde] = setup.agents as [TestAgent];
    const student = await studentInChat('Chidi Eze');
    const answer = await tunde.client.request('POST', `/api/admin/conversations/${student.id}/chat-support/send`, {
      message: 'Send me the question, please',
    });
    expect(answer.status).toBe(200);
    const target: string = answer.body.waMessageId;

    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, tunde.token);
    await openConversation(page, student.id);
    const agentMessage = messageItem(page, target);
    await agentMessage.waitFor();
    expect(await agentMessage.locator('.reaction').count()).toBe(0);

    await student.send('reaction', { reaction: { message_id: target, emoji: '👍' } });
    await agentMessage.locator('.reaction', { hasText: '👍' }).waitFor({ timeout: 10_000 });
    // A change to the changed message, not a message of its own.
    expect(await page.locator('#messages > li.message-user', { hasText: '👍' }).count()).toBe(0);

    await student.send('reaction', { reaction: { message_id: target, emoji: '🙏' } });
    await agentMessage.locator('.reaction', { hasText: '🙏' }).waitFor({ timeout: 10_000 });
    expect(await agentMessage.locator('.reaction').count()).toBe(1);

    // Without an emoji the reaction is withdrawn.
    await student.send('reaction', { reaction: { message_id: target } });
    await agentMessage.locator('.reaction').waitFor({ state: 'detached', timeout: 10_000 });

    // A reaction to a message this history does not hold is one small line.
    await student.send('reaction', { reaction: { message_id: 'wamid.NOT-HERE', emoji: '❤️' } });
    await page
      .locator('#messages > li.message-change', { hasText: 'Reacted ❤️ to a message that is not in this history' })
      .waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows an edited message with its new text, the old one on hover, and a deleted one as deleted', async () => {
    const { stack, browser } = setup;
    const [tunde] = setup.agents as [TestAgent];
    const student = await studentInChat('Bola Ade');
    await student.say('My answer is 12');
    const edited = await lastInboundWamid(student);
    await student.say('Ignore this, wrong chat');
    const deleted = await lastInboundWamid(student);

    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, tunde.token);
    await openConversation(page, student.id);
    await messageItem(page, deleted).waitFor();

    await student.send('edit', {
      edit: { original_message_id: edited, message: { type: 'text', text: { body: 'My answer is 15' } } },
    });
    const editedItem = messageItem(page, edited);
    await editedItem.locator('.message-body', { hasText: 'My answer is 15' }).waitFor({ timeout: 10_000 });
    const mark = editedItem.locator('.edited');
    await expect(mark.textContent()).resolves.toBe('edited');
    await expect(mark.getAttribute('title')).resolves.toBe('Before the edit: My answer is 12');
    expect(await page.locator('#messages > li', { hasText: 'My answer is 12' }).count()).toBe(0);

    await student.send('revoke', { revoke: { original_message_id: deleted } });
    const deletedItem = messageItem(page, deleted);
    await deletedItem.locator('.message-body', { hasText: 'This message was deleted' }).waitFor({ timeout: 10_000 });
    await expect(deletedItem.textContent()).resolves.not.toContain('wrong chat');
    // Neither change is a message of its own.
    expect(await page.locator('#messages > li.message-user').count()).toBe(
      (await student.history()).filter((m) => m.direction === 'inbound' && !['edit', 'revoke'].includes(m.type)).length,
    );
    await screenshot(page, 'console-edits');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('attachments in the console', () => {
  it('uploads a file from the attach button and sends it with the message as its caption', async () => {
    const { stack, browser } = setup;
    const [tunde] = setup.agents as [TestAgent];
    const student = await studentInChat('Ngozi Okafor');
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, tunde.token);
    await openConversation(page, student.id);
    const uploadsBefore = stack.fake.uploads().length;
    const sendsBefore = student.sends().length;

    const pdf = Buffer.from('%PDF-1.4\n% fractions worksheet\n%%EOF\n');
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      page.getByRole('button', { name: 'Attach file' }).click(),
    ]);
    await chooser.setFiles({ name: 'fractions.pdf', mimeType: 'application/pdf', buffer: pdf });
    await page.locator('#attachment-name', { hasText: 'fractions.pdf' }).waitFor();
    await page.locator('#command-result.result-ok', { hasText: 'fractions.pdf attached' }).waitFor();
    // Uploading is not sending: nothing reached the student yet.
    expect(student.sends().length).toBe(sendsBefore);

    await page.locator('#message').fill('Here is the worksheet');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#command-result.result-ok', { hasText: 'File sent' }).waitFor();
    expect(stack.fake.uploads().length).toBe(uploadsBefore + 1);
    const sends = student.sends().slice(sendsBefore);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.type).toBe('document');
    expect(sends[0]!.content).toMatchObject({ kind: 'media', filename: 'fractions.pdf' });
    await expect(page.locator('#message').inputValue()).resolves.toBe('');
    expect(await page.locator('#attachment').isVisible()).toBe(false);
    // The agent's attachment is in the history as a link, like a student's document.
    await page.locator('#messages .message-agent').getByRole('link', { name: 'Download fractions.pdf' }).waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('attaches a file dropped on the conversation, and shows why one is refused', async () => {
    const { stack, browser } = setup;
    const [tunde] = setup.agents as [TestAgent];
    const student = await studentInChat('Ifeanyi Nwosu');
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, tunde.token);
    await openConversation(page, student.id);
    const uploadsBefore = stack.fake.uploads().length;

    // Over the 5 MB a photo may weigh: refused before anything is sent, in the API's words.
    const drop = async (name: string, type: string, size: number) => {
      // Made in the page, as a drag from the desktop would carry it; the file's own signature first,
      // since the server looks at the bytes as well as the name.
      const head = type === 'image/png' ? '\x89PNG\r\n\x1a\n' : '%PDF-1.4\n';
      const dataTransfer = await page.evaluateHandle(`(() => {
        const data = new Uint8Array(${size});
        const head = ${JSON.stringify(head)};
        for (let i = 0; i < head.length; i++) data[i] = head.charCodeAt(i);
        const transfer = new DataTransfer();
        transfer.items.add(new File([data], ${JSON.stringify(name)}, { type: ${JSON.stringify(type)} }));
        return transfer;
      })()`);
      await page.locator('#conversation').dispatchEvent('dragover', { dataTransfer });
      await page.locator('#conversation.dropping').waitFor();
      await page.locator('#conversation').dispatchEvent('drop', { dataTransfer });
    };
    await drop('huge.png', 'image/png', 6 * 1024 * 1024);
    await page.locator('#command-result.result-error', { hasText: 'HTTP 400 file_too_large' }).waitFor();
    expect(await page.locator('#attachment').isVisible()).toBe(false);
    expect(await page.locator('#conversation.dropping').count()).toBe(0);

    await drop('notes.pdf', 'application/pdf', 2048);
    await page.locator('#attachment-name', { hasText: 'notes.pdf (2 KB)' }).waitFor();
    await page.getByRole('button', { name: 'Remove file' }).click();
    expect(await page.locator('#attachment').isVisible()).toBe(false);
    expect(stack.fake.uploads().length).toBe(uploadsBefore);
    expect(student.sends().filter((s) => s.type === 'document')).toHaveLength(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
