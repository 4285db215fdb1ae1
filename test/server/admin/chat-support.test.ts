import { startAdminApp, lastAudit, type AdminApp } from './admin-app';

// The chat-support command routes: body and header validation, phone normalisation, and the mapping
// of every ChatCommands answer to HTTP. The conversation workflow is replaced by FakeChatCommands.

let app: AdminApp;
let agent: string;
const PHONE = '15550007001';
/** The contact of the student writing from PHONE. */
let contactId: string;
const chatPath = (phone: string, command: string) =>
  `/api/admin/conversations/${encodeURIComponent(phone)}/chat-support/${command}`;

beforeAll(async () => {
  app = await startAdminApp();
  agent = (await app.token('agent', 'Agent Grace')).token;
  contactId = await app.contact(PHONE);
});

afterAll(async () => {
  await app?.stop();
});

beforeEach(() => {
  app.chat.reset();
});

const post = (phone: string, command: string, body?: unknown, headers?: Record<string, string>) =>
  app.request('POST', chatPath(phone, command), { token: agent, body, headers });

describe('successful commands', () => {
  it('starts, sends and ends a chat as the acting agent, answering 200 with the workflow state', async () => {
    app.chat.add(contactId);
    const started = await post(PHONE, 'start', { message: '  Hi, this is Grace from support  ' });
    expect(started.status).toBe(200);
    expect(started.body).toMatchObject({ status: 'success', message: 'Chat started', state: 'CHAT_SUPPORT_ACTIVE' });
    expect(new Date(started.body.timestamp).toISOString()).toBe(started.body.timestamp);

    const sent = await post(PHONE, 'send', { message: 'How can I help?' });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      status: 'success',
      message: 'Message sent successfully',
      state: 'CHAT_SUPPORT_ACTIVE',
    });
    expect(sent.body.waMessageId).toMatch(/^wamid\./);

    const ended = await post(PHONE, 'end');
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ status: 'success', message: 'Chat ended', state: 'REGISTERED' });

    // The acting person: their name, their id, and that they act without the admin role.
    const grace = { contactId, agent: 'Agent Grace', agentId: expect.any(Number), admin: false };
    expect(app.chat.calls).toEqual([
      {
        command: 'start',
        input: { ...grace, message: 'Hi, this is Grace from support', idempotencyKey: undefined },
      },
      { command: 'send', input: { ...grace, message: 'How can I help?', idempotencyKey: undefined } },
      { command: 'end', input: { ...grace, message: undefined, idempotencyKey: undefined } },
    ]);
  });

  it('passes the Idempotency-Key through, so a retried send gets the first answer again', async () => {
    app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE' });
    const first = await post(PHONE, 'send', { message: 'Once' }, { 'idempotency-key': 'retry-1' });
    const second = await post(PHONE, 'send', { message: 'Once' }, { 'idempotency-key': 'retry-1' });
    expect(first.status).toBe(200);
    expect(second.body.waMessageId).toBe(first.body.waMessageId);
    expect(app.chat.calls.map((c) => c.input.idempotencyKey)).toEqual(['retry-1', 'retry-1']);
    expect((await lastAudit(app.db))!.details).toMatchObject({
      idempotencyKey: 'retry-1',
      waMessageId: first.body.waMessageId,
    });
  });

  it.each([
    ['15550007001', '15550007001'],
    ['+15550007001', '15550007001'],
    ['+1 555-000-7001', '15550007001'],
    ['+1 (555) 000.7001', '15550007001'],
  ])('accepts the phone number %s as the contact of %s', async (given, digits) => {
    const student = await app.contact(digits);
    app.chat.add(student, { state: 'CHAT_SUPPORT_ACTIVE' });
    const answer = await post(given, 'send', { message: 'hi' });
    expect(answer.status).toBe(200);
    expect(app.chat.calls[0]!.input.contactId).toBe(student);
    expect(await lastAudit(app.db)).toMatchObject({ action: 'chat.send', contact_id: student, outcome: 'ok' });
  });

  it.each([
    ['its contact id', () => contactId],
    ['its BSUID', () => 'US.13491208655302741918'],
    ['its username', () => '@grace_student'],
    ['its username without @, in other case', () => 'Grace_Student'],
  ])('accepts a contact named by %s', async (_label, reference) => {
    await app.contact({ phone: PHONE, bsuid: 'US.13491208655302741918', username: '@grace_student' });
    app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE' });
    const answer = await post(reference(), 'send', { message: 'hi' });
    expect(answer.status).toBe(200);
    expect(app.chat.calls[0]!.input.contactId).toBe(contactId);
  });
});

