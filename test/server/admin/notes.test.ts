import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// Notes over HTTP: who may write and read them, the text rules, the author and time they are
// stored with, the event that tells the consoles, and the audit row without the text.

let app: AdminApp;
let agent: { token: string; id: number };
const PHONE = '15550007001';
/** The contact of the student writing from PHONE. */
let contactId: string;

beforeAll(async () => {
  app = await startAdminApp();
  agent = await app.token('agent', 'Agent Nneka');
  contactId = await app.contact(PHONE);
  await app.db.query(`insert into conversations (contact_id, state, registered) values ($1, 'REGISTERED', true)`, [
    contactId,
  ]);
});

afterAll(async () => {
  await app?.stop();
});

const notesPath = (phone: string) => `/api/admin/conversations/${phone}/notes`;
const write = (text: unknown, token = agent.token, phone = PHONE) =>
  app.request('POST', notesPath(phone), { token, body: { text } });

describe('POST and GET /api/admin/conversations/{phone}/notes', () => {
  it('stores a note with its author and time, lists the notes oldest first, and tells the consoles', async () => {
    const { rows: before } = await app.db.query<{ id: string }>('select coalesce(max(id), 0) as id from events');
    const first = await write('  Asked about the exam fee twice; call back Friday.  ');
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      status: 'success',
      note: {
        id: expect.any(Number),
        contactId,
        agentName: 'Agent Nneka',
        text: 'Asked about the exam fee twice; call back Friday.',
      },
    });
    const { rows: people } = await app.db.query<{ id: string }>("select id from agents where name = 'Agent Nneka'");
    expect(first.body.note.agentId).toBe(Number(people[0]!.id));
    const second = await write('Second note, from the admin', TEST_ADMIN_TOKEN, `+1 555-000-7001`);
    expect(second.status).toBe(201);
    expect(second.body.note).toMatchObject({ agentName: 'Admin', contactId });

    const listed = await app.request('GET', notesPath(`+${PHONE}`), { token: agent.token });
    expect(listed.status).toBe(200);
    expect(listed.body.contactId).toBe(contactId);
    expect(listed.body.notes.map((n: { id: number; text: string }) => [n.id, n.text])).toEqual([
      [first.body.note.id, 'Asked about the exam fee twice; call back Friday.'],
      [second.body.note.id, 'Second note, from the admin'],
    ]);
    const times = listed.body.notes.map((n: { createdAt: string }) => Date.parse(n.createdAt));
    expect(times.every((t: number) => Number.isFinite(t))).toBe(true);
    expect(times[1]).toBeGreaterThanOrEqual(times[0]);

    // One 'note' event per note, for the consoles to reload the history: it carries no text.
    const { rows: events } = await app.db.query<{ kind: string; contact_id: string; payload: unknown }>(
      'select kind, contact_id, payload from events where id > $1 order by id',
      [before[0]!.id],
    );
    expect(events).toEqual([
      { kind: 'note', contact_id: contactId, payload: { agentId: Number(people[0]!.id), agentName: 'Agent Nneka' } },
      { kind: 'note', contact_id: contactId, payload: { agentId: expect.any(Number), agentName: 'Admin' } },
    ]);
  });

  it('audits a note with its length and id, never its text', async () => {
    const text = 'Secret-looking note text 7f3a';
    const answer = await write(text);
    expect(answer.status).toBe(201);
    const row = await lastAudit(app.db);
    expect(row).toMatchObject({
      action: 'notes.create',
      actor: 'Agent Nneka',
      contact_id: contactId,
      outcome: 'ok',
      http_status: 201,
      details: { textLength: text.length, noteId: answer.body.note.id },
    });
    expect(JSON.stringify(row)).not.toContain(text);
  });

  it.each([
    ['no text', undefined],
    ['an empty text', '   '],
    ['a text that is not a string', 42],
    ['U+0000', 'a\0b'],
    ['an unpaired surrogate', 'a\ud800b'],
    ['4097 characters', 'x'.repeat(4097)],
    ['4097 code points of emoji', '😀'.repeat(4097)],
  ])('answers 400 invalid_body to %s and stores nothing', async (_label, text) => {
    const { rows: before } = await app.db.query<{ n: string }>('select count(*) as n from notes');
    const answer = await write(text);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_body' } });
    const { rows: after } = await app.db.query<{ n: string }>('select count(*) as n from notes');
    expect(after[0]!.n).toBe(before[0]!.n);
  });

  it('takes 4096 emoji: the limit counts code points', async () => {
    const answer = await write('😀'.repeat(4096));
    expect(answer.status).toBe(201);
    expect([...answer.body.note.text]).toHaveLength(4096);
  });

  it('answers 400 invalid_json to a body that is not JSON', async () => {
    const answer = await app.request('POST', notesPath(PHONE), { token: agent.token, body: 'text=hi' });
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_json');
  });

  it('answers 404 conversation_not_found for a contact with no conversation or none at all, and 400 for what names no contact', async () => {
    const noConversation = await app.contact('15550007998');
    for (const method of ['GET', 'POST']) {
      for (const reference of ['15550007999', '15550007998', noConversation]) {
        const unknown = await app.request(method, notesPath(reference), {
          token: agent.token,
          body: method === 'POST' ? { text: 'hello' } : undefined,
        });
        expect([reference, unknown.status, unknown.body.error.code]).toEqual([
          reference,
          404,
          'conversation_not_found',
        ]);
      }
      const bad = await app.request(method, notesPath('a%20b'), {
        token: agent.token,
        body: method === 'POST' ? { text: 'hello' } : undefined,
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('invalid_contact');
    }
    const { rows } = await app.db.query('select 1 from notes where contact_id = $1', [noConversation]);
    expect(rows).toHaveLength(0);
  });
});
