import type { Browser, Page } from 'playwright-core';
import { AdminClient } from '../helpers/admin-client';
import { textOf } from '../helpers/conversation';
import { WebStudent } from './student';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { launchBrowser, openPage, screenshot, signIn } from './browser';

// Notes and canned responses in the console, in Chromium against the whole product: real Temporal
// and Postgres, the admin API, the Graph API fake as WhatsApp, students writing through webhooks.

const HOSTILE = '<img src=x onerror=alert(1)>';

let stack: TestStack;
let browser: Browser;
let admin: AdminClient;
let agentToken: string;
let student: WebStudent;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
  admin = new AdminClient(stack, stack.config.adminToken);
  const created = await admin.request('POST', '/api/admin/tokens', { name: 'Agent Bisi', role: 'agent' });
  agentToken = created.body.token;
  for (const [title, body] of [
    ['Greeting', "Hi {first_name}! I'm here to help with {class}."],
    ['Goodbye', 'Goodbye {full_name}, and good luck!'],
    ['Fees', 'The fee is on the Subscribe menu.'],
  ]) {
    expect((await admin.request('POST', '/api/admin/canned-responses', { title, body })).status).toBe(201);
  }
  student = new WebStudent(stack, newPhone(), 'Kemi Adeyemi');
  await student.register();
  await student.say('support');
  expect(await student.state()).toBe('CHAT_SUPPORT_ACTIVE');
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function openConversation(page: Page, phone: string): Promise<void> {
  await page.locator(`button[data-contact-id="${phone}"]`).click();
  await page.locator('#messages > li', { hasText: 'connected to our support team' }).waitFor();
}

const optionTitles = (page: Page) => page.locator('#canned-menu [role="option"] .canned-title').allTextContents();
const selectedTitle = (page: Page) =>
  page.locator('#canned-menu [role="option"][aria-selected="true"] .canned-title').textContent();

