import type { Browser, Page } from 'playwright-core';
import { CONTENT_SECURITY_POLICY } from '../../src/server/routes/web-headers';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { launchBrowser, openPage, screenshot } from './browser';
import { newBsuid } from '../helpers/fixtures';
import { WebStudent } from './student';

// The sandbox simulator in Chromium against the whole product in sandbox mode: the page posts to
// /sandbox/messages, which signs a Meta-shaped webhook and hands it to the real webhook route; the
// replies are the Graph API fake's recorded sends.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({}, { sandbox: true });
});

afterAll(async () => {
  await stack?.stop();
});

function postMessage(body: unknown, contentType = 'application/json') {
  return fetch(`${stack.baseUrl}/sandbox/messages`, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('POST /sandbox/messages', () => {
  it('hands a typed message to the webhook and answers once it is accepted', async () => {
    const phone = newPhone();
    const response = await postMessage({ from: `+${phone}`, name: 'Grace Hopper', text: 'Hello' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status: string; waMessageId: string };
    expect(body).toMatchObject({ status: 'success' });
    expect(body.waMessageId).toMatch(/^wamid\./);
    const user = new WebStudent(stack, phone);
    await user.settled(async () => (await user.history()).some((m) => m.waMessageId === body.waMessageId));
    const [stored] = await user.history();
    expect(stored).toMatchObject({ direction: 'inbound', type: 'text', body: 'Hello', waMessageId: body.waMessageId });
    expect(await user.state()).toBe('IDLE');
  });

  it.each([
    ['no sender', { name: 'A', text: 'hi' }],
    ['a user id that is no BSUID', { userId: '13491208655302741918', name: 'A', text: 'hi' }],
    ['a username and no sender', { username: 'ada.l', name: 'A', text: 'hi' }],
    [
      'a change of number without the number',
      { from: '15550001234', name: 'A', system: { type: 'user_changed_number', newUserId: 'US.1234' } },
    ],
    [
      'an unknown system message',
      { from: '15550001234', name: 'A', system: { type: 'user_left', newUserId: 'US.1234' } },
    ],
    ['a sender that is not a number', { from: 'abc', name: 'A', text: 'hi' }],
    ['an empty text', { from: '15550001234', name: 'A', text: '   ' }],
    [
      'a text and a reply at once',
      { from: '15550001234', name: 'A', text: 'hi', reply: { kind: 'button', id: 'x', title: 'X' } },
    ],
    ['an unknown reply kind', { from: '15550001234', name: 'A', reply: { kind: 'template', id: 'x', title: 'X' } }],
    ['a reply without id', { from: '15550001234', name: 'A', reply: { kind: 'list', title: 'X' } }],
  ])('answers 400 for %s', async (_, body) => {
    const response = await postMessage(body);
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('invalid_body');
  });

  it('writes as a username user known only by a BSUID, and lists the replies sent to that BSUID', async () => {
    const userId = newBsuid();
    const response = await postMessage({ userId, username: '@ada.hidden', name: 'Ada', text: 'Hello' });
    expect(response.status).toBe(200);
    const student = new WebStudent(stack, null, 'Ada', userId, 'ada.hidden');
    await student.settled(async () => (await student.history()).length > 0);
    expect(await student.state()).toBe('IDLE');
    // The welcome went to the BSUID as `recipient`: the outbox lists it under that address.
    const outbox = (await (await fetch(`${stack.baseUrl}/sandbox/sends?to=${userId}`)).json()) as {
      sends: { to: string; recipient?: string; content: { body?: string } }[];
    };
    expect(outbox.sends.length).toBeGreaterThan(0);
    expect(outbox.sends[0]).toMatchObject({ to: userId, recipient: userId });
    expect(outbox.sends[0]!.content.body).toContain('Welcome to EduBot');
  });

  it('answers 400 for a body that is not JSON and 415 for another content type', async () => {
    expect((await postMessage('{not json')).status).toBe(400);
    expect(
      (await postMessage(JSON.stringify({ from: '15550001234', name: 'A', text: 'hi' }), 'text/plain')).status,
    ).toBe(415);
  });
});

describe('the simulator in a browser', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
  });

  const botBubble = (page: Page, text: string) => page.locator('.row-in .bubble-text', { hasText: text }).last();

  async function type(page: Page, text: string): Promise<void> {
    await page.getByPlaceholder('Type a message').fill(text);
    await page.getByPlaceholder('Type a message').press('Enter');
  }

  it('is served with a strict policy', async () => {
    const response = await fetch(`${stack.baseUrl}/simulator`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('registers a student by typing and tapping, then opens chat support from the menu list', async () => {
    const phone = newPhone();
    const { page, problems } = await openPage(browser);
    await page.goto(`${stack.baseUrl}/simulator`);
    await page.getByLabel('Phone number').fill(phone);
    await page.getByLabel('Display name').fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Start chatting' }).click();

    await type(page, 'Hi <b>there</b>');
    await page.locator('.row-out .bubble-text', { hasText: 'Hi <b>there</b>' }).waitFor();
    await botBubble(page, 'Welcome to EduBot').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: '📝 Register' }).last().click();
    await botBubble(page, 'What is your full name?').waitFor({ timeout: 15_000 });
    await type(page, 'Ada Lovelace');
    await botBubble(page, 'What is your email address?').waitFor({ timeout: 15_000 });
    await type(page, 'ada@example.com');
    await botBubble(page, 'Which class or grade are you in?').waitFor({ timeout: 15_000 });
    await type(page, 'Grade 10');

    // The main menu is a list message: its button opens the rows.
    await botBubble(page, 'Hey Ada! What would you like to do?').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: '☰ Open menu' }).last().click();
    const sheet = page.getByRole('dialog');
    await sheet.getByRole('button', { name: /Submit Homework/ }).waitFor();
    await screenshot(page, 'simulator-menu');
    await sheet.getByRole('button', { name: /Chat Support/ }).click();
    await sheet.waitFor({ state: 'hidden' });
    await botBubble(page, 'connected to our support team').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: '❌ End Chat' }).last().waitFor();

    // What reached the product: a text shown as text, the taps as interactive replies with their ids.
    const user = new WebStudent(stack, phone);
    await waitFor(async () => (await user.state()) === 'CHAT_SUPPORT_ACTIVE', 'the chat to open');
    const inbound = (await user.history()).filter((m) => m.direction === 'inbound');
    expect(inbound.map((m) => [m.type, m.body])).toEqual([
      ['text', 'Hi <b>there</b>'],
      ['button', '📝 Register'],
      ['text', 'Ada Lovelace'],
      ['text', 'ada@example.com'],
      ['text', 'Grade 10'],
      ['list', 'Chat Support'],
    ]);
    expect(inbound[1]!.payload).toEqual({ kind: 'button', id: 'register', title: '📝 Register' });
    expect(inbound[5]!.payload).toEqual({ kind: 'list', id: 'support', title: 'Chat Support' });
    // A tap names the message that held the button, as WhatsApp's context does.
    const welcome = stack.fake.sendsTo(phone)[0]!;
    expect(inbound[1]!.contextWaMessageId).toBe(welcome.waMessageId);
    expect(inbound[0]!.waMessageId).not.toBe(inbound[1]!.waMessageId);

    expect(await page.locator('b').count()).toBe(0);
    await screenshot(page, 'simulator');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('starts afresh on Change user: the new user sees nothing of the last one', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(`${stack.baseUrl}/simulator`);
    await page.getByLabel('Phone number').fill(newPhone());
    await page.getByLabel('Display name').fill('Ada Lovelace');
    await page.getByRole('button', { name: 'Start chatting' }).click();
    await type(page, 'Hello');
    await botBubble(page, 'Welcome to EduBot').waitFor({ timeout: 15_000 });

    await page.getByRole('button', { name: 'Change user' }).click();
    await expect(page.locator('#identity').textContent()).resolves.toBe(
      'Sandbox: messages go to the local WhatsApp emulator',
    );
    expect(await page.evaluate<string | null>("sessionStorage.getItem('edubot.simulator.user')")).toBeNull();
    const next = newPhone();
    await page.getByLabel('Phone number').fill(next);
    await page.getByLabel('Display name').fill('Grace Hopper');
    await page.getByRole('button', { name: 'Start chatting' }).click();
    await expect(page.locator('#identity').textContent()).resolves.toBe(`Grace Hopper · +${next}`);
    // Several poll periods (700 ms) for any answer about the last user to show up, were one let through.
    await page.waitForTimeout(2_500);
    expect(await page.locator('#thread li').count()).toBe(0);
    await type(page, 'Hi');
    await botBubble(page, 'Welcome to EduBot').waitFor({ timeout: 15_000 });
    expect(await page.locator('.row-out').allTextContents()).toEqual([expect.stringContaining('Hi')]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('chats as a username user whose number is hidden: the bot welcomes them through their BSUID', async () => {
    const { page, problems } = await openPage(browser);
    await page.goto(`${stack.baseUrl}/simulator`);
    await page.getByLabel('hidden number').check();
    await page.getByLabel('Username').fill('@Grace.H');
    await page.getByLabel('Display name').fill('Grace Hopper');
    await page.getByRole('button', { name: 'Start chatting' }).click();
    await expect(page.locator('#identity').textContent()).resolves.toBe('Grace Hopper · @grace.h · number hidden');

    await type(page, 'Hello');
    await botBubble(page, 'Welcome to EduBot').waitFor({ timeout: 15_000 });
    await page.getByRole('button', { name: '📝 Register' }).last().click();
    await botBubble(page, 'What is your full name?').waitFor({ timeout: 15_000 });

    // What reached the product: a contact known by a BSUID and the username, with no phone at all.
    const saved = JSON.parse(
      (await page.evaluate<string | null>("sessionStorage.getItem('edubot.simulator.user')")) ?? 'null',
    ) as { userId: string; phone: null };
    expect(saved.phone).toBeNull();
    expect(saved.userId).toMatch(/^US\.\d{20}$/);
    const student = new WebStudent(stack, null, 'Grace Hopper', saved.userId, 'grace.h');
    await waitFor(async () => (await student.state()) === 'REGISTERING_NAME', 'registration to start');
    expect(student.sends().every((send) => send.to === saved.userId && send.recipient === saved.userId)).toBe(true);

    // WhatsApp's notice of a new number: the thread says so, and the bot keeps answering the student.
    await page.getByText('Account changes').click();
    await page.getByLabel('New number').fill(newPhone());
    await page.getByRole('button', { name: 'Change number', exact: true }).click();
    await page.locator('.row-system', { hasText: '✓' }).waitFor({ timeout: 15_000 });
    await type(page, 'Grace Hopper');
    await botBubble(page, 'What is your email address?').waitFor({ timeout: 15_000 });
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
