import { replaceTemplates, setTemplateStatus } from '../../../src/db/templates';
import { DEFAULT_FAKE_TEMPLATES } from '../../../tools/sandbox/graph-fake-templates';
import { toMessageTemplate } from '../../../src/templates/template';
import { startAdminApp, lastAudit, type AdminApp } from './admin-app';

// The template routes over a real database: the approved catalogue for the console, and a send
// checked in full before the conversation (here FakeChatCommands) is asked to carry it out.

let app: AdminApp;
let agent: string;
const PHONE = '15550007101';
/** The contact of the student writing from PHONE. */
let contactId: string;
const sendPath = (phone: string) => `/api/admin/conversations/${encodeURIComponent(phone)}/template`;

beforeAll(async () => {
  app = await startAdminApp();
  agent = (await app.token('agent', 'Agent Grace')).token;
  contactId = await app.contact(PHONE);
});
afterAll(async () => {
  await app?.stop();
});
beforeEach(async () => {
  app.chat.reset();
  await replaceTemplates(app.db, DEFAULT_FAKE_TEMPLATES.map(toMessageTemplate));
});

const send = (body: unknown, phone = PHONE, token = agent) => app.request('POST', sendPath(phone), { token, body });

describe('GET /api/admin/templates', () => {
  it('lists the approved templates by name then language, with their texts and parameters', async () => {
    const answer = await app.request('GET', '/api/admin/templates', { token: agent });
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('success');
    expect(answer.body.templates.map((t: { name: string; language: string }) => `${t.name}/${t.language}`)).toEqual([
      'chat_rating/en',
      'homework_reminder/en',
      'payment_reminder/en',
      'support_follow_up/en',
      'support_follow_up/es',
    ]);
    const [rating, homework, payment, followUp] = answer.body.templates;
    expect(rating.buttons).toEqual(['1 Poor', '2 Fair', '3 Good', '4 Very good', '5 Excellent']);
    expect(homework).toEqual({
      name: 'homework_reminder',
      language: 'en',
      category: 'UTILITY',
      header: 'Homework reminder',
      text: 'Hello {{1}}, your {{2}} homework is due soon. Send it to EduBot whenever you are ready.',
      footer: 'EduBot',
      parameters: [
        { key: '1', component: 'body', position: 1, example: 'Ada' },
        { key: '2', component: 'body', position: 2, example: 'Mathematics' },
      ],
    });
    expect(payment.parameters.map((p: { key: string }) => p.key)).toEqual(['header.1', '1']);
    expect(followUp).toMatchObject({
      buttons: ['Talk to support'],
      parameters: [{ key: 'first_name', component: 'body', name: 'first_name', example: 'Ada' }],
    });
    expect(followUp.header).toBeUndefined();
    expect(await lastAudit(app.db)).toMatchObject({ action: 'templates.list', outcome: 'ok' });
  });

  it('leaves out a template paused by a status update, and needs a token', async () => {
    await setTemplateStatus(app.db, { name: 'payment_reminder', language: 'en', status: 'PAUSED' });
    const answer = await app.request('GET', '/api/admin/templates', { token: agent });
    expect(answer.body.templates.map((t: { name: string }) => t.name)).not.toContain('payment_reminder');
    expect((await app.request('GET', '/api/admin/templates')).status).toBe(401);
  });
});

