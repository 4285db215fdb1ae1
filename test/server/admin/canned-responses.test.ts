import { fillCannedResponse } from '../../../src/server/admin/canned-responses';
import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// Canned responses over HTTP: admins write them, agents read them, titles are unique ignoring case,
// and with ?phone= each comes filled from that student's profile.

let app: AdminApp;
let agent: { token: string; id: number };
const REGISTERED = '15550008001';
const UNREGISTERED = '15550008002';
const PATH = '/api/admin/canned-responses';
/** The contacts of the students writing from REGISTERED and UNREGISTERED. */
let registered: string;
let unregistered: string;

beforeAll(async () => {
  app = await startAdminApp();
  agent = await app.token('agent', 'Agent Tolu');
  registered = await app.contact({ phone: REGISTERED, bsuid: 'NG.8001', username: 'ami_b' });
  unregistered = await app.contact(UNREGISTERED);
  await app.db.query(
    `insert into conversations (contact_id, state, registered, profile_name) values
       ($1, 'REGISTERED', true, 'Ami on WhatsApp'), ($2, 'IDLE', false, 'Someone')`,
    [registered, unregistered],
  );
  await app.db.query(
    `insert into users (contact_id, full_name, email, class_name, registered_at)
     values ($1, 'Aminat  Bello Okafor', 'ami@example.com', 'Grade 11', now())`,
    [registered],
  );
});

afterAll(async () => {
  await app?.stop();
});

const asAdmin = (method: string, path: string, body?: unknown) =>
  app.request(method, path, { token: TEST_ADMIN_TOKEN, body });
const create = (title: string, body: string) => asAdmin('POST', PATH, { title, body });

