import type { Page } from 'playwright-core';
import { openPage, screenshot, signIn } from './browser';
import { askForSupport, listButton, queueButton, type TestAgent, useConsoleStack } from './console-helpers';

// The Waiting view and the conversation list by keyboard, and the unread counts each conversation
// carries, in Chromium against the real stack: students write through webhooks, a second agent
// answers through the API, and the console follows the event stream.

const setup = useConsoleStack(['Ada', 'Bo']);

/** The contact id of the queue or list item that has the focus, or null. */
async function focusedId(page: Page): Promise<string | null> {
  const focused = page.locator('.conversation-item:focus');
  if ((await focused.count()) === 0) return null;
  return focused.evaluate((button) => String(button.closest('[data-contact-id]').dataset.contactId));
}

/** Whether the focused element shows a focus ring the agent can see. */
function focusRingShown(page: Page): Promise<boolean> {
  return page.locator(':focus').evaluate((element) => {
    const style = element.ownerDocument.defaultView.getComputedStyle(element);
    return element.matches(':focus-visible') && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  });
}

describe('the console by keyboard, with unread counts', () => {
  it('moves through the Waiting view with the arrows, Home and End, keeps the focus through live changes, and opens with Enter', async () => {
    const { stack, browser } = setup;
    const [ada, bo] = setup.agents as [TestAgent, TestAgent];
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, ada.token);
    const first = await askForSupport(stack, 'Amara Obi');
    const second = await askForSupport(stack, 'Bayo Ade');
    await queueButton(page, second.id).waitFor();

    await queueButton(page, first.id).focus();
    await page.keyboard.press('ArrowDown');
    expect(await focusedId(page)).toBe(second.id);
    expect(await focusRingShown(page)).toBe(true);
    // The last item stays put on Down, the first on Up.
    await page.keyboard.press('ArrowDown');
    expect(await focusedId(page)).toBe(second.id);
    await page.keyboard.press('Home');
    expect(await focusedId(page)).toBe(first.id);
    await page.keyboard.press('ArrowUp');
    expect(await focusedId(page)).toBe(first.id);
    await page.keyboard.press('End');
    expect(await focusedId(page)).toBe(second.id);
    await screenshot(page, 'console-keyboard');

    // A chat that starts waiting, and one that leaves the queue above the focused item, rebuild the
    // view: the focus stays on the same chat.
    const third = await askForSupport(stack, 'Chidi Eze');
    await queueButton(page, third.id).waitFor();
    expect(await focusedId(page)).toBe(second.id);
    expect((await bo.client.chat('send', first.id, 'Bo here')).status).toBe(200);
    await queueButton(page, first.id).waitFor({ state: 'detached' });
    expect(await focusedId(page)).toBe(second.id);
    await page.keyboard.press('ArrowDown');
    expect(await focusedId(page)).toBe(third.id);
    await page.keyboard.press('ArrowUp');

    await page.keyboard.press('Enter');
    await page.locator('#conversation-title', { hasText: 'Bayo Ade' }).waitFor();
    // The list, too: Home, Down and End move through it; Enter opens.
    await listButton(page, first.id).focus();
    await page.keyboard.press('Home');
    const order = await page
      .locator('#conversation-list button[data-contact-id]')
      .evaluateAll((buttons) => buttons.map((button) => String(button.dataset.contactId)));
    expect(order.length).toBe(3);
    expect(await focusedId(page)).toBe(order[0]);
    await page.keyboard.press('ArrowDown');
    expect(await focusedId(page)).toBe(order[1]);
    expect(await focusRingShown(page)).toBe(true);
    await page.keyboard.press('End');
    expect(await focusedId(page)).toBe(order[2]);
    // A live reload of the list (a student writes) keeps the focus where it was.
    await third.say('still there?');
    await listButton(page, third.id).locator('.unread', { hasText: '3' }).waitFor();
    expect(await focusedId(page)).toBe(order[2]);
    // Enter opens the focused student's conversation, not the one open before (Bayo Ade's): the header
    // shows what the agent sees of them, their name and phone, and no username (they have none).
    const focused = [first, second, third].find((student) => student.id === order[2]);
    if (focused === undefined) throw new Error(`the focused item ${order[2]} is none of the three students`);
    expect(focused).not.toBe(second);
    await expect(page.locator('#conversation-title').textContent()).resolves.toBe('Bayo Ade');
    await page.keyboard.press('Enter');
    await page.locator('#conversation-title', { hasText: focused.name }).waitFor();
    await expect(page.locator('#conversation-title').textContent()).resolves.toBe(focused.name);
    await expect(page.locator('#conversation-phone').textContent()).resolves.toBe(`+${focused.phone}`);
    await expect(page.locator('#conversation-username').isHidden()).resolves.toBe(true);
    await expect(listButton(page, focused.id).getAttribute('aria-current')).resolves.toBe('true');
    expect(problems).toEqual([]);
  });

  it('counts the messages each student sent since the agent last had the conversation open, across a reload', async () => {
    const { stack, browser } = setup;
    const [ada] = setup.agents as [TestAgent];
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, ada.token);
    const kemi = await askForSupport(stack, 'Kemi Bello');
    const tunde = await askForSupport(stack, 'Tunde Ojo');
    // hello and support: two each, in the Waiting view and the list alike.
    for (const phone of [kemi.id, tunde.id]) {
      await queueButton(page, phone).locator('.unread', { hasText: '2' }).waitFor();
      await listButton(page, phone).locator('.unread', { hasText: '2' }).waitFor();
    }

    // Opening a conversation clears its count; what the student writes while it is open is read.
    await queueButton(page, tunde.id).click();
    await page.locator('#conversation-title', { hasText: 'Tunde Ojo' }).waitFor();
    await queueButton(page, tunde.id).locator('.unread').waitFor({ state: 'detached' });
    await expect(listButton(page, tunde.id).locator('.unread').count()).resolves.toBe(0);
    await tunde.say('I am reading along');
    await kemi.say('are you there?');
    await kemi.say('hello?');
    await page.locator('#messages > li', { hasText: 'I am reading along' }).waitFor();
    await listButton(page, kemi.id).locator('.unread', { hasText: '4' }).waitFor();
    await expect(listButton(page, tunde.id).locator('.unread').count()).resolves.toBe(0);
    await screenshot(page, 'console-unread');

    // A reload keeps the counts; a message written while the tab was on another page is counted on
    // its return, as the stream resumes after the last event it handled.
    await page.reload();
    await page.locator('#live.live-ok').waitFor();
    await listButton(page, kemi.id).locator('.unread', { hasText: '4' }).waitFor();
    await expect(listButton(page, tunde.id).locator('.unread').count()).resolves.toBe(0);
    await page.goto('about:blank');
    await kemi.say('one more thing');
    await page.goto(`${stack.baseUrl}/console`);
    await page.locator('#live.live-ok').waitFor();
    await listButton(page, kemi.id).locator('.unread', { hasText: '5' }).waitFor();
    await expect(queueButton(page, kemi.id).locator('.unread').textContent()).resolves.toBe('5');

    await listButton(page, kemi.id).click();
    await page.locator('#messages > li', { hasText: 'one more thing' }).waitFor();
    await expect(listButton(page, kemi.id).locator('.unread').count()).resolves.toBe(0);
    await page.reload();
    await page.locator('#live.live-ok').waitFor();
    await listButton(page, kemi.id).waitFor();
    await expect(listButton(page, kemi.id).locator('.unread').count()).resolves.toBe(0);
    await expect(listButton(page, tunde.id).locator('.unread').count()).resolves.toBe(0);
    expect(problems).toEqual([]);
  });
});
