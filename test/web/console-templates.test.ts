import type { Page } from 'playwright-core';
import { silentLogger } from '../../src/logger';
import { createTemplateCatalogue } from '../../src/templates/catalogue';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { TEST_ACCESS_TOKEN } from '../helpers/stack';
import { WebStudent } from './student';
import { newPhone } from '../helpers/fixtures';
import { openPage, screenshot, signIn } from './browser';
import { pageWidth, smallButtons, type TestAgent, useConsoleStack } from './console-helpers';

// WhatsApp's 24-hour window in the console, in Chromium against the real stack: the window line, free
// text blocked once it has closed, the approved templates offered instead and sent from their form to
// the Graph API fake, the window opening again live when the student writes; and the read receipts
// and typing indicator the console sends while an agent works in a chat.

const WABA = '102000000000009';

const setup = useConsoleStack(['Funmi'], { WHATSAPP_BUSINESS_ACCOUNT_ID: WABA });

// The catalogue as the server keeps it: listed from the Graph fake's business account.
beforeAll(async () => {
  const { stack } = setup;
  await createTemplateCatalogue({
    db: stack.db,
    whatsapp: createGraphClient({ baseUrl: stack.fake.baseUrl, accessToken: TEST_ACCESS_TOKEN, phoneNumberId: '1' }),
    businessAccountId: stack.config.templates.businessAccountId,
    refreshIntervalMs: 60_000,
    logger: silentLogger,
  }).refresh();
});

/** A student whose only message is 25 hours old, as WhatsApp would date it. */
async function studentFromYesterday(name: string): Promise<WebStudent> {
  const student = new WebStudent(setup.stack, newPhone(), name);
  (student as unknown as { seconds: number }).seconds = Math.floor(Date.now() / 1000) - 25 * 3600;
  await student.say('hello from yesterday');
  return student;
}

/** The same person writing now. */
function sameStudentNow(student: WebStudent): WebStudent {
  return new WebStudent(setup.stack, student.phone, student.name);
}

async function openConversation(page: Page, phone: string, text: string): Promise<void> {
  await page.locator(`#conversation-list button[data-contact-id="${phone}"]`).click();
  await page.locator('#messages > li', { hasText: text }).waitFor();
}