describe('canned responses', () => {
  it('lets an admin create, an agent list (by title) and an admin delete them', async () => {
    const greeting = await create('  Greeting ', 'Hi {first_name}! How can I help?');
    expect(greeting.status).toBe(201);
    expect(greeting.body).toMatchObject({
      status: 'success',
      id: expect.any(Number),
      title: 'Greeting',
      body: 'Hi {first_name}! How can I help?',
    });
    const audit = await lastAudit(app.db);
    expect(audit).toMatchObject({ action: 'canned.create', actor: 'Admin', outcome: 'ok', http_status: 201 });
    expect(JSON.stringify(audit)).not.toContain('How can I help');
    const another = await create('another reply', 'Thanks for waiting, {full_name}.');
    expect(another.status).toBe(201);

    const listed = await app.request('GET', PATH, { token: agent.token });
    expect(listed.status).toBe(200);
    const titles = listed.body.cannedResponses.map((c: { title: string }) => c.title);
    expect(titles).toEqual(['another reply', 'Greeting']);

    const deleted = await asAdmin('DELETE', `${PATH}/${another.body.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ id: another.body.id, title: 'another reply' });
    const after = await app.request('GET', PATH, { token: agent.token });
    expect(after.body.cannedResponses.map((c: { id: number }) => c.id)).toEqual([greeting.body.id]);
    expect((await asAdmin('DELETE', `${PATH}/${another.body.id}`)).status).toBe(404);
    // Withdrawn, not deleted: the row stays, and its title may be used again.
    const kept = await app.db.query('select deleted_at from canned_responses where id = $1', [another.body.id]);
    expect(kept.rows).toEqual([{ deleted_at: expect.any(Date) }]);
    expect((await create('Another reply', 'A new text.')).status).toBe(201);
  });

  it('answers 409 duplicate_title to a title that exists, in any case, and keeps the first', async () => {
    expect((await create('Fees', 'The fee is on the website.')).status).toBe(201);
    for (const title of ['Fees', 'FEES', ' fees ']) {
      const again = await create(title, 'Another body');
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ status: 'error', error: { code: 'duplicate_title' } });
    }
    const listed = await asAdmin('GET', PATH);
    expect(listed.body.cannedResponses.filter((c: { title: string }) => c.title.toLowerCase() === 'fees')).toEqual([
      expect.objectContaining({ title: 'Fees', body: 'The fee is on the website.' }),
    ]);
  });

  it('refuses writing to an agent (403) and stores nothing', async () => {
    const before = (await asAdmin('GET', PATH)).body.cannedResponses.length;
    const created = await app.request('POST', PATH, { token: agent.token, body: { title: 'Mine', body: 'x' } });
    expect(created.status).toBe(403);
    const id = (await asAdmin('GET', PATH)).body.cannedResponses[0].id;
    expect((await app.request('DELETE', `${PATH}/${id}`, { token: agent.token })).status).toBe(403);
    expect((await asAdmin('GET', PATH)).body.cannedResponses).toHaveLength(before);
  });

  it.each([
    ['no title', { body: 'x' }],
    ['no body', { title: 'x' }],
    ['an empty title', { title: '  ', body: 'x' }],
    ['an empty body', { title: 'Empty', body: ' ' }],
    ['a title over 100 characters', { title: 't'.repeat(101), body: 'x' }],
    ['a title on two lines', { title: 'Two\nlines', body: 'x' }],
    ['a body over 4096 characters', { title: 'Long', body: 'b'.repeat(4097) }],
    ['U+0000 in the body', { title: 'Nul', body: 'a\0b' }],
    ['an unpaired surrogate in the title', { title: 'a\udc00', body: 'x' }],
    ['a field that does not exist', { title: 'Typo', body: 'Hi {firstname}' }],
    ['a title that is not a string', { title: 7, body: 'x' }],
  ])('answers 400 invalid_body to %s', async (_label, body) => {
    const answer = await asAdmin('POST', PATH, body);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_body' } });
  });

  it.each([
    ['an id that is not a number', `${PATH}/abc`, 400, 'invalid_canned_response_id'],
    ['an unknown id', `${PATH}/999999`, 404, 'canned_response_not_found'],
  ])('answers DELETE with %s with %i', async (_label, path, status, code) => {
    const answer = await asAdmin('DELETE', path);
    expect(answer.status).toBe(status);
    expect(answer.body.error.code).toBe(code);
  });
});

describe('GET /api/admin/canned-responses?phone=', () => {
  let id: number;

  beforeAll(async () => {
    const created = await create(
      'Welcome back',
      'Hello {first_name} ({full_name}, {class}), {first_name}! {Braces} and { braces } stay.',
    );
    expect(created.status).toBe(201);
    id = created.body.id;
  });

  const filled = async (phone: string) => {
    const answer = await app.request('GET', `${PATH}?phone=${encodeURIComponent(phone)}`, { token: agent.token });
    expect(answer.status).toBe(200);
    return answer.body.cannedResponses.find((c: { id: number }) => c.id === id);
  };

  it.each([
    ['a phone number as agents type it', () => '+1 555-000-8001'],
    ['its contact id', () => registered],
    ['its BSUID', () => 'NG.8001'],
    ['its username', () => '@ami_b'],
  ])("fills the fields from a registered student's profile, named by %s", async (_label, reference) => {
    expect(await filled(reference())).toMatchObject({
      title: 'Welcome back',
      body: 'Hello {first_name} ({full_name}, {class}), {first_name}! {Braces} and { braces } stay.',
      text: 'Hello Aminat (Aminat  Bello Okafor, Grade 11), Aminat! {Braces} and { braces } stay.',
      missing: [],
    });
    expect(await lastAudit(app.db)).toMatchObject({ action: 'canned.list', contact_id: registered });
  });

  it('puts a bracketed placeholder where an unregistered student has no value, and names the fields missing', async () => {
    expect(await filled(UNREGISTERED)).toMatchObject({
      text: 'Hello [first name] ([full name], [class]), [first name]! {Braces} and { braces } stay.',
      missing: ['first_name', 'full_name', 'class'],
    });
  });

  it('answers 404 for a contact with no conversation or none at all, and 400 for what names no contact', async () => {
    const noConversation = await app.contact('15550008003');
    for (const reference of ['15550008999', noConversation, '@nobody_here']) {
      const unknown = await app.request('GET', `${PATH}?phone=${encodeURIComponent(reference)}`, {
        token: agent.token,
      });
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('conversation_not_found');
    }
    const bad = await app.request('GET', `${PATH}?phone=${encodeURIComponent('a b!')}`, { token: agent.token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_contact');
  });
});

describe('fillCannedResponse', () => {
  it('fills a profile with only a class, and leaves text in braces that is no field alone', () => {
    expect(fillCannedResponse('{first_name}/{class}/{x}/{ first_name }', { className: 'JSS 2' })).toEqual({
      text: '[first name]/JSS 2/{x}/{ first_name }',
      missing: ['first_name'],
    });
  });
});
