import type { Page } from 'playwright-core';
import { AdminClient } from '../helpers/admin-client';
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

// Business hours and SLAs in two consoles against the real stack: an admin sets the hours in the
// editor, and both headers say closed, and when the team is back, or open, live; a refused change
// shows the API's words; the SLA editor saves targets; the Waiting view and the open chat count a
// chat's first-reply SLA down, amber past the warning share, red once breached; and the dialog fits
// a 360 px screen. The stack runs without BUSINESS_HOURS: always open until the admin saves.

const setup = useConsoleStack(['Ada']);

const DAY_MS = 86_400_000;

const status = (page: Page, text: string | RegExp) => page.locator('#hours-status', { hasText: text });

/** The UTC calendar date `days` from today, and its weekday as the header writes it ("Tue"). */
function utcDay(days: number): { date: string; weekday: string } {
  const at = new Date(Date.now() + days * DAY_MS);
  const weekday = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short' }).format(at);
  return { date: at.toISOString().slice(0, 10), weekday };
}

/** The admin and the agent Ada, each signed in to a console of their own. */
async function adminAndAgent() {
  const { stack, browser } = setup;
  const [ada] = setup.agents as [TestAgent];
  const [{ page: admin, problems: adminProblems }, { page: agent, problems: agentProblems }] = await Promise.all([
    openPage(browser),
    openPage(browser),
  ]);
  await Promise.all([signIn(admin, stack.baseUrl, stack.config.adminToken), signIn(agent, stack.baseUrl, ada.token)]);
  return { admin, agent, adminProblems, agentProblems };
}

