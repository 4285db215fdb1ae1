import { openPage, screenshot, signIn } from './browser';
import {
  askForSupport,
  listButton,
  pageWidth,
  queueButton,
  smallButtons,
  type TestAgent,
  useConsoleStack,
} from './console-helpers';

// The console on a phone-sized screen (360×740) in Chromium against the real stack: the list and the
// conversation take turns, nothing is wider than the screen, and every button is big enough to tap.

const setup = useConsoleStack(['Ada']);

describe('the console at 360 px wide', () => {
  it('walks from the Waiting view to a conversation and back without anything overflowing', async () => {
    const { stack, browser } = setup;
    const [ada] = setup.agents as [TestAgent];
    const { page, problems } = await openPage(browser);
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, stack.baseUrl, ada.token);
    const student = await askForSupport(stack, 'Oluwaseun Adebayo-Williams');
    // A long unbroken line must wrap, not widen the page.
    await student.say('https://example.com/' + 'x'.repeat(180));

    const item = queueButton(page, student.id);
    await item.waitFor();
    expect(await page.locator('#conversation').isVisible()).toBe(false);
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    expect(await smallButtons(page)).toEqual([]);
    await screenshot(page, 'console-narrow-queue');

    await item.click();
    await page.locator('#messages > li', { hasText: 'x'.repeat(180) }).waitFor();
    expect(await page.locator('.sidebar').isVisible()).toBe(false);
    expect(await page.getByRole('button', { name: 'Take chat' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Send' }).isVisible()).toBe(true);
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    expect(await smallButtons(page)).toEqual([]);
    await page.getByRole('button', { name: 'Take chat' }).click();
    await page.locator('#conversation-holder', { hasText: 'You hold this chat.' }).waitFor();
    await page.locator('#message').fill('Hello Oluwaseun, how can I help?');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('#command-result', { hasText: '✓ Message sent' }).waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    await screenshot(page, 'console-narrow-conversation');

    // Back: the list again, the focus on the conversation just left, which no longer waits.
    await page.locator(`#queue-list li[data-contact-id="${student.id}"]`).waitFor({ state: 'detached' });
    await page.getByRole('button', { name: '← Back' }).click();
    await page.locator('#queue-empty').waitFor();
    expect(await page.locator('#conversation').isVisible()).toBe(false);
    const left = listButton(page, student.id);
    await expect(left.evaluate((button) => button === button.ownerDocument.activeElement)).resolves.toBe(true);
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    expect(await smallButtons(page)).toEqual([]);

    // On a wide screen both are side by side and there is no Back.
    await page.setViewportSize({ width: 1366, height: 768 });
    await left.click();
    await page.locator('#conversation-title', { hasText: 'Oluwaseun' }).waitFor();
    expect(await page.locator('.sidebar').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: '← Back' }).isVisible()).toBe(false);
    expect(problems).toEqual([]);
  });
});
