import { getTemplate } from '../../src/db/templates';
import { AdminClient } from '../helpers/admin-client';
import { TestUser } from '../helpers/conversation';
import { newPhone } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { loadTemplates, TEST_BUSINESS_ACCOUNT_ID } from '../helpers/templates';

// Templates end to end over HTTP: a student whose 24-hour window has closed, an agent who reaches
// them with an approved template, the template catalogue listed from the Graph fake and kept current
// by signed status-update webhooks; real Temporal and Postgres.

const WABA = TEST_BUSINESS_ACCOUNT_ID;

let stack: TestStack;
let alice: AdminClient;

beforeAll(async () => {
  stack = await startTestStack({ WHATSAPP_BUSINESS_ACCOUNT_ID: WABA });
  alice = await AdminClient.agent(stack, 'Alice');
});
afterAll(async () => {
  await stack?.stop();
});

// The catalogue as the server keeps it at start: listed from the fake's account.
beforeEach(async () => {
  stack.fake.reset();
  await loadTemplates(stack);
});

/** A student whose only message is 25 hours old: WhatsApp takes nothing but templates from us. */
async function staleStudent(): Promise<TestUser> {
  const user = new TestUser(stack, newPhone(), 'Howard Smith');
  (user as unknown as { seconds: number }).seconds = Math.floor(Date.now() / 1000) - 25 * 3600;
  await user.say('hello from yesterday');
  return user;
}

const templatePath = (phone: string) => `/api/admin/conversations/${phone}/template`;
const followUp = { name: 'support_follow_up', language: 'en', parameters: { first_name: 'Howard' } };

function statusUpdate(value: Record<string, unknown>): string {
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      { id: WABA, time: Math.floor(Date.now() / 1000), changes: [{ field: 'message_template_status_update', value }] },
    ],
  });
}

const pause = (event: string) =>
  statusUpdate({
    event,
    message_template_id: 710000000000001,
    message_template_name: 'support_follow_up',
    message_template_language: 'en',
    reason: event === 'PAUSED' ? 'LOW_QUALITY' : 'NONE',
  });

describe('templates outside the 24-hour window', () => {
  it('lists the approved templates of the account', async () => {
    const answer = await alice.request('GET', '/api/admin/templates');
    expect(answer.status).toBe(200);
    expect(answer.body.templates.map((t: { name: string; language: string }) => `${t.name}/${t.language}`)).toEqual([
      'chat_rating/en',
      'homework_reminder/en',
      'payment_reminder/en',
      'support_follow_up/en',
      'support_follow_up/es',
    ]);
  });

  // Needs the conversation workflow's template command (the chat side of SPEC §7.3).
  it('reaches a student with an approved template where free text is refused, and keeps its text in the history', async () => {
    const user = await staleStudent();
    const refused = await alice.chat('start', user.phone, 'Hi Howard');
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('outside_customer_service_window');
    const before = stack.fake.sendsTo(user.phone).length;

    const sent = await alice.request('POST', templatePath(user.phone), followUp);
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ status: 'success', message: 'Template sent' });
    expect(sent.body.waMessageId).toMatch(/^wamid\./);

    const sends = stack.fake.sendsTo(user.phone).slice(before);
    expect(sends).toHaveLength(1);
    const rendered =
      'Hi Howard, this is the EduBot support team following up on your question. Reply to this message and we will pick it up from here.';
    expect(sends[0]).toMatchObject({
      waMessageId: sent.body.waMessageId,
      type: 'template',
      content: {
        kind: 'template',
        name: 'support_follow_up',
        language: 'en',
        parameters: [{ component: 'body', name: 'first_name', text: 'Howard' }],
        rendered,
      },
    });
    const history = await alice.history(user.phone);
    expect(history.body.messages).toContainEqual(
      expect.objectContaining({ direction: 'outbound', waMessageId: sent.body.waMessageId, body: rendered }),
    );
  });

  it('refuses a template paused by a signed status update at once, and sends nothing', async () => {
    const user = await staleStudent();
    const before = stack.fake.attempts.length;
    const paused = await stack.postWebhook(pause('PAUSED'));
    expect(paused.status).toBe(200);
    expect(await getTemplate(stack.db, 'support_follow_up', 'en')).toMatchObject({ status: 'PAUSED' });

    const refused = await alice.request('POST', templatePath(user.phone), followUp);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'template_not_approved' });
    expect(refused.body.error.message).toMatch(/is PAUSED/);
    const listed = await alice.request('GET', '/api/admin/templates');
    expect(listed.body.templates.map((t: { name: string; language: string }) => `${t.name}/${t.language}`)).toEqual([
      'chat_rating/en',
      'homework_reminder/en',
      'payment_reminder/en',
      'support_follow_up/es',
    ]);

    // Approved again, it is offered again.
    expect((await stack.postWebhook(pause('APPROVED'))).status).toBe(200);
    expect(await getTemplate(stack.db, 'support_follow_up', 'en')).toMatchObject({ status: 'APPROVED' });
    expect(stack.fake.attempts.length).toBe(before);
  });

  it('refuses a wrong parameter count with 400 before anything reaches WhatsApp', async () => {
    const user = await staleStudent();
    const before = { attempts: stack.fake.attempts.length, sends: stack.fake.sendsTo(user.phone).length };
    const answer = await alice.request('POST', templatePath(user.phone), {
      name: 'homework_reminder',
      language: 'en',
      parameters: { '1': 'Howard' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({ code: 'invalid_parameters', message: 'Invalid parameters: 2: missing' });
    expect(stack.fake.attempts.length).toBe(before.attempts);
    expect(stack.fake.sendsTo(user.phone)).toHaveLength(before.sends);
  });
});

describe('template status webhooks', () => {
  it('answers 401 to an unsigned status update and changes nothing', async () => {
    const answer = await stack.postWebhook(pause('DISABLED'), null);
    expect(answer.status).toBe(401);
    expect(await getTemplate(stack.db, 'support_follow_up', 'en')).toMatchObject({ status: 'APPROVED' });
  });

  it.each([
    ['no event', { message_template_id: 710000000000001 }],
    ['no template', { event: 'DISABLED' }],
    ['a value that is a list', ['DISABLED']],
    ['an event that is an object', { event: { status: 'DISABLED' }, message_template_id: 710000000000001 }],
  ])('takes a signed status update with %s with 200 and changes nothing', async (_, value) => {
    const answer = await stack.postWebhook(statusUpdate(value as Record<string, unknown>));
    expect(answer.status).toBe(200);
    expect(await getTemplate(stack.db, 'support_follow_up', 'en')).toMatchObject({ status: 'APPROVED' });
  });

  it('takes an update for a template it has not listed yet with 200', async () => {
    const answer = await stack.postWebhook(
      statusUpdate({
        event: 'APPROVED',
        message_template_id: 1,
        message_template_name: 'brand_new',
        message_template_language: 'en',
      }),
    );
    expect(answer.status).toBe(200);
    expect(await getTemplate(stack.db, 'brand_new', 'en')).toBeUndefined();
  });
});