describe('business hours and SLAs in the console', () => {
  it('lets an admin set the hours in the editor, and every header says closed or open accordingly, live', async () => {
    const { stack } = setup;
    const { admin, agent, adminProblems, agentProblems } = await adminAndAgent();

    // Always open by default; only the admin is offered the editors.
    for (const page of [admin, agent]) await status(page, /^Open$/).waitFor();
    await admin.locator('#hours-edit').waitFor();
    expect(await agent.locator('#hours-edit').isVisible()).toBe(false);

    // A holiday today, added with the keyboard: closed until midnight UTC, back tomorrow at 00:00.
    await admin.getByRole('button', { name: 'Hours & SLA' }).click();
    const dialog = admin.locator('#hours-dialog');
    await dialog.waitFor();
    expect(await admin.locator('#hours-timezone').inputValue()).toBe('UTC');
    expect(await admin.getByLabel('Monday opens 1').inputValue()).toBe('00:00');
    expect(await admin.getByLabel('Sunday closes 1').inputValue()).toBe('24:00');
    const today = utcDay(0);
    const tomorrow = utcDay(1);
    await admin.getByLabel('Holiday date').fill(today.date);
    await admin.getByLabel('Holiday name').fill('Staff training');
    await admin.getByLabel('Holiday name').press('Tab');
    await admin.keyboard.press('Enter');
    await dialog.locator('.hours-holiday', { hasText: 'Staff training' }).waitFor();
    await admin.getByRole('button', { name: 'Save business hours' }).click();
    await admin.locator('#hours-result', { hasText: '✓ Business hours saved' }).waitFor();
    const closed = `Closed — back ${tomorrow.weekday} 00:00`;
    for (const page of [admin, agent]) await status(page, closed).waitFor();
    await screenshot(admin, 'console-business-hours');

    // What the API stores is what the editor showed.
    const api = new AdminClient(stack, stack.config.adminToken);
    const stored = await api.request('GET', '/api/admin/business-hours');
    expect(stored.body).toMatchObject({
      timezone: 'UTC',
      holidays: [{ date: today.date, name: 'Staff training' }],
      openNow: false,
      nextChange: `${tomorrow.date}T00:00:00.000Z`,
    });

    // A Monday that closes before it opens is refused as the API words it, and nothing changes.
    await admin.getByLabel('Monday opens 1').fill('17:00');
    await admin.getByLabel('Monday closes 1').fill('08:00');
    await admin.getByRole('button', { name: 'Save business hours' }).click();
    await admin
      .locator('#hours-result', { hasText: 'HTTP 400 invalid_business_hours' })
      .filter({ hasText: 'weekly.mon.0: must close after it opens' })
      .waitFor();
    await status(admin, closed).waitFor();

    // Monday back, the holiday removed: open round the clock again, in both consoles.
    await admin.getByLabel('Monday opens 1').fill('00:00');
    await admin.getByLabel('Monday closes 1').fill('24:00');
    await admin.getByRole('button', { name: `Remove holiday ${today.date} Staff training` }).click();
    await admin.getByRole('button', { name: 'Save business hours' }).click();
    await admin.locator('#hours-result', { hasText: '✓ Business hours saved' }).waitFor();
    for (const page of [admin, agent]) await status(page, /^Open$/).waitFor();

    // Saturday and Sunday closed through the API: the agent's header still says open (it is a weekday,
    // or, at the weekend, closed until Monday 00:00), read live from the event.
    const weekend = (await api.request('GET', '/api/admin/business-hours')).body;
    const put = await api.request('PUT', '/api/admin/business-hours', {
      timezone: 'UTC',
      weekly: { ...weekend.weekly, sat: [], sun: [] },
      holidays: [],
    });
    expect(put.status).toBe(200);
    const day = new Date().getUTCDay();
    const expected = day === 0 || day === 6 ? 'Closed — back Mon 00:00' : 'Open — until Sat 00:00';
    await status(agent, expected).waitFor();

    expect([...adminProblems, ...agentProblems]).toEqual([]);
  });

  it("saves SLA targets in the editor and counts a waiting chat's first reply down, amber, then red", async () => {
    const { stack } = setup;
    const { admin, agent, adminProblems, agentProblems } = await adminAndAgent();
    const api = new AdminClient(stack, stack.config.adminToken);
    await api.request('PUT', '/api/admin/business-hours', {
      timezone: 'UTC',
      weekly: Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', '24:00']]]),
      ),
      holidays: [],
    });

    await admin.getByRole('button', { name: 'Hours & SLA' }).click();
    await admin.getByLabel('Urgent first reply target').fill('30s');
    await admin.getByLabel('Normal first reply target').fill('1h');
    await admin.getByLabel('Normal resolution target').fill('1d');
    await admin.getByLabel('Warn at (% of a target)').fill('75');
    await admin.getByRole('checkbox', { name: /Escalate a breached chat/ }).check();
    await admin.getByRole('button', { name: 'Save SLA targets' }).click();
    await admin
      .locator('#sla-result', { hasText: 'HTTP 400 invalid_sla' })
      .filter({ hasText: 'firstResponse.urgent: must be from 1m to 30d' })
      .waitFor();
    await admin.getByLabel('Urgent first reply target').fill('');
    await admin.getByRole('button', { name: 'Save SLA targets' }).click();
    await admin.locator('#sla-result', { hasText: '✓ SLA targets saved' }).waitFor();
    expect((await api.request('GET', '/api/admin/sla')).body).toMatchObject({
      firstResponse: { normal: '1h' },
      resolution: { normal: '1d' },
      warnAt: 0.75,
      escalate: true,
    });

    // A student asks for support: the Waiting view counts the first reply's hour down.
    const student = await askForSupport(stack, 'Kelechi Eze');
    const clock = queueButton(agent, student.id).locator('.sla-clock');
    await clock.filter({ hasText: /^First reply due in 5\d min \d\d s$/ }).waitFor({ timeout: 15_000 });
    expect(await clock.getAttribute('data-tone')).toBe('running');

    // Ten minutes left of the hour: past the 75 % warning, amber. Then two minutes overdue: red.
    const setDue = (sql: string) =>
      stack.db.query(
        `update chat_sessions set first_response_due_at = ${sql} where contact_id = $1 and ended_at is null`,
        [student.id],
      );
    await setDue(`now() + interval '10 minutes'`);
    await agent.reload();
    await clock.filter({ hasText: /^First reply due in (9|10) min/ }).waitFor();
    // Amber once the page has the policy too (the queue may be drawn before it arrives).
    await queueButton(agent, student.id).locator('.sla-clock[data-tone="warned"]').waitFor();
    await setDue(`now() - interval '2 minutes'`);
    await agent.reload();
    await clock.filter({ hasText: /^First reply overdue by 2 min/ }).waitFor();
    expect(await clock.getAttribute('data-tone')).toBe('breached');

    // The open conversation shows both clocks; a breach the workflow recorded, escalated, reads so.
    await stack.db.query(
      `update chat_sessions set sla_first_response = 'breached', escalated_at = now()
       where contact_id = $1 and ended_at is null`,
      [student.id],
    );
    await agent.reload();
    await queueButton(agent, student.id).click();
    const chatSla = agent.locator('#conversation-sla');
    await chatSla.locator('.sla-clock[data-tone="breached"]', { hasText: 'First reply SLA breached' }).waitFor();
    await chatSla.locator('.sla-clock', { hasText: /^Resolution due in / }).waitFor();
    await chatSla.locator('.sla-escalated', { hasText: 'escalated' }).waitFor();
    await screenshot(agent, 'console-sla');

    // A phone-sized screen: the dialog fits and every control is big enough to tap.
    await admin.setViewportSize({ width: 360, height: 740 });
    expect(await pageWidth(admin)).toBeLessThanOrEqual(360);
    const fits = await admin
      .locator('#hours-dialog')
      .evaluate((dialog) => dialog.scrollWidth <= dialog.clientWidth && dialog.getBoundingClientRect().right <= 360);
    expect(fits).toBe(true);
    expect(await smallButtons(admin)).toEqual([]);
    await admin.keyboard.press('Escape');
    await admin.locator('#hours-dialog').waitFor({ state: 'hidden' });
    expect(await smallButtons(admin)).toEqual([]);

    expect([...adminProblems, ...agentProblems]).toEqual([]);
  });

  it('flips the header when the team closes, at that moment, and shows when a chat asked after hours reaches the team', async () => {
    const { stack, browser } = setup;
    const [ada] = setup.agents as [TestAgent];
    const api = new AdminClient(stack, stack.config.adminToken);
    // Closing at the next whole minute (at least 20 s away) in UTC; the last minutes of a UTC day are
    // waited out, since a closing at midnight would be no closing at all.
    const dayMs = Date.now() % DAY_MS;
    if (dayMs > DAY_MS - 3 * 60_000) await new Promise((resolve) => setTimeout(resolve, DAY_MS - dayMs + 5_000));
    let closing = Math.ceil(Date.now() / 60_000) * 60_000;
    if (closing - Date.now() < 20_000) closing += 60_000;
    const closes = new Date(closing).toISOString().slice(11, 16);
    const set = await api.request('PUT', '/api/admin/business-hours', {
      timezone: 'UTC',
      weekly: Object.fromEntries(
        ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['00:00', closes]]]),
      ),
      holidays: [],
    });
    expect(set.body).toMatchObject({ openNow: true, nextChange: new Date(closing).toISOString() });

    const { page: agent, problems } = await openPage(browser);
    await signIn(agent, stack.baseUrl, ada.token);
    await status(agent, `Open — until ${utcDay(0).weekday} ${closes}`).waitFor();
    // No event comes at the closing: the console's own timer reads the hours again then.
    await status(agent, `Closed — back ${utcDay(1).weekday} 00:00`).waitFor({ timeout: 90_000 });

    // A student asks for support now: the chat waits for the opening, and the conversation says when.
    const student = await askForSupport(stack, 'Ngozi Umeh');
    await listButton(agent, student.id).click();
    await agent
      .locator('#conversation-sla .chat-available', {
        hasText: `Asked outside business hours: reaches the team ${utcDay(1).weekday} 00:00`,
      })
      .waitFor();
    expect(await queueButton(agent, student.id).count()).toBe(0);
    expect(problems).toEqual([]);
  }, 330_000);
});
