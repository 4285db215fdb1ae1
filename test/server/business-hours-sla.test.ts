import type { BusinessHours, OpenInterval, Weekday } from '../../domain/business-hours';
import { WEEKDAYS } from '../../domain/business-hours';
import { addBusinessTime, businessTimeBetween } from '../../domain/business-time';
import { describeOpening } from '../../domain/describe-opening';
import type { SlaPolicy } from '../../domain/support-policy';
import { listChatSessions } from '../../src/db/chat-sessions';
import { writeBusinessHours, writeSlaPolicy } from '../../src/db/support-settings';
import { conversationWorkflowId, prioritySignal } from '../../workflows/messages';
import { AdminClient } from '../helpers/admin-client';
import { textOf, TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// Business hours and SLAs through the real stack (SPEC §7.6): hours set around now through the
// storage, a student asking for support while closed, the queue at the opening, and a first-response
// target of one minute of business time that warns, breaches and escalates across a closed minute.

const MINUTE = 60_000;

/** The schedule: closed now, open [opening, +1 min), closed for a minute, open again for ten. */
function hoursAround(now: number): { hours: BusinessHours; opening: number } {
  // The first whole minute at least 60 s away (time to register two students): hours are set to the minute.
  const opening = Math.ceil((now + 60_000) / MINUTE) * MINUTE;
  const spans: [number, number][] = [
    [opening, opening + MINUTE],
    [opening + 2 * MINUTE, opening + 12 * MINUTE],
  ];
  const weekly = Object.fromEntries(WEEKDAYS.map((day) => [day, [] as OpenInterval[]])) as Record<
    Weekday,
    OpenInterval[]
  >;
  for (const [start, end] of spans) {
    // Split at midnight UTC, should the test run across one.
    for (let from = start; from < end;) {
      const dayEnd = Math.floor(from / 86_400_000) * 86_400_000 + 86_400_000;
      const to = Math.min(end, dayEnd);
      const weekday = WEEKDAYS[(new Date(from).getUTCDay() + 6) % 7]!;
      weekly[weekday].push([hhmm(from), to === dayEnd ? '24:00' : hhmm(to)]);
      from = to;
    }
  }
  return { hours: { timezone: 'UTC', weekly, holidays: [] }, opening };
}

const hhmm = (at: number): string => new Date(at).toISOString().slice(11, 16);

const SLA: SlaPolicy = { firstResponse: { high: MINUTE }, resolution: {}, warnAt: 0.5, escalate: true };

let stack: TestStack;
let agent: AdminClient;
let hours: BusinessHours;
let opening: number;

beforeAll(async () => {
  stack = await startTestStack();
  ({ hours, opening } = hoursAround(Date.now()));
  // Before any conversation: the worker reads the policy at its first turn.
  await writeBusinessHours(stack.db, hours);
  await writeSlaPolicy(stack.db, SLA);
  agent = await AdminClient.agent(stack, 'Grace');
});

afterAll(async () => {
  await stack?.stop();
});

const queue = async () => {
  const { status, body } = await agent.request('GET', '/api/admin/queue');
  expect(status).toBe(200);
  return body as {
    waitingForOpening: number;
    queue: {
      contactId: string;
      availableAt: string;
      waitingSince: string;
      sla: { firstResponseDueAt?: string; firstResponse?: string; escalated: boolean };
    }[];
  };
};

async function scrape(): Promise<string> {
  return (await fetch(`${stack.baseUrl}/metrics`)).text();
}

it(
  'queues a chat asked for while closed at the opening, and runs an SLA clock across a closed minute',
  async () => {
    const early = await new TestUser(stack, newPhone(), 'Ada Lovelace').register();
    const urgent = await new TestUser(stack, newPhone(), 'Alan Turing').register();
    // Alan's conversation is high priority (what PUT …/priority does: the row, then the signal).
    const alan = await urgent.contact();
    await stack.db.query(`update conversations set priority = 'high' where contact_id = $1`, [alan]);
    await stack.client.workflow.getHandle(conversationWorkflowId(alan)).signal(prioritySignal, { priority: 'high' });

    // Closed: Ada is told when agents are back, in the business's time, and not that she is connected.
    expect(Date.now()).toBeLessThan(opening);
    const asked = Date.now();
    const away = (await early.say('support')).map(textOf).join('\n');
    expect(await early.state()).toBe('CHAT_SUPPORT_ACTIVE');
    expect(away).toContain(`An agent will be with you ${describeOpening(hours, asked)} (UTC time)`);
    expect(away).not.toMatch(/connected/);
    // What she writes meanwhile is kept for the agent, unanswered by the bot.
    const meanwhile = await early.say('My upload fails with a red error');
    expect(meanwhile).toEqual([]);

    const ada = await early.contact();
    const [waiting] = await listChatSessions(stack.db, ada);
    expect(waiting!.availableAt!.getTime()).toBe(opening);
    const before = await queue();
    expect(before.queue.map((c) => c.contactId)).not.toContain(ada);
    expect(before.waitingForOpening).toBe(1);
    expect(await scrape()).toMatch(/^edubot_chat_queue_length 0$/m);
    const shown = await agent.request('GET', `/api/admin/conversations/${ada}`);
    expect(shown.body.conversation.openChat).toMatchObject({
      availableAt: new Date(opening).toISOString(),
      sla: { escalated: false },
    });

    // At the opening she is in the queue, waiting since the opening.
    const listed = await waitFor(
      async () => (await queue()).queue.find((c) => c.contactId === ada),
      'the chat in the queue at the opening',
      opening - Date.now() + 30_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(opening);
    expect(listed).toMatchObject({ availableAt: new Date(opening).toISOString(), sla: { escalated: false } });
    expect(listed.waitingSince).toBe(listed.availableAt);

    // Open now: Alan is connected at once, and his one-minute clock runs from now in business time.
    const connected = (await urgent.say('support')).map(textOf).join('\n');
    expect(connected).toMatch(/connected/);
    const [session] = await listChatSessions(stack.db, alan);
    const availableAt = session!.availableAt!.getTime();
    const due = addBusinessTime(hours, availableAt, MINUTE)!;
    const warnAt = addBusinessTime(hours, availableAt, MINUTE / 2)!;
    expect(session).toMatchObject({ priority: 'high', resolutionDueAt: null, slaFirstResponse: null });
    expect(session!.firstResponseDueAt!.getTime()).toBe(due);
    // The clock stops for the closed minute: the breach falls after it.
    expect(due).toBeGreaterThan(opening + 2 * MINUTE);
    expect((await queue()).queue.map((c) => c.contactId)).toEqual([ada, alan]);

    const events = async (kind: string) =>
      (
        await stack.db.query<{ at: Date; due_at: Date; escalated: boolean; priority: string }>(
          `select e.at, e.due_at, e.escalated, e.priority from chat_sla_events e
         join chat_sessions s using (session_key) where s.contact_id = $1 and e.kind = $2`,
          [alan, kind],
        )
      ).rows[0];
    const warning = await waitFor(() => events('first_response_warning'), 'the warning', warnAt - Date.now() + 30_000);
    expect(warning.at.getTime()).toBeGreaterThanOrEqual(warnAt);
    expect(warning).toMatchObject({ escalated: false, priority: 'high' });
    expect(warning.due_at.getTime()).toBe(due);
    // Warned, not breached: still behind Ada.
    expect((await queue()).queue.map((c) => c.contactId)).toEqual([ada, alan]);

    const breach = await waitFor(() => events('first_response_breach'), 'the breach', due - Date.now() + 30_000);
    expect(breach.at.getTime()).toBeGreaterThanOrEqual(due);
    expect(breach.escalated).toBe(true);
    // Escalated: at the top of the queue, marked breached.
    const escalated = await queue();
    expect(escalated.queue.map((c) => c.contactId)).toEqual([alan, ada]);
    expect(escalated.queue[0]!.sla).toEqual({
      firstResponseDueAt: new Date(due).toISOString(),
      firstResponse: 'breached',
      escalated: true,
    });
    // Admins' consoles are told, with nothing of the student in the event.
    const told = await stack.db.query<{ payload: Record<string, unknown> }>(
      `select payload from events where kind = 'sla' and contact_id = $1 order by id`,
      [alan],
    );
    expect(told.rows.map((r) => r.payload)).toEqual([
      { kind: 'first_response_warning', priority: 'high', dueAt: new Date(due).toISOString(), escalated: false },
      { kind: 'first_response_breach', priority: 'high', dueAt: new Date(due).toISOString(), escalated: true },
    ]);
    const metrics = await scrape();
    expect(metrics).toMatch(/^edubot_sla_breaches_total\{kind="first_response_warning",priority="high"\} 1$/m);
    expect(metrics).toMatch(/^edubot_sla_breaches_total\{kind="first_response_breach",priority="high"\} 1$/m);
    // The history shows both, between the messages (never sent to WhatsApp).
    const history = await agent.history(alan);
    expect(history.body.slaEvents.map((e: { kind: string }) => e.kind)).toEqual([
      'first_response_warning',
      'first_response_breach',
    ]);

    // The late first reply keeps the breach and records its business time; the close records the resolution's.
    const replied = Date.now();
    expect((await agent.chat('send', alan, 'Sorry for the wait, Alan.')).status).toBe(200);
    expect((await agent.chat('end', alan)).status).toBe(200);
    const [closed] = await listChatSessions(stack.db, alan);
    expect(closed).toMatchObject({ slaFirstResponse: 'breached', slaResolution: null });
    const row = await stack.db.query<{ first: number; resolution: number }>(
      `select first_response_business_seconds as first, resolution_business_seconds as resolution
     from chat_sessions where contact_id = $1`,
      [alan],
    );
    const { first, resolution } = row.rows[0]!;
    // Business time only: the closed minute is not in it.
    expect(first * 1000).toBeGreaterThanOrEqual(businessTimeBetween(hours, availableAt, replied));
    expect(first * 1000).toBeLessThan(Date.now() - availableAt - MINUTE);
    expect(resolution).toBeGreaterThanOrEqual(first);
    expect((await queue()).queue.map((c) => c.contactId)).toEqual([ada]);
    // Up to two minutes to the opening, two more to the breach.
  },
  6 * MINUTE,
);