describe('POST /api/admin/conversations/:phone/template', () => {
  it('sends the rendered template as the acting agent and audits names and keys, never values', async () => {
    app.chat.add(contactId, { windowOpen: false });
    const answer = await send({
      name: 'homework_reminder',
      language: 'en',
      parameters: { '2': 'Physics', '1': 'Chiamaka' },
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ status: 'success', message: 'Template sent', state: 'CHAT_SUPPORT_ACTIVE' });
    expect(answer.body.waMessageId).toMatch(/^wamid\./);
    expect(app.chat.calls).toEqual([
      {
        command: 'template',
        input: {
          contactId,
          agent: 'Agent Grace',
          agentId: expect.any(Number),
          admin: false,
          idempotencyKey: undefined,
          template: {
            kind: 'template',
            name: 'homework_reminder',
            language: 'en',
            parameters: [
              { component: 'body', text: 'Chiamaka' },
              { component: 'body', text: 'Physics' },
            ],
            rendered:
              'Homework reminder\n\nHello Chiamaka, your Physics homework is due soon. Send it to EduBot whenever you are ready.\n\nEduBot',
          },
        },
      },
    ]);
    const audit = await lastAudit(app.db);
    expect(audit).toMatchObject({ action: 'chat.template', contact_id: contactId, outcome: 'ok', http_status: 200 });
    expect(audit!.details).toMatchObject({ template: 'homework_reminder', language: 'en', parameterKeys: ['1', '2'] });
    expect(JSON.stringify(audit)).not.toContain('Chiamaka');
  });

  it('sends a template without parameters when it has none', async () => {
    app.chat.add(contactId);
    await replaceTemplates(app.db, [
      toMessageTemplate({
        ...DEFAULT_FAKE_TEMPLATES[0]!,
        name: 'hello',
        components: [{ type: 'BODY', text: 'Hello from EduBot 👋' }],
      }),
    ]);
    const answer = await send({ name: 'hello', language: 'en' });
    expect(answer.status).toBe(200);
    expect(app.chat.calls[0]).toMatchObject({
      input: { template: { parameters: [], rendered: 'Hello from EduBot 👋' } },
    });
  });

  it('answers 404 template_not_found for an unknown name or language, and a template no longer listed', async () => {
    app.chat.add(contactId);
    for (const body of [
      { name: 'nope', language: 'en' },
      { name: 'support_follow_up', language: 'fr' },
    ]) {
      const answer = await send(body);
      expect(answer.status).toBe(404);
      expect(answer.body.error.code).toBe('template_not_found');
    }
    await replaceTemplates(app.db, []);
    const gone = await send({ name: 'support_follow_up', language: 'en', parameters: { first_name: 'Ada' } });
    expect(gone.status).toBe(404);
    expect(app.chat.calls).toEqual([]);
  });

  it.each(['PAUSED', 'DISABLED', 'REJECTED'])('answers 409 template_not_approved for a %s template', async (status) => {
    app.chat.add(contactId);
    await setTemplateStatus(app.db, { name: 'support_follow_up', language: 'en', status });
    const answer = await send({ name: 'support_follow_up', language: 'en', parameters: { first_name: 'Ada' } });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toEqual({
      code: 'template_not_approved',
      message: `Template support_follow_up (en) is ${status}: only an APPROVED template can be sent`,
    });
    expect(app.chat.calls).toEqual([]);
    expect(await lastAudit(app.db)).toMatchObject({ outcome: 'template_not_approved', http_status: 409 });
  });

  it('answers 400 invalid_parameters naming every wrong key', async () => {
    app.chat.add(contactId);
    const answer = await send({
      name: 'payment_reminder',
      language: 'en',
      parameters: { '1': '', first_name: 'Ada' },
    });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_parameters');
    expect(answer.body.error.message).toBe(
      'Invalid parameters: header.1: missing; 1: must not be empty; first_name: not a parameter of this template',
    );
    expect(app.chat.calls).toEqual([]);
  });

  it.each([
    ['no name', { language: 'en' }],
    ['an empty name', { name: ' ', language: 'en' }],
    ['an unknown field', { name: 'hello', language: 'en', message: 'hi' }],
    ['parameters that are not strings', { name: 'hello', language: 'en', parameters: { '1': 3 } }],
    ['parameters that are a list', { name: 'hello', language: 'en', parameters: ['Ada'] }],
  ])('answers 400 invalid_body for %s', async (_, body) => {
    const answer = await send(body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_body');
    expect(app.chat.calls).toEqual([]);
  });

  it('answers 400 for a body that is not JSON and for what names no contact', async () => {
    expect((await send('{not json')).body.error.code).toBe('invalid_json');
    expect((await send({ name: 'hello', language: 'en' }, 'not-a-phone')).body.error.code).toBe('invalid_contact');
  });

  it('maps the conversation’s refusals as the other chat commands do', async () => {
    const body = { name: 'support_follow_up', language: 'en', parameters: { first_name: 'Ada' } };
    const neverWrote = await send(body, '15550007199');
    expect(neverWrote.status).toBe(404);
    expect(neverWrote.body.error.code).toBe('conversation_not_found');
    expect(app.chat.calls).toEqual([]);
    await app.contact('15550007198');
    const unknown = await send(body, '15550007198');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('conversation_not_found');
    expect(app.chat.calls).toHaveLength(1);
    app.chat.add(contactId, { whatsappRejects: 132001 });
    const rejected = await send(body);
    expect(rejected.status).toBe(502);
    expect(rejected.body.error).toMatchObject({ code: 'whatsapp_rejected', whatsappCode: 132001 });
  });
});