describe("WhatsApp's window in the console", () => {
  it('blocks free text once the window has closed, offers templates, and sends one from its form', async () => {
    const { stack, browser } = setup;
    const [funmi] = setup.agents as [TestAgent];
    const student = await studentFromYesterday('Yemi Bello');
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, funmi.token);
    await openConversation(page, student.id, 'hello from yesterday');

    await page.locator('#conversation-window', { hasText: /^Window closed 1 h 0\d min ago$/ }).waitFor();
    const blocked = page.locator('#composer-blocked');
    await expect(blocked.textContent()).resolves.toContain('24-hour window is closed');
    expect(await blocked.isVisible()).toBe(true);
    expect(await page.locator('#message').isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Send', exact: true }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Start chat' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Attach file' }).isDisabled()).toBe(true);
    // A file dropped anyway is not uploaded, and the agent is told why.
    const dataTransfer = await page.evaluateHandle(`(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['%PDF-1.4'], 'late.pdf', { type: 'application/pdf' }));
      return transfer;
    })()`);
    await page.locator('#conversation').dispatchEvent('dragover', { dataTransfer });
    expect(await page.locator('#conversation.dropping').count()).toBe(0);
    await page.locator('#conversation').dispatchEvent('drop', { dataTransfer });
    await page
      .locator('#command-result.result-error', { hasText: 'File not attached — WhatsApp’s window is closed' })
      .waitFor();
    expect(await page.locator('#attachment').isVisible()).toBe(false);

    // The templates are offered, open, without asking.
    const box = page.locator('#template-box');
    await page.locator('#template-box[open]').waitFor();
    const picker = box.getByLabel('Template');
    await picker.locator('option', { hasText: 'homework_reminder' }).waitFor({ state: 'attached' });
    const options = await picker.locator('option').allTextContents();
    expect(options[0]).toBe('Choose a template…');
    await picker.selectOption({ label: options.find((o) => o.startsWith('homework_reminder'))! });

    // One field per parameter, and a preview that fills in as the agent types.
    const fields = box.locator('#template-fields input');
    expect(await fields.count()).toBe(2);
    await expect(box.getByLabel('Body {{1}}').getAttribute('placeholder')).resolves.toBe('e.g. Ada');
    const preview = box.locator('#template-preview');
    expect(await preview.locator('.template-missing').count()).toBe(await fields.count());
    const values = ['Yemi', 'Mathematics'] as const;
    await fields.nth(0).fill(values[0]);
    expect(await preview.locator('.template-missing').count()).toBe(1);
    await fields.nth(1).fill(values[1]);
    expect(await preview.locator('.template-missing').count()).toBe(0);
    await expect(preview.locator('.template-text').textContent()).resolves.toBe(
      'Hello Yemi, your Mathematics homework is due soon. Send it to EduBot whenever you are ready.',
    );
    await expect(preview.locator('.template-header').textContent()).resolves.toBe('Homework reminder');
    await box.getByRole('button', { name: 'Send template' }).scrollIntoViewIfNeeded();
    await screenshot(page, 'console-templates');

    const before = student.sends().length;
    // A plain Enter in a field sends nothing; the button (or Ctrl+Enter) does.
    await fields.nth(1).press('Enter');
    await expect(box.locator('#template-result').textContent()).resolves.toBe('');
    await box.getByRole('button', { name: 'Send template' }).click();
    await box.locator('#template-result.result-ok', { hasText: 'homework_reminder sent' }).waitFor();
    const sends = student.sends().slice(before);
    expect(sends).toHaveLength(1);
    expect(sends[0]!.type).toBe('template');
    expect(sends[0]!.content).toMatchObject({ kind: 'template', name: 'homework_reminder' });
    expect(sends[0]!.content.kind === 'template' && sends[0]!.content.rendered).toContain(
      'Hello Yemi, your Mathematics homework is due soon.',
    );
    // Stored with its rendered text, in the history, live.
    await page
      .locator('#messages > li', { hasText: 'Hello Yemi, your Mathematics homework' })
      .waitFor({ timeout: 10_000 });
    // The fields are cleared for the next one.
    await expect(fields.first().inputValue()).resolves.toBe('');

    // A refusal is shown as the API words it, and nothing reaches WhatsApp.
    await box.getByRole('button', { name: 'Send template' }).click();
    await box.locator('#template-result.result-error', { hasText: 'HTTP 400 invalid_parameters' }).waitFor();
    expect(student.sends().length).toBe(before + 1);

    // The student answers: the window opens again while the page is open, and the composer comes back.
    await sameStudentNow(student).say('Thanks, I will be there');
    await page.locator('#conversation-window', { hasText: /^Window open until / }).waitFor({ timeout: 10_000 });
    expect(await blocked.isVisible()).toBe(false);
    expect(await page.locator('#message').isDisabled()).toBe(false);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('shows an open window with its end, and offers templates without forcing them', async () => {
    const { stack, browser } = setup;
    const [funmi] = setup.agents as [TestAgent];
    const student = new WebStudent(stack, newPhone(), 'Segun Ola');
    await student.say('hello');
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, funmi.token);
    await openConversation(page, student.id, 'hello');

    await page.locator('#conversation-window', { hasText: /^Window open until .+ \(2[34] h left\)$/ }).waitFor();
    expect(await page.locator('#composer-blocked').isVisible()).toBe(false);
    expect(await page.locator('#message').isDisabled()).toBe(false);
    expect(await page.locator('#template-box[open]').count()).toBe(0);
    await page.locator('#template-box summary').click();
    await page.locator('#template-select option', { hasText: 'support_follow_up (es' }).waitFor({ state: 'attached' });
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('the window closing while the agent looks', () => {
  it('ticks to closed on time and blocks free text at that moment', async () => {
    const { stack, browser } = setup;
    const [funmi] = setup.agents as [TestAgent];
    // The student's message is dated so that the window closes about 12 s from now.
    const student = new WebStudent(stack, newPhone(), 'Ada Nwosu');
    (student as unknown as { seconds: number }).seconds = Math.floor(Date.now() / 1000) - 24 * 3600 + 11;
    await student.say('last words before the deadline');
    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, funmi.token);
    await openConversation(page, student.id, 'last words before the deadline');

    const line = (text: RegExp) => page.locator('#conversation-window', { hasText: text });
    await line(/^Window open until .+ \(\d+ s left\)$/).waitFor();
    expect(await page.locator('#message').isDisabled()).toBe(false);
    await line(/^Window closed \d+ s ago$/).waitFor({ timeout: 20_000 });
    expect(await page.locator('#message').isDisabled()).toBe(true);
    expect(await page.locator('#composer-blocked').isVisible()).toBe(true);
    await page.locator('#template-box[open]').waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('templates at 360 px wide', () => {
  it('fit a phone-sized screen with the form open, every button big enough to tap', async () => {
    const { stack, browser } = setup;
    const [funmi] = setup.agents as [TestAgent];
    const student = await studentFromYesterday('Oluwaseun Adebayo-Williams');
    const { page, problems } = await openPage(browser);
    await page.setViewportSize({ width: 360, height: 740 });
    await signIn(page, stack.baseUrl, funmi.token);
    await page.locator(`#conversation-list button[data-contact-id="${student.id}"]`).click();
    await page.locator('#template-box[open]').waitFor();
    await page.locator('#template-select option', { hasText: 'payment_reminder' }).waitFor({ state: 'attached' });
    const options = await page.locator('#template-select option').allTextContents();
    await page
      .locator('#template-select')
      .selectOption({ label: options.find((o) => o.startsWith('payment_reminder'))! });
    await page.getByLabel('Header {{1}}').fill('EduBot Monthly');
    await page.getByLabel('Body {{1}}').fill('Oluwaseun');
    await page.getByRole('button', { name: 'Send template' }).scrollIntoViewIfNeeded();
    expect(await page.getByRole('button', { name: 'Send template' }).isVisible()).toBe(true);
    expect(await page.locator('#messages').evaluate((list) => list.getBoundingClientRect().height)).toBeGreaterThan(
      100,
    );
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    expect(await smallButtons(page)).toEqual([]);
    await screenshot(page, 'console-narrow-templates');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});

describe('read receipts and typing', () => {
  it("marks the student's messages read when the conversation opens, and says the agent is typing", async () => {
    const { stack, browser } = setup;
    const [funmi] = setup.agents as [TestAgent];
    const student = new WebStudent(stack, newPhone(), 'Tobi Ade');
    await student.say('hello');
    await student.say('support');
    // A message in the chat that the bot does not answer, so nothing but the console marks it read.
    await student.say('Can you help with fractions?');
    await student.say('I am stuck on question 2');
    const last = (await student.history()).filter((m) => m.direction === 'inbound').pop()!.waMessageId!;
    expect(stack.fake.reads).not.toContain(last);

    const { page, problems } = await openPage(browser);
    await signIn(page, stack.baseUrl, funmi.token);
    await openConversation(page, student.id, 'stuck on question 2');
    await stack.fake.waitFor(() => stack.fake.reads.includes(last), 10_000, 'the read receipt');

    // A message that arrives while the agent looks at the conversation is marked read as it comes in.
    await student.say('Hello?');
    const next = (await student.history()).filter((m) => m.direction === 'inbound').pop()!.waMessageId!;
    await page.locator('#messages > li', { hasText: 'Hello?' }).waitFor({ timeout: 10_000 });
    await stack.fake.waitFor(() => stack.fake.reads.includes(next), 10_000, 'the read receipt of the new message');

    // Typing tells WhatsApp once, however many keys are pressed within the interval.
    const typingBefore = stack.fake.typingIndicators.length;
    await page.locator('#message').pressSequentially('Let me check', { delay: 20 });
    await stack.fake.waitFor(() => stack.fake.typingIndicators.length > typingBefore, 10_000, 'the typing indicator');
    await page.locator('#message').pressSequentially(' that for you', { delay: 20 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stack.fake.typingIndicators.length).toBe(typingBefore + 1);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
