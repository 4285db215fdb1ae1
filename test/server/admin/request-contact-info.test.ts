import { createToken } from '../../../src/auth/tokens';
import { getContact } from '../../../src/db/contacts';
import type { GraphTemplate } from '../../../src/whatsapp/template-schema';
import { TestUser } from '../../helpers/conversation';
import { messagesChange, newBsuid, newPhone, newWamid, webhookBody } from '../../helpers/fixtures';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { loadTemplates } from '../../helpers/templates';
import { waitFor } from '../../helpers/wait';

// POST /api/admin/conversations/{phone}/request-contact-info on the real stack: a student known only by
// BSUID gets WhatsApp's request_contact_info message through their conversation, the student's answer
// gives their contact the phone number, and a phone already known is not asked for. Also the refusals
// that only a phone number avoids: an authentication template (422 before sending, or WhatsApp's 131062,
// final and explained to the agent).

let stack: TestStack;
let agentToken: string;

beforeAll(async () => {
  stack = await startTestStack();
  agentToken = (await createToken(stack.db, { name: 'Agent Ngozi', role: 'agent' })).token;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function post(path: string, body?: unknown, token = agentToken) {
  const response = await fetch(`${stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON body freely
  return { status: response.status, body: (await response.json()) as any };
}

const requestInfo = (reference: string, body?: unknown, token?: string) =>
  post(`/api/admin/conversations/${encodeURIComponent(reference)}/request-contact-info`, body, token);

async function lastAudit(): Promise<Record<string, unknown>> {
  const { rows } = await stack.db.query('select * from audit_log order by id desc limit 1');
  return rows[0]!;
}

it('sends the request to the BSUID, stores it as the agent’s, and the student’s answer gives the contact a phone', async () => {
  const bsuid = newBsuid();
  const student = new TestUser(stack, bsuid, 'Sheena Nelson');
  await student.say('Hi');
  const contactId = await student.contact();
  const before = stack.fake.sends.length;

  const answer = await requestInfo(bsuid);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({
    status: 'success',
    message: 'Contact info requested',
    waMessageId: expect.stringMatching(/^wamid\./),
  });

  const sent = stack.fake.sends.slice(before);
  expect(sent).toHaveLength(1);
  expect(sent[0]!.body).toEqual({
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    recipient: bsuid,
    type: 'interactive',
    interactive: {
      type: 'request_contact_info',
      body: { text: 'Please share your phone number so we can finish your request.' },
      action: { name: 'request_contact_info' },
    },
    // The send's idempotency key, which WhatsApp echoes in its statuses: the contact's opaque id, never the BSUID.
    biz_opaque_callback_data: expect.stringMatching(new RegExp(`^${contactId}/agent/`)),
  });
  expect(sent[0]!.content).toEqual({
    kind: 'contact_request',
    body: 'Please share your phone number so we can finish your request.',
  });
  const stored = (await student.history()).find((m) => m.waMessageId === answer.body.waMessageId);
  expect(stored).toMatchObject({
    direction: 'outbound',
    sender: 'agent',
    senderName: 'Agent Ngozi',
    type: 'contact_request',
  });

  const audit = await lastAudit();
  expect(audit).toMatchObject({
    action: 'chat.request_contact_info',
    contact_id: contactId,
    outcome: 'ok',
    role: 'agent',
  });

  // The student taps the button: a `contacts` message, origin contact_request, with their number.
  const phone = newPhone();
  const reply = webhookBody([
    messagesChange([
      {
        from: bsuid,
        id: newWamid(),
        type: 'contacts',
        part: {
          contacts: [{ origin: 'contact_request', phones: [{ phone: `+${phone}`, wa_id: phone, type: 'CELL' }] }],
        },
      },
    ]),
  ]);
  expect((await stack.postWebhook(reply)).status).toBe(200);
  await waitFor(
    async () => (await getContact(stack.db, contactId))?.phone === phone,
    'the shared phone on the contact',
  );

  // Known now: nothing more to ask, and the number names the same conversation.
  const again = await requestInfo(phone);
  expect(again.status).toBe(409);
  expect(again.body.error.code).toBe('phone_known');
  const detail = await fetch(`${stack.baseUrl}/api/admin/conversations/${phone}`, {
    headers: { authorization: `Bearer ${agentToken}` },
  });
  expect(((await detail.json()) as { conversation: unknown }).conversation).toMatchObject({ contactId, phone, bsuid });
});

it('sends the agent’s own text above the button', async () => {
  const bsuid = newBsuid();
  const student = new TestUser(stack, bsuid);
  await student.say('Hello');
  const answer = await requestInfo(bsuid, { message: 'Could you share your number so we can send your results?' });
  expect(answer.status).toBe(200);
  const last = stack.fake.sends[stack.fake.sends.length - 1]!;
  expect(last.content).toEqual({
    kind: 'contact_request',
    body: 'Could you share your number so we can send your results?',
  });
});

it('answers 409 phone_known for a student whose number is known, and sends nothing', async () => {
  const phone = newPhone();
  const student = new TestUser(stack, phone);
  await student.say('Hi');
  const before = stack.fake.sends.length;
  const answer = await requestInfo(phone);
  expect(answer.status).toBe(409);
  expect(answer.body).toMatchObject({ status: 'error', error: { code: 'phone_known' } });
  expect(stack.fake.sends.length).toBe(before);
});

it.each([
  ['an empty text', { message: '   ' }],
  ['a text over 1024 characters', { message: 'x'.repeat(1025) }],
  ['an unknown field', { text: 'hi' }],
])('answers 400 to %s', async (_what, body) => {
  const bsuid = newBsuid();
  await new TestUser(stack, bsuid).say('Hi');
  const answer = await requestInfo(bsuid, body);
  expect(answer.status).toBe(400);
  expect(answer.body.error.code).toBe('invalid_message');
});

it('answers 404 for a student nobody knows, 401 without a token', async () => {
  expect((await requestInfo(newBsuid())).status).toBe(404);
  const response = await fetch(`${stack.baseUrl}/api/admin/conversations/${newBsuid()}/request-contact-info`, {
    method: 'POST',
  });
  expect(response.status).toBe(401);
});

describe('authentication templates', () => {
  const authTemplate = (category: string): GraphTemplate => ({
    id: '710000000000099',
    name: 'login_code',
    language: 'en',
    status: 'APPROVED',
    category,
    parameter_format: 'POSITIONAL',
    components: [{ type: 'BODY', text: '{{1}} is your verification code.', example: { body_text: [['123456']] } }],
  });

  it('are refused with 422 phone_required for a student known only by BSUID, before anything is sent', async () => {
    stack.fake.setTemplates([authTemplate('AUTHENTICATION')]);
    await loadTemplates(stack);
    const bsuid = newBsuid();
    await new TestUser(stack, bsuid).say('Hi');
    const before = stack.fake.attempts.length;
    const answer = await post(`/api/admin/conversations/${bsuid}/template`, {
      name: 'login_code',
      language: 'en',
      parameters: { '1': '123456' },
    });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('phone_required');
    expect(answer.body.error.message).toMatch(/Request contact info/);
    expect(stack.fake.attempts.length).toBe(before);
  });

  it('go to a student with a phone number', async () => {
    stack.fake.setTemplates([authTemplate('AUTHENTICATION')]);
    await loadTemplates(stack);
    const phone = newPhone();
    await new TestUser(stack, phone).say('Hi');
    const answer = await post(`/api/admin/conversations/${phone}/template`, {
      name: 'login_code',
      language: 'en',
      parameters: { '1': '123456' },
    });
    expect(answer.status).toBe(200);
  });

  it('refused by WhatsApp with 131062 (a template recategorised since it was listed) are not retried, and the agent is told what to do', async () => {
    stack.fake.setTemplates([authTemplate('UTILITY')]);
    await loadTemplates(stack);
    stack.fake.setTemplates([authTemplate('AUTHENTICATION')]);
    const bsuid = newBsuid();
    await new TestUser(stack, bsuid).say('Hi');
    const before = stack.fake.attempts.length;
    const answer = await post(`/api/admin/conversations/${bsuid}/template`, {
      name: 'login_code',
      language: 'en',
      parameters: { '1': '123456' },
    });
    expect(answer.status).toBe(502);
    expect(answer.body.error).toMatchObject({ code: 'whatsapp_rejected', whatsappCode: 131062 });
    expect(answer.body.error.message).toContain(
      "This message needs the student's phone number: ask for it with Request contact info",
    );
    const attempts = stack.fake.attempts.slice(before);
    expect(attempts).toEqual([expect.objectContaining({ to: bsuid, outcome: 'failed', code: 131062 })]);
  });
});
