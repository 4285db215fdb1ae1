import { recordSlaEvent } from '../../src/db/chat-sessions';
import { openPage, signIn } from './browser';
import { askForSupport, useConsoleStack } from './console-helpers';

// A chat's SLA warnings and breaches in the console's history, in Chromium against the whole product:
// recorded as the workflow records them (the session's row, the console's event), they appear live
// where they happened among the messages, as the team's rows, never as a message of either side.

const setup = useConsoleStack(['Grace']);

it('shows an SLA warning and an escalated breach in the open conversation, live and in place', async () => {
  const { stack, browser, agents } = setup;
  const student = await askForSupport(stack, 'Kemi Adeyemi');
  const { rows } = await stack.db.query<{ session_key: string }>(
    `select session_key from chat_sessions where contact_id = $1 and ended_at is null`,
    [student.id],
  );
  const sessionKey = rows[0]!.session_key;

  const { page, problems } = await openPage(browser);
  await signIn(page, stack.baseUrl, agents[0]!.token);
  await page.locator(`#conversation-list button[data-contact-id="${student.id}"]`).click();
  await page.locator('#messages > li', { hasText: 'connected to our support team' }).waitFor();

  const dueAt = Date.now() + 60_000;
  const event = { sessionKey, priority: 'high' as const, dueAt };
  await recordSlaEvent(stack.db, student.id, { ...event, kind: 'first_response_warning', escalate: false });
  await page.locator('#messages > li.message-sla', { hasText: 'First response due soon' }).waitFor();
  await recordSlaEvent(stack.db, student.id, { ...event, kind: 'first_response_breach', escalate: true });
  const breach = page.locator('#messages > li.message-sla-breach');
  await breach.waitFor();
  expect(await breach.textContent()).toContain('First response overdue');
  expect(await breach.textContent()).toContain('high priority: escalated to the top of the queue');

  // The student writes on: the rows stay where they happened, before the new message.
  await student.say('Still there?');
  await page.locator('#messages > li', { hasText: 'Still there?' }).waitFor();
  const order = await page
    .locator('#messages > li')
    .evaluateAll((items) =>
      items.map((item) => (item.classList.contains('message-sla') ? 'sla' : String(item.textContent))),
    );
  const still = order.findIndex((item) => item.includes('Still there?'));
  expect(order.slice(still - 3, still).map((item) => (item === 'sla' ? item : 'message'))).toEqual([
    'message',
    'sla',
    'sla',
  ]);
  expect(problems).toEqual([]);
});
