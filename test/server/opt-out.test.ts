import { AdminClient } from '../helpers/admin-client';
import { TestUser, textOf } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { loadTemplates, TEST_BUSINESS_ACCOUNT_ID } from '../helpers/templates';

// Through the real stack (webhook, Temporal, Postgres, the Graph fake): a student's STOP and START
// reach conversations.campaign_opt_out_at and the conversation GET, and a chat an agent ends a day
// after the student last wrote asks for its rating with the approved template, whose tap is stored.

let stack: TestStack;
let alice: AdminClient;

beforeAll(async () => {
  stack = await startTestStack({ WHATSAPP_BUSINESS_ACCOUNT_ID: TEST_BUSINESS_ACCOUNT_ID });
  alice = await AdminClient.agent(stack, 'Alice');
  await loadTemplates(stack);
});
afterAll(async () => {
  await stack?.stop();
});

async function storedOptOut(user: TestUser): Promise<Date | null> {
  const { rows } = await stack.db.query<{ at: Date | null }>(
    'select campaign_opted_out_at as at from conversations where contact_id = $1',
    [await user.contact()],
  );
  return rows[0]!.at;
}

describe('campaign opt-out', () => {
  it('STOP is stored and answered; START clears it and confirms', async () => {
    const user = await new TestUser(stack, newPhone(), 'Ada Lovelace').register();
    const before = Date.now();

    const stopped = await user.say('STOP');
    expect(stopped).toHaveLength(1);
    expect(textOf(stopped[0])).toMatch(/no more announcements or reminders \(campaign messages\)/);
    expect(textOf(stopped[0])).toContain('Send START');
    const since = await storedOptOut(user);
    expect(since).not.toBeNull();
    expect(since!.getTime()).toBeGreaterThanOrEqual(before - 1000);

    const shown = await alice.request('GET', `/api/admin/conversations/${user.phone}`);
    expect(shown.status).toBe(200);
    expect(shown.body.conversation.campaignOptOut).toEqual({ since: since!.toISOString() });
    // The conversation goes on as before.
    expect(await user.state()).toBe('REGISTERED');

    const started = await user.say('start');
    expect(started).toHaveLength(1);
    expect(textOf(started[0])).toMatch(/announcements and reminders again/);
    expect(await storedOptOut(user)).toBeNull();
    const cleared = await alice.request('GET', `/api/admin/conversations/${user.phone}`);
    expect(cleared.body.conversation.campaignOptOut).toBeNull();
  });

  it('is known to a run restored from Postgres after an operator terminated the workflow', async () => {
    const user = await new TestUser(stack, newPhone(), 'Chinua Achebe').register();
    await user.say('stop');
    const since = await storedOptOut(user);
    expect(since).not.toBeNull();
    await stack.client.workflow.getHandle(await user.workflowId()).terminate('operator action');

    // The new run learns the opt-out from Postgres: START is the re-subscription, not the main menu.
    const started = await user.say('START');
    expect(started.map(textOf)).toEqual([expect.stringMatching(/announcements and reminders again/)]);
    expect(await storedOptOut(user)).toBeNull();
  });

  it('"unsubscribe" in the middle of registration opts out and the registration goes on', async () => {
    const user = new TestUser(stack, newPhone(), 'Grace Hopper');
    await user.say('Hi');
    await user.tap('register');
    await user.say('Unsubscribe');
    expect(await storedOptOut(user)).not.toBeNull();
    expect(await user.state()).toBe('REGISTERING_NAME');
    await user.say('Grace Hopper');
    expect(await user.state()).toBe('REGISTERING_EMAIL');
  });

  it('"stop" written in a chat reaches the agent and opts out of nothing', async () => {
    const user = await new TestUser(stack, newPhone(), 'Alan Turing').register();
    await user.say('support');
    const answered = await user.say('stop');
    expect(await storedOptOut(user)).toBeNull();
    // The chat's one acknowledgement, not the opt-out's confirmation.
    expect(answered.map(textOf)).toEqual([expect.stringMatching(/^📨 Got it! Your message is with our support team/)]);
    const history = await alice.history(user.phone);
    expect(history.body.messages).toContainEqual(expect.objectContaining({ direction: 'inbound', body: 'stop' }));
    expect(await user.state()).toBe('CHAT_SUPPORT_ACTIVE');
  });
});

describe('the rating question past the 24-hour window', () => {
  it('goes as the approved template when an agent ends the chat, and a tap on it is stored as the rating', async () => {
    // The student's only message is 25 hours old: an agent reaches them with a template, which opens a chat.
    const user = new TestUser(stack, newPhone(), 'Howard Smith');
    (user as unknown as { seconds: number }).seconds = Math.floor(Date.now() / 1000) - 25 * 3600;
    await user.say('hello from yesterday');
    const opened = await alice.request('POST', `/api/admin/conversations/${user.phone}/template`, {
      name: 'support_follow_up',
      language: 'en',
      parameters: { first_name: 'Howard' },
    });
    expect(opened.status).toBe(200);
    const before = user.sends().length;

    const ended = await alice.chat('end', user.phone);
    expect(ended.status).toBe(200);
    await user.settled();
    const question = user.sends().slice(before).at(-1)!;
    expect(question.type).toBe('template');
    expect(question.content).toMatchObject({
      kind: 'template',
      name: 'chat_rating',
      language: 'en',
      parameters: [],
      quickReplies: ['csat_1', 'csat_2', 'csat_3', 'csat_4', 'csat_5'],
    });
    // The history holds the account's text of the template, as the student read it.
    const history = await alice.history(user.phone);
    expect(history.body.messages).toContainEqual(
      expect.objectContaining({
        direction: 'outbound',
        waMessageId: question.waMessageId,
        body: expect.stringMatching(/^⭐ How was your chat with the EduBot support team\?/),
      }),
    );

    // The student taps "4 Very good": WhatsApp hands back the payload set when it was sent.
    const thanks = await user.send('button', { button: { payload: 'csat_4', text: '4 Very good' } });
    expect(textOf(thanks[0])).toMatch(/Thank you for your feedback/);
    const { rows } = await stack.db.query<{ rating: number | null }>(
      'select rating from chat_sessions where contact_id = $1 order by id desc limit 1',
      [await user.contact()],
    );
    expect(rows[0]!.rating).toBe(4);
  });
});
