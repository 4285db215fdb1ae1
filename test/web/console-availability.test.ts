import type { Page } from 'playwright-core';
import { openPage, screenshot, signIn } from './browser';
import { askForSupport, type TestAgent, useConsoleStack } from './console-helpers';

// Available or away, from the console's header, with automatic assignment on (CHAT_AUTO_ASSIGN=
// round_robin) in Chromium against the real stack: an away agent gets no chat; becoming available
// takes up the one that waited; going away again leaves the next one waiting.

const setup = useConsoleStack(['Ada'], { CHAT_AUTO_ASSIGN: 'round_robin' });

const holderBadge = (page: Page, phone: string) =>
  page.locator(`#queue-list li[data-contact-id="${phone}"] .item-holder`);

async function availableOnServer(agent: TestAgent): Promise<boolean> {
  const { status, body } = await agent.client.request('GET', '/api/admin/me');
  expect(status).toBe(200);
  return body.agent.available;
}

describe('available or away', () => {
  it('shows the agent as away, makes them available (taking up a waiting chat) and away again', async () => {
    const { stack, browser } = setup;
    const [ada] = setup.agents as [TestAgent];
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, ada.token);
    const toggle = page.locator('#availability');
    await toggle.filter({ hasText: 'Away' }).waitFor();

    // Nobody is available: the chat waits for somebody.
    const first = await askForSupport(stack, 'Femi Lawal');
    await holderBadge(page, first.id).filter({ hasText: 'nobody' }).waitFor();

    await toggle.click();
    await toggle.filter({ hasText: 'Available' }).waitFor();
    expect(await availableOnServer(ada)).toBe(true);
    await holderBadge(page, first.id).filter({ hasText: 'Ada' }).waitFor();
    await screenshot(page, 'console-available');

    // What the header shows comes from the server: a reload says the same.
    await page.reload();
    await page.locator('#live.live-ok').waitFor();
    await toggle.filter({ hasText: 'Available' }).waitFor();

    await toggle.click();
    await toggle.filter({ hasText: 'Away' }).waitFor();
    expect(await availableOnServer(ada)).toBe(false);
    // Ada keeps the chat she holds; the next one waits for somebody.
    const second = await askForSupport(stack, 'Gbenga Musa');
    await holderBadge(page, second.id).filter({ hasText: 'nobody' }).waitFor();
    await expect(holderBadge(page, first.id).textContent()).resolves.toBe('Ada');
    expect(problems).toEqual([]);
  });
});
