import type { Page } from 'playwright-core';
import { openPage, screenshot, signIn } from './browser';
import { askForSupport, type TestAgent, useConsoleStack } from './console-helpers';

// Signing out of the console in Chromium against the real stack, with automatic assignment on
// (CHAT_AUTO_ASSIGN=round_robin): the token is revoked on the server, not only forgotten by the
// browser, and the chat the agent held goes to the other agent available.

const setup = useConsoleStack(['Ada', 'Bola'], { CHAT_AUTO_ASSIGN: 'round_robin' });

const holderBadge = (page: Page, phone: string) =>
  page.locator(`#queue-list li[data-contact-id="${phone}"] .item-holder`);

describe('sign out', () => {
  it('revokes the token it signed in with and hands its chats over, then shows the sign-in form', async () => {
    const { stack, browser } = setup;
    const [ada, bola] = setup.agents as [TestAgent, TestAgent];
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, ada.token);
    const toggle = page.locator('#availability');
    await toggle.filter({ hasText: 'Away' }).waitFor();
    await toggle.click();
    await toggle.filter({ hasText: 'Available' }).waitFor();
    const student = await askForSupport(stack, 'Femi Lawal');
    await holderBadge(page, student.id).filter({ hasText: 'Ada' }).waitFor();
    expect((await bola.client.request('POST', '/api/admin/me/availability', { available: true })).status).toBe(200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#login-error').filter({ hasText: 'The token is revoked' }).waitFor();
    await screenshot(page, 'console-signed-out');
    expect(await page.evaluate<number>('sessionStorage.length')).toBe(0);

    // A copy of the token left anywhere lets nobody in.
    expect((await ada.client.request('GET', '/api/admin/me')).status).toBe(401);
    const conversation = await bola.client.request('GET', `/api/admin/conversations/${student.id}`);
    expect(conversation.body.conversation.openChat.holder).toMatchObject({ name: 'Bola' });
    // One audit row, the request's, under Ada, naming the chat she gave back.
    const { rows } = await stack.db.query(
      "select actor, action, outcome, details->'chatsReturned' as returned from audit_log where actor = 'Ada' and action like 'token.%'",
    );
    expect(rows).toEqual([{ actor: 'Ada', action: 'token.revoke_self', outcome: 'ok', returned: [student.id] }]);
    expect(problems).toEqual([]);
  });
});
