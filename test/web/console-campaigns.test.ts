import type { Page } from 'playwright-core';
import { TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { loadTemplates } from '../helpers/templates';
import { waitFor } from '../helpers/wait';
import { openPage, screenshot, signIn } from './browser';
import { listButton, pageWidth, type TestAgent, useConsoleStack } from './console-helpers';

// The Campaigns view in Chromium against the real stack (campaign workflow, Postgres, the Graph fake):
// admins only; a campaign made in the form, previewed (count and rendered sample) before it can
// start, then followed live to the end with its funnel; a scheduled one paused, resumed and
// cancelled from the keyboard; nothing wider than a 360 px screen. And a student's opt-out (STOP) as
// the conversation's header shows it, live.

const WABA = '102000000000009';
const CLASS = 'JSS 3C';

const setup = useConsoleStack(['Funmi'], { WHATSAPP_BUSINESS_ACCOUNT_ID: WABA });

/** A student registered in CLASS. */
async function student(name: string): Promise<TestUser> {
  const user = new TestUser(setup.stack, newPhone(), name);
  await user.say('Hi');
  await user.tap('register');
  await user.say(name);
  await user.say(`${name.split(' ')[0]!.toLowerCase()}@example.com`);
  await user.say(CLASS);
  return user;
}

let students: TestUser[];

beforeAll(async () => {
  await loadTemplates(setup.stack);
  students = [await student('Chiamaka Obi'), await student('Tunde Bakare'), await student('Ngozi Eze')];
  // Ngozi wrote STOP: no campaign reaches her.
  await students[2]!.say('STOP');
});

async function signInAsAdmin(page: Page): Promise<void> {
  await signIn(page, setup.stack.baseUrl, setup.stack.config.adminToken);
  await page.getByRole('button', { name: 'Campaigns' }).click();
  await page.locator('#campaigns-heading').waitFor();
}

/** Fills the form for homework_reminder to CLASS: {{1}} the first name, {{2}} a constant. */
async function fillForm(page: Page, name: string, startAt?: string): Promise<void> {
  await page.getByRole('button', { name: 'New campaign' }).click();
  const form = page.locator('#campaign-form');
  await form.getByLabel('Name', { exact: true }).fill(name);
  const template = form.getByLabel('Template', { exact: true });
  await template.locator('option', { hasText: 'homework_reminder' }).waitFor({ state: 'attached' });
  await template.selectOption({ label: 'homework_reminder (en, utility)' });
  await form.getByLabel('Value of {{1}}').selectOption({ label: 'First name' });
  await form.getByLabel('Value of {{2}}').selectOption({ label: 'Constant…' });
  await form.getByLabel('Constant for {{2}}').fill('Mathematics');
  await form.getByLabel('Class', { exact: true }).fill(CLASS);
  if (startAt !== undefined) await form.getByLabel('Start at').fill(startAt);
}

describe('the Campaigns view', () => {
  it("shows a student's opt-out in the conversation, and its end live when they write START", async () => {
    const [funmi] = setup.agents as [TestAgent];
    const { page, problems } = await openPage(setup.browser);
    await signIn(page, setup.stack.baseUrl, funmi.token);
    const ngozi = students[2]!;
    await listButton(page, await ngozi.contact()).click();
    const optOut = page.locator('#conversation-opt-out');
    await optOut.filter({ hasText: /^Opted out of campaigns since \S/ }).waitFor();
    const other = new TestUser(setup.stack, newPhone(), 'Emeka Nwosu');
    await other.say('Hi');
    await listButton(page, await other.contact()).click();
    await page.locator('#conversation-title', { hasText: 'Emeka Nwosu' }).waitFor();
    expect(await optOut.isHidden()).toBe(true);

    // Back to Ngozi, who writes START and then STOP again (for the campaigns below): the line follows.
    await listButton(page, await ngozi.contact()).click();
    await optOut.filter({ hasText: 'Opted out of campaigns since' }).waitFor();
    await ngozi.say('START');
    await optOut.waitFor({ state: 'hidden' });
    await ngozi.say('STOP');
    await optOut.filter({ hasText: 'Opted out of campaigns since' }).waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('is not offered to agents', async () => {
    const [funmi] = setup.agents as [TestAgent];
    const { page, problems } = await openPage(setup.browser);
    await signIn(page, setup.stack.baseUrl, funmi.token);
    await page.locator('#availability').waitFor();
    expect(await page.getByRole('button', { name: 'Reports' }).isVisible()).toBe(true);
    expect(await page.locator('[data-view="campaigns-view"]').isVisible()).toBe(false);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('previews a campaign before it can start, then shows it live to the end with its funnel', async () => {
    const { page, problems } = await openPage(setup.browser);
    await signInAsAdmin(page);
    await fillForm(page, 'Maths reminder');
    const start = page.getByRole('button', { name: 'Start campaign' });
    expect(await start.isDisabled()).toBe(true);

    await page.getByRole('button', { name: 'Preview' }).click();
    const preview = page.locator('#campaign-preview-result');
    await preview.locator('.campaign-recipients', { hasText: '2 students' }).waitFor();
    await expect(preview.locator('.campaign-sample').textContent()).resolves.toMatch(
      /^Homework reminder\n\nHello (Chiamaka|Tunde), your Mathematics homework is due soon\./,
    );
    expect(await start.isDisabled()).toBe(false);
    // A change after the preview asks for a new one.
    await page.locator('#campaign-form').getByLabel('Constant for {{2}}').fill('Physics');
    expect(await start.isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Preview' }).click();
    await preview.locator('.campaign-sample', { hasText: 'your Physics homework' }).waitFor();
    await start.click();

    const detail = page.locator('#campaign-detail');
    await detail.locator('h3', { hasText: 'Maths reminder' }).waitFor();
    await detail.locator('#campaign-detail-status', { hasText: 'done' }).waitFor({ timeout: 30_000 });
    await detail.locator('.campaign-progress-text', { hasText: '2 of 2 done' }).waitFor();
    const sent = detail.locator('.funnel-step[data-step="sent"] .funnel-count');
    await expect(sent.textContent()).resolves.toBe('2');
    await expect(detail.locator('.funnel-step[data-step="queued"] .funnel-count').textContent()).resolves.toBe('2');
    await expect(detail.locator('.campaign-failures').textContent()).resolves.toContain('None.');
    // The list shows it with its status and progress.
    const item = page.locator('#campaign-list .campaign-item', { hasText: 'Maths reminder' });
    await item.locator('.campaign-status', { hasText: 'done' }).waitFor();
    const bar = item.locator('progress');
    expect([await bar.getAttribute('value'), await bar.getAttribute('max')]).toEqual(['2', '2']);

    // Each student of the class got it once, by name; the one who wrote STOP got nothing.
    const reminders = (user: TestUser) => user.sends().filter((s) => s.type === 'template');
    await waitFor(async () => reminders(students[0]!).length === 1 && reminders(students[1]!).length === 1, 'sends');
    expect(reminders(students[0]!)[0]!.content).toMatchObject({ rendered: expect.stringContaining('Hello Chiamaka') });
    expect(reminders(students[2]!)).toEqual([]);

    await screenshot(page, 'console-campaigns');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('pauses, resumes and cancels a scheduled campaign from the keyboard, and fits a 360 px screen', async () => {
    const { page, problems } = await openPage(setup.browser);
    await page.setViewportSize({ width: 360, height: 740 });
    await signInAsAdmin(page);
    // Tomorrow at 09:00, local time, as the datetime-local field takes it.
    const tomorrow = new Date(Date.now() + 24 * 3600 * 1000);
    const local = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}T09:00`;
    await fillForm(page, 'Physics reminder', local);
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#campaign-preview-result .campaign-recipients', { hasText: '2 students' }).waitFor();
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    await page.getByRole('button', { name: 'Start campaign' }).focus();
    await page.keyboard.press('Enter');

    const detail = page.locator('#campaign-detail');
    const status = detail.locator('#campaign-detail-status');
    await status.filter({ hasText: 'scheduled' }).waitFor();
    await detail.getByRole('button', { name: 'Pause' }).focus();
    await page.keyboard.press('Enter');
    await status.filter({ hasText: 'paused' }).waitFor();
    await detail.locator('.campaign-result', { hasText: 'Now paused.' }).waitFor();
    // Focus moved to the first button the new status offers: Resume.
    await expect(page.evaluate<string | undefined>('document.activeElement?.textContent')).resolves.toBe('Resume');
    await page.keyboard.press('Enter');
    await status.filter({ hasText: 'scheduled' }).waitFor();

    await detail.getByRole('button', { name: 'Cancel campaign' }).focus();
    await page.keyboard.press('Enter');
    // Asked once more, in the page; the answer has the focus.
    await expect(page.evaluate<string | undefined>('document.activeElement?.id')).resolves.toBe(
      'campaign-cancel-confirm',
    );
    await page.keyboard.press('Enter');
    await status.filter({ hasText: 'cancelled' }).waitFor();
    await detail.locator('.campaign-progress-text', { hasText: '0 of 2 done' }).waitFor();
    expect(await detail.getByRole('button', { name: 'Pause' }).count()).toBe(0);
    expect(await pageWidth(page)).toBeLessThanOrEqual(360);
    await screenshot(page, 'console-campaigns-narrow');
    // Signed out, nothing of the campaigns stays on the page.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#login-view').waitFor();
    expect(await page.locator('#campaign-list li').count()).toBe(0);
    expect(await page.locator('#campaign-detail').isHidden()).toBe(true);
    // Nobody got the cancelled campaign.
    for (const user of students)
      expect(user.sends().filter((s) => s.type === 'template')).toHaveLength(user === students[2] ? 0 : 1);
    expect(problems).toEqual([]);
    await page.close();
  });
});