describe('refused requests', () => {
  it.each([
    ['an empty message', { message: '' }],
    ['a whitespace-only message', { message: ' \n\t ' }],
    ['a 4097-character message', { message: 'x'.repeat(4097) }],
    ['no message', {}],
    ['a message that is not a string', { message: 42 }],
    ['a body that is not an object', ['hello']],
  ])('answers 400 invalid_message to a send with %s, without asking the workflow', async (_label, body) => {
    app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE' });
    const answer = await post(PHONE, 'send', body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_message' } });
    expect(answer.body.error.details[0]).toMatchObject({ path: expect.any(String), message: expect.any(String) });
    expect(app.chat.calls).toHaveLength(0);
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'chat.send',
      outcome: 'invalid_message',
      http_status: 400,
    });
  });

  it('accepts exactly 4096 characters, counting an emoji as one', async () => {
    app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE' });
    expect((await post(PHONE, 'send', { message: '🎧'.repeat(4096) })).status).toBe(200);
    expect((await post(PHONE, 'send', { message: '🎧'.repeat(4097) })).status).toBe(400);
  });

  it.each([
    ['U+0000', 'see you\0 soon', 'U+0000'],
    ['an unpaired surrogate', 'half \ud83c of an emoji', 'unpaired surrogate'],
  ])(
    'answers 400 invalid_message, naming it, to a text holding %s, and asks nothing of the workflow',
    async (_l, message, named) => {
      app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE' });
      for (const command of ['start', 'send', 'end']) {
        const answer = await post(PHONE, command, { message });
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_message' } });
        expect(answer.body.error.message).toContain(named);
      }
      expect(app.chat.calls).toHaveLength(0);
    },
  );

  it.each(['start', 'end'])(
    'answers 400 to an empty closing or opening text on %s, but accepts no body at all',
    async (command) => {
      app.chat.add(contactId, { state: command === 'start' ? 'REGISTERED' : 'CHAT_SUPPORT_ACTIVE' });
      expect((await post(PHONE, command, { message: '   ' })).status).toBe(400);
      expect((await post(PHONE, command)).status).toBe(200);
    },
  );

  it('answers 400 invalid_json, not 500, to a body that is not JSON', async () => {
    app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE' });
    const answer = await post(PHONE, 'send', '{"message": "unterminated');
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_json' } });
    expect(app.chat.calls).toHaveLength(0);
  });

  it.each(['1555', '1234567890123456', '+1 555 CALL NOW', 'ab', '++15550001111', '@a'])(
    'answers 400 invalid_contact to the reference %j',
    async (phone) => {
      const answer = await post(phone, 'send', { message: 'hi' });
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_contact' } });
      expect(app.chat.calls).toHaveLength(0);
    },
  );

  it('answers 400 to an Idempotency-Key over 200 characters', async () => {
    const answer = await post(PHONE, 'send', { message: 'hi' }, { 'idempotency-key': 'k'.repeat(201) });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_idempotency_key');
  });
});

describe('mapping the workflow answer to HTTP', () => {
  it.each([
    ['a number that never wrote', '15550007999'],
    ['a BSUID never seen', 'US.99999999999999999999'],
    ['a contact id never made', 'ct_00000000000000000000'],
    ['a username nobody shows', '@nobody_here'],
  ])('answers 404 conversation_not_found for %s, without asking the workflow', async (_label, reference) => {
    const answer = await post(reference, 'send', { message: 'hi' });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      status: 'error',
      error: { code: 'conversation_not_found', message: expect.any(String) },
    });
    expect(app.chat.calls).toHaveLength(0);
  });

  it('answers 404 conversation_not_found for a contact the workflow does not know', async () => {
    const answer = await post(PHONE, 'send', { message: 'hi' });
    expect(answer.status).toBe(404);
    expect(answer.body).toEqual({
      status: 'error',
      error: { code: 'conversation_not_found', message: expect.any(String) },
    });
    expect(app.chat.calls).toHaveLength(1);
  });

  it('answers 409 ambiguous for a username two contacts show, without asking the workflow', async () => {
    await app.contact({ phone: '15550007101', username: 'twin_name' });
    await app.contact({ phone: '15550007102', username: '@Twin_Name' });
    const answer = await post('@twin_name', 'send', { message: 'hi' });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('ambiguous');
    expect(app.chat.calls).toHaveLength(0);
  });

  it('answers 409 not_in_chat_support to a send or end without an open chat', async () => {
    app.chat.add(contactId, { state: 'REGISTERED' });
    for (const command of ['send', 'end']) {
      const answer = await post(PHONE, command, { message: 'hi' });
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('not_in_chat_support');
    }
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'chat.end',
      outcome: 'not_in_chat_support',
      http_status: 409,
    });
  });

  it('answers 409 chat_already_active to a start while a chat is open', async () => {
    app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE' });
    const answer = await post(PHONE, 'start');
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('chat_already_active');
  });

  it('answers 422 outside_customer_service_window when the user last wrote over 24 hours ago', async () => {
    app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE', windowOpen: false });
    const answer = await post(PHONE, 'send', { message: 'hi' });
    expect(answer.status).toBe(422);
    expect(answer.body.error.code).toBe('outside_customer_service_window');
  });

  it("answers 502 with WhatsApp's code when WhatsApp refused the message, never 200", async () => {
    app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE', whatsappRejects: 131026 });
    const answer = await post(PHONE, 'send', { message: 'hi' });
    expect(answer.status).toBe(502);
    expect(answer.body).toEqual({
      status: 'error',
      error: { code: 'whatsapp_rejected', message: expect.any(String), whatsappCode: 131026 },
    });
    expect(await lastAudit(app.db)).toMatchObject({
      outcome: 'whatsapp_rejected',
      http_status: 502,
      details: { whatsappCode: 131026 },
    });
  });

  it('answers 400 invalid_message when the workflow finds the message invalid', async () => {
    app.chat.scripted.push(() => ({ ok: false, code: 'invalid_message', message: 'Too long with the prefix' }));
    const answer = await post(PHONE, 'send', { message: 'hi' });
    expect(answer.status).toBe(400);
    expect(answer.body.error).toEqual({ code: 'invalid_message', message: 'Too long with the prefix' });
  });

  it('lets the error middleware answer 500 when the command throws, and audits it', async () => {
    app.chat.scripted.push(() => {
      throw new Error('Temporal unreachable');
    });
    const answer = await post(PHONE, 'send', { message: 'hi' });
    expect(answer.status).toBe(500);
    expect(answer.body.error.code).toBe('internal_error');
    expect(await lastAudit(app.db)).toMatchObject({ action: 'chat.send', outcome: 'internal_error', http_status: 500 });
  });
});
