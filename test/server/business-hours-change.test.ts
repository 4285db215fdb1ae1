import { WEEKDAYS, type BusinessHours, type OpenInterval, type Weekday } from '../../domain/business-hours';
import { describeOpening } from '../../domain/describe-opening';
import { SUPPORT_POLICY_MAX_AGE_MS } from '../../activities/support-policy';
import { listChatSessions } from '../../src/db/chat-sessions';
import { writeBusinessHours } from '../../src/db/support-settings';
import { textOf, TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { sleep } from '../helpers/wait';

// Hours an admin saves reach a conversation that last had a turn before them: the step that opens a
// student's chat asks for the current settings when its own are older than a few seconds, instead of
// deciding on the hours of the conversation's last turn.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

/** Open only on the weekday three days from now (UTC): closed today, whatever the time. */
function openInThreeDays(now: number): BusinessHours {
  const weekly = Object.fromEntries(WEEKDAYS.map((day) => [day, [] as OpenInterval[]])) as Record<
    Weekday,
    OpenInterval[]
  >;
  const day = WEEKDAYS[(new Date(now).getUTCDay() + 6 + 3) % 7]!;
  weekly[day] = [['09:00', '17:00']];
  return { timezone: 'UTC', weekly, holidays: [] };
}

it('tells a student who registered before the hours were saved that agents are away', async () => {
  // Registered while the team was always open (no hours saved yet).
  const student = await new TestUser(stack, newPhone(), 'Ngozi Obi').register();
  const hours = openInThreeDays(Date.now());
  await writeBusinessHours(stack.db, hours);
  // Longer than the worker's cache of the policy, and than the workflow keeps its settings for a chat.
  await sleep(SUPPORT_POLICY_MAX_AGE_MS + 1_000);

  const asked = Date.now();
  const replies = (await student.say('support')).map(textOf).join('\n');
  expect(replies).toContain(`An agent will be with you ${describeOpening(hours, asked)} (UTC time)`);
  expect(replies).not.toMatch(/connected/);
  const [session] = await listChatSessions(stack.db, await student.contact());
  expect(session!.availableAt!.getTime()).toBeGreaterThan(asked + 24 * 3_600_000);
});
