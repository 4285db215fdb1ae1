import type { Browser, Page } from 'playwright-core';
import { AdminClient } from '../helpers/admin-client';
import { WebStudent } from './student';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { launchBrowser, openPage, screenshot, signIn } from './browser';

// The console's search box in Chromium against the whole product: a student registers and writes a
// long chat through signed webhooks, and an agent finds them by phone number and a message by a word,
// and lands on that message in its history.

const HOSTILE = '<img src=x onerror=alert(1)>';

let stack: TestStack;
let browser: Browser;
let agentToken: string;
let user: WebStudent;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
  const admin = new AdminClient(stack, stack.config.adminToken);
  agentToken = (await admin.request('POST', '/api/admin/tokens', { name: 'Alice', role: 'agent' })).body.token;

  user = await new WebStudent(stack, newPhone(), 'Amara Nwosu').register();
  await user.say('support');
  // The word searched for early in a history long enough to scroll, in a text holding markup.
  await user.say(`${HOSTILE} I do not understand photosynthesis at all`);
  for (let i = 1; i <= 30; i++) await user.say(`Question ${i} of the algebra homework`);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

async function searchFor(page: Page, text: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Search' }).fill(text);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
}

/** The phone as an agent would copy it from elsewhere: +1 555 123456 7890. */
const formatted = (digits: string) =>
  `+${digits.slice(0, 1)} ${digits.slice(1, 4)} ${digits.slice(4, 10)} ${digits.slice(10)}`;

describe('search in the console', () => {
  it('finds a student by phone and a message by a word, and opens the history at that message', async () => {
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, agentToken);

    // By the phone number, typed with spaces and a +: the conversation, with what matched.
    await searchFor(page, formatted(user.phone!));
    const conversationHit = page.locator(`#search-list button[data-hit-contact-id="${user.id}"]`);
    await conversationHit.waitFor();
    await expect(page.locator('#search-heading').textContent()).resolves.toBe(
      `Results for “${formatted(user.phone!)}”`,
    );
    await expect(conversationHit.locator('.item-name').textContent()).resolves.toBe('Amara Nwosu');
    await expect(conversationHit.locator('.hit-kind').textContent()).resolves.toBe('conversation');
    await expect(conversationHit.locator('.hit-matched').textContent()).resolves.toBe('matches phone');
    expect(await page.locator('#conversation-list').isVisible()).toBe(false);
    await conversationHit.click();
    await page.locator('#conversation-title', { hasText: 'Amara Nwosu' }).waitFor();

    // By a word: the message, its snippet as text with the word marked, no markup run.
    await searchFor(page, 'Photosynthesis');
    const messageHit = page.locator('#search-list button[data-message-id]');
    await messageHit.waitFor();
    expect(await messageHit.count()).toBe(1);
    await expect(messageHit.locator('.hit-snippet').textContent()).resolves.toBe(
      `${HOSTILE} I do not understand photosynthesis at all`,
    );
    await expect(messageHit.locator('mark').allTextContents()).resolves.toEqual(['photosynthesis']);
    expect(await page.locator('img').count()).toBe(0);

    // Opening it shows the history at that message, marked, though newer messages follow it.
    const messageId = await messageHit.getAttribute('data-message-id');
    await messageHit.click();
    const found = page.locator(`#messages li[data-message-id="${messageId}"]`);
    await found.and(page.locator('.message-found')).waitFor();
    await expect(found.locator('.message-body').textContent()).resolves.toContain('photosynthesis');
    const list = await page.locator('#messages').boundingBox();
    const box = await found.boundingBox();
    expect(list && box).toBeTruthy();
    expect(box!.y).toBeGreaterThanOrEqual(list!.y);
    expect(box!.y + box!.height).toBeLessThanOrEqual(list!.y + list!.height);
    const scroll = await page.locator('#messages').evaluate((el) => ({
      top: el.scrollTop,
      bottom: el.scrollHeight - el.clientHeight,
    }));
    expect(scroll.top).toBeLessThan(scroll.bottom);
    await expect(page.locator('#messages .message-found').count()).resolves.toBe(1);
    await screenshot(page, 'console-search');

    // A word nowhere: said so. A query the API refuses: its answer shown.
    await searchFor(page, 'zyxwvut');
    await page.locator('#search-empty', { hasText: 'Nothing found.' }).waitFor();
    await searchFor(page, '🙂');
    await page.locator('#search-error', { hasText: 'Could not search: HTTP 400 invalid_query' }).waitFor();

    // Back to the list, which was there all along.
    await page.getByRole('button', { name: 'Back to conversations' }).click();
    await page.locator(`#conversation-list button[data-contact-id="${user.id}"]`).waitFor();
    expect(await page.locator('#search-view').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