describe('canned responses in the console', () => {
  it('offers them on "/", filters by title, moves with the arrows, closes on Escape, and fills the pick for editing', async () => {
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, agentToken);
    await openConversation(page, student.id);
    const composer = page.locator('#message');
    const menu = page.locator('#canned-menu');

    await composer.focus();
    await page.keyboard.type('/');
    await menu.waitFor();
    await page.locator('#canned-menu [role="option"]').first().waitFor();
    expect(await optionTitles(page)).toEqual(['Fees', 'Goodbye', 'Greeting']);
    await expect(selectedTitle(page)).resolves.toBe('Fees');
    await expect(composer.getAttribute('aria-expanded')).resolves.toBe('true');

    // The arrows move the choice and wrap around; the composer names the active option.
    await page.keyboard.press('ArrowDown');
    await expect(selectedTitle(page)).resolves.toBe('Goodbye');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await expect(selectedTitle(page)).resolves.toBe('Greeting');
    const activeId = await page.locator('#canned-menu [aria-selected="true"]').getAttribute('id');
    await expect(composer.getAttribute('aria-activedescendant')).resolves.toBe(activeId);

    // Typing filters by title; Escape closes and leaves the text as typed.
    await page.keyboard.type('g');
    expect(await optionTitles(page)).toEqual(['Goodbye', 'Greeting']);
    await screenshot(page, 'console-canned');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    await expect(composer.inputValue()).resolves.toBe('/g');
    await expect(composer.getAttribute('aria-expanded')).resolves.toBe('false');

    // Typing on opens it again; Enter picks and fills the composer from the student's profile.
    await page.keyboard.type('r');
    await menu.waitFor();
    await page.locator('#canned-menu [role="option"]').first().waitFor();
    expect(await optionTitles(page)).toEqual(['Greeting']);
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden' });
    await expect(composer.inputValue()).resolves.toBe("Hi Kemi! I'm here to help with Grade 10.");
    await expect(page.locator('#canned-hint').isHidden()).resolves.toBe(true);

    // The agent edits the filled text and sends it with the send button, as any message.
    const before = student.sends().length;
    await page.keyboard.type(' Which subject?');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.locator('#command-result.result-ok', { hasText: 'Message sent' }).waitFor();
    const sent = student.sends().slice(before).map(textOf);
    expect(sent).toEqual([expect.stringContaining("Hi Kemi! I'm here to help with Grade 10. Which subject?")]);
    await page
      .locator('#messages .message-agent', { hasText: 'Which subject?' })
      .locator('.sender', { hasText: 'Agent Bisi' })
      .waitFor();

    // A click picks too.
    await composer.fill('');
    await composer.focus();
    await page.keyboard.type('/good');
    await page.locator('#canned-menu [role="option"]', { hasText: 'Goodbye' }).click();
    await expect(composer.inputValue()).resolves.toBe('Goodbye Kemi Adeyemi, and good luck!');
    await composer.fill('');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows placeholders and says what to fill in for a student who never registered, and sends nothing by itself', async () => {
    const stranger = new WebStudent(stack, newPhone(), 'Stranger');
    await stranger.say('hello');
    await stranger.say('support');
    expect(await stranger.state()).toBe('CHAT_SUPPORT_ACTIVE');
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, agentToken);
    await openConversation(page, stranger.id);
    const before = stranger.sends().length;

    await page.locator('#message').focus();
    await page.keyboard.type('/greet');
    await page.locator('#canned-menu [role="option"]', { hasText: 'Greeting' }).waitFor();
    await page.keyboard.press('Enter');
    await expect(page.locator('#message').inputValue()).resolves.toBe(
      "Hi [first name]! I'm here to help with [class].",
    );
    await expect(page.locator('#canned-hint').textContent()).resolves.toBe(
      'This student’s profile has no first name, class: replace [first name], [class] before sending.',
    );
    // Enter on a "/" filter with nothing to pick sends nothing either.
    await page.locator('#message').fill('');
    await page.keyboard.type('/nothing like this');
    await page.locator('#canned-menu', { hasText: 'No canned response matches' }).waitFor();
    await page.keyboard.press('Enter');
    await expect(page.locator('#message').inputValue()).resolves.toBe('/nothing like this');
    expect(stranger.sends().length).toBe(before);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('notes in the console', () => {
  it('adds a note that every open console shows live in the history, apart from messages, and never sends it', async () => {
    const { page, problems } = await openPage(browser);
    const other = await openPage(browser);
    await signIn(page, stack.baseUrl, agentToken);
    await signIn(other.page, stack.baseUrl, stack.config.adminToken);
    await openConversation(page, student.id);
    await openConversation(other.page, student.id);
    const before = student.sends().length;

    await page.getByText('Internal note', { exact: true }).click();
    await page.getByLabel('Note for the team').fill(`Prefers English; asked about fees ${HOSTILE}`);
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('#note-result.result-ok', { hasText: 'Note added' }).waitFor();
    await expect(page.getByLabel('Note for the team').inputValue()).resolves.toBe('');

    for (const p of [page, other.page]) {
      const note = p.locator('#messages > li.message-note');
      await note.waitFor({ timeout: 10_000 });
      await expect(note.locator('.message-body').textContent()).resolves.toBe(
        `Prefers English; asked about fees ${HOSTILE}`,
      );
      await expect(note.locator('.sender').textContent()).resolves.toBe('Note by Agent Bisi');
      await expect(note.locator('.type').textContent()).resolves.toBe('internal, not sent');
      expect(await p.locator('img').count()).toBe(0);
    }

    // The student writes after the note: the history keeps time order, the note before the message.
    await student.say('Is anyone there?');
    const items = other.page.locator('#messages > li');
    await items.filter({ hasText: 'Is anyone there?' }).waitFor({ timeout: 10_000 });
    const kinds = await items.evaluateAll((lis) =>
      lis.map((li) => (li.classList.contains('message-note') ? 'note' : (li.textContent ?? ''))),
    );
    expect(kinds.indexOf('note')).toBeLessThan(kinds.findIndex((text) => text.includes('Is anyone there?')));
    expect(kinds.indexOf('note')).toBeGreaterThan(kinds.findIndex((text) => text.includes('Which subject?')));

    // An empty note is refused as the API words it.
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('#note-result.result-error', { hasText: 'HTTP 400 invalid_body' }).waitFor();

    expect(student.sends().slice(before).map(textOf)).toEqual([]);
    await screenshot(page, 'console-notes');
    expect([...problems, ...other.problems]).toEqual([]);
    await page.context().close();
    await other.page.context().close();
  });
});
