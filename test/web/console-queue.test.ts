import type { Browser, Page } from 'playwright-core';
import { AdminClient } from '../helpers/admin-client';
import { textOf } from '../helpers/conversation';
import { WebStudent } from './student';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { launchBrowser, openPage, screenshot, signIn } from './browser';

// Two agents in two browsers against the real stack: the chat a student asks for appears in both
// Waiting views live; one takes it, the other sees who holds it and is refused as the API words it;
// an admin hands it over; the student's WhatsApp (the Graph fake) shows both agents by name.

let stack: TestStack;
let browser: Browser;
const tokens: Record<'ada' | 'bo', string> = { ada: '', bo: '' };
let bo: AdminClient;

beforeAll(async () => {
  [stack, browser] = await Promise.all([startTestStack(), launchBrowser()]);
  const admin = new AdminClient(stack, stack.config.adminToken);
  for (const [key, name] of [
    ['ada', 'Ada'],
    ['bo', 'Bo'],
  ] as const) {
    const created = await admin.request('POST', '/api/admin/tokens', { name, role: 'agent' });
    tokens[key] = created.body.token;
    if (key === 'bo') bo = new AdminClient(stack, created.body.token, created.body.agentId);
  }
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const waitingItem = (page: Page, phone: string) => page.locator(`#queue-list li[data-contact-id="${phone}"]`);

describe('the Waiting view and who holds a chat', () => {
  it('shows a waiting chat to both agents live, lets one take it, refuses the other, and hands it over', async () => {
    const [{ page: ada, problems: adaProblems }, { page: boPage, problems: boProblems }] = await Promise.all([
      openPage(browser),
      openPage(browser),
    ]);
    await Promise.all([signIn(ada, stack.baseUrl, tokens.ada), signIn(boPage, stack.baseUrl, tokens.bo)]);

    const student = new WebStudent(stack, newPhone(), 'Howard Smith');
    await student.say('hello');
    await student.say('support');
    // Both Waiting views show it without a reload, held by nobody, the wait ticking.
    for (const page of [ada, boPage]) {
      const item = waitingItem(page, student.id);
      await item.waitFor({ timeout: 10_000 });
      await expect(item.locator('.item-holder').textContent()).resolves.toBe('nobody');
      await item.locator('.item-wait', { hasText: /waiting \d+ s/ }).waitFor();
    }
    await screenshot(ada, 'console-queue');

    // Ada takes it; Bo's console shows it held by Ada, live, and greys his composer out.
    await waitingItem(ada, student.id).locator('button').click();
    await ada.getByRole('button', { name: 'Take chat' }).click();
    await ada.locator('#conversation-holder', { hasText: 'You hold this chat.' }).waitFor();
    await waitingItem(boPage, student.id).locator('.item-holder', { hasText: 'Ada' }).waitFor();
    await waitingItem(boPage, student.id).locator('button').click();
    await boPage.locator('#conversation-holder', { hasText: 'Held by Ada' }).waitFor();
    expect(await boPage.locator('#message').isDisabled()).toBe(true);
    // Trying to take it anyway is refused as the API words it.
    await boPage.getByRole('button', { name: 'Take chat' }).click();
    await boPage.locator('#command-result', { hasText: 'HTTP 409 held_by_other: The chat is held by Ada.' }).waitFor();

    // Ada answers: the chat leaves both Waiting views.
    await ada.locator('#message').fill('Hi Howard, Ada here');
    await ada.getByRole('button', { name: 'Send' }).click();
    await ada.locator('#command-result', { hasText: '✓ Message sent' }).waitFor();
    for (const page of [ada, boPage]) await waitingItem(page, student.id).waitFor({ state: 'detached' });

    // An admin hands the chat to Bo: his composer opens, live, and he answers.
    const admin = new AdminClient(stack, stack.config.adminToken);
    const handed = await admin.request('POST', `/api/admin/conversations/${student.id}/assign`, {
      agentId: bo.agentId,
    });
    expect(handed.status).toBe(200);
    await boPage.locator('#conversation-holder', { hasText: 'You hold this chat.' }).waitFor();
    await ada.locator('#conversation-holder', { hasText: 'Held by Bo' }).waitFor();
    expect(await boPage.locator('#message').isDisabled()).toBe(false);
    await boPage.locator('#message').fill('Bo taking over, Howard');
    await boPage.getByRole('button', { name: 'Send' }).click();
    await boPage.locator('#command-result', { hasText: '✓ Message sent' }).waitFor();

    const agentLines = student
      .sends()
      .map(textOf)
      .filter((text) => text.includes('(Support Team)'));
    expect(agentLines).toEqual([
      '🎧 Ada (Support Team): Hi Howard, Ada here',
      '🎧 Bo (Support Team): Bo taking over, Howard',
    ]);
    expect([...adaProblems, ...boProblems]).toEqual([]);
  });
});
