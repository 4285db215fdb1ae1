import { newWamid, newPhone, webhookBody } from '../helpers/fixtures';
import { openPage, screenshot, signIn } from './browser';
import { useConsoleStack } from './console-helpers';
import { WebStudent } from './student';

// Students as contacts in the console: a username user whose number WhatsApp hides is shown by the
// username and "number hidden", found by the username, and keyed like everyone by the contact id, which
// also names the conversation's workflow in the Temporal Web UI. WhatsApp's notice that a student
// changed their number is a notice in the history, without the numbers.

const setup = useConsoleStack(['Ada']);

/** WhatsApp's `user_changed_number` system message (no contacts array), from the old number. */
function changedNumberWebhook(oldPhone: string, newPhone: string): string {
  return webhookBody([
    {
      value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550001111', phone_number_id: '106000000000001' },
        messages: [
          {
            from: oldPhone,
            id: newWamid(),
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: 'system',
            system: {
              body: `User Bola Ade changed from ${oldPhone} to ${newPhone}`,
              wa_id: newPhone,
              user_id: 'US.58213409917736420155',
              type: 'user_changed_number',
            },
          },
        ],
      },
      field: 'messages',
    },
  ]);
}

describe('contacts in the console', () => {
  it('shows a username student by the username and "number hidden", finds them, and links the workflow', async () => {
    const { stack } = setup;
    const hidden = WebStudent.withUsername(stack, 'zainab.writes', 'Zainab Bello');
    await hidden.say('hello');
    const visible = new WebStudent(stack, newPhone(), 'Kunle Ojo');
    await visible.say('hello');

    const { page, problems } = await openPage(setup.browser);
    await signIn(page, stack.baseUrl, setup.agents[0]!.token);
    const hiddenItem = page.locator(`#conversation-list button[data-contact-id="${hidden.id}"]`);
    await hiddenItem.waitFor();
    await expect(hiddenItem.locator('.item-username').textContent()).resolves.toBe('@zainab.writes');
    await expect(hiddenItem.locator('.phone-hidden').textContent()).resolves.toBe('number hidden');
    // Nothing of the BSUID reaches the page: it is an address, not a name.
    await expect(hiddenItem.textContent()).resolves.not.toContain(hidden.bsuid!);
    const visibleItem = page.locator(`#conversation-list button[data-contact-id="${visible.id}"]`);
    await expect(visibleItem.locator('.item-phone').textContent()).resolves.toBe(`+${visible.phone}`);

    // The header: the username, "number hidden", and the workflow in the Temporal Web UI.
    await hiddenItem.click();
    await page.locator('#conversation-title', { hasText: 'Zainab Bello' }).waitFor();
    await expect(page.locator('#conversation-username').textContent()).resolves.toBe('@zainab.writes');
    await expect(page.locator('#conversation-phone').textContent()).resolves.toBe('number hidden');
    const link = page.getByRole('link', { name: 'Open in Temporal' });
    await expect(link.getAttribute('href')).resolves.toBe(
      `http://localhost:8233/namespaces/default/workflows/conversation-${hidden.id}`,
    );
    await expect(link.getAttribute('target')).resolves.toBe('_blank');
    await expect(link.getAttribute('rel')).resolves.toBe('noopener noreferrer');
    await page.locator('#messages .message-bot', { hasText: 'Welcome to EduBot' }).waitFor();
    await screenshot(page, 'console-username');

    // The other student's header has their phone and their own workflow.
    await visibleItem.click();
    await page.locator('#conversation-phone', { hasText: `+${visible.phone}` }).waitFor();
    await expect(page.locator('#conversation-username').isHidden()).resolves.toBe(true);
    await expect(link.getAttribute('href')).resolves.toBe(
      `http://localhost:8233/namespaces/default/workflows/conversation-${visible.id}`,
    );

    // Search finds the username user by the username (the server searches), and opens them.
    await page.locator('#search').fill('@zainab');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const hit = page.locator(`#search-list button[data-hit-contact-id="${hidden.id}"]`).first();
    await hit.waitFor();
    await expect(hit.locator('.item-username').textContent()).resolves.toBe('@zainab.writes');
    await expect(hit.locator('.phone-hidden').textContent()).resolves.toBe('number hidden');
    await hit.click();
    await page.locator('#conversation-username', { hasText: '@zainab.writes' }).waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows a change of number as a notice in the history, without the numbers', async () => {
    const { stack } = setup;
    const student = new WebStudent(stack, newPhone(), 'Bola Ade');
    await student.say('hello');
    const { page, problems } = await openPage(setup.browser);
    await signIn(page, stack.baseUrl, setup.agents[0]!.token);
    await page.locator(`#conversation-list button[data-contact-id="${student.id}"]`).click();
    await page.locator('#messages .message-bot', { hasText: 'Welcome to EduBot' }).waitFor();

    const next = newPhone();
    expect((await stack.postWebhook(changedNumberWebhook(student.phone!, next))).status).toBe(200);
    const notice = page.locator('#messages > li.message-system');
    await notice.waitFor({ timeout: 15_000 });
    await expect(notice.textContent()).resolves.toContain('The student changed their number');
    const text = (await page.locator('#messages').textContent()) ?? '';
    expect(text).not.toContain(student.phone!);
    expect(text).not.toContain(next);
    // The conversation is the same contact, now shown with the new number.
    await page.locator('#conversation-phone', { hasText: `+${next}` }).waitFor({ timeout: 10_000 });
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
