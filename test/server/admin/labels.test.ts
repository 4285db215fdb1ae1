import { RECENT_WINDOW } from '../../../src/db/search';
import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// Labels and priority over HTTP with a real Postgres and Temporal (no conversation workflow runs, so
// the priority is stored and its signal finds no run): who may define and set them, the refusals,
// the audit rows, the events that tell the consoles, and the filters of the list, queue and search.

let app: AdminApp;
let agent: string;
const PHONES = ['15550023001', '15550023002', '15550023003'];
/** The contacts of the students writing from PHONES. */
const contacts: string[] = [];

beforeAll(async () => {
  app = await startAdminApp();
  agent = (await app.token('agent', 'Agent Tunde')).token;
  for (const [i, phone] of PHONES.entries()) {
    const contactId = await app.contact(phone);
    contacts.push(contactId);
    await app.db.query(
      `insert into conversations (contact_id, profile_name, state, last_activity_at)
       values ($1, $2, 'CHAT_SUPPORT_ACTIVE', now() - $3 * interval '1 minute')`,
      [contactId, `Zainab Student${i}`, i],
    );
    await app.db.query(
      `insert into chat_sessions (contact_id, started_by, started_at, session_key)
       values ($1, 'user', now() - $2 * interval '1 minute', gen_random_uuid()::text)`,
      [contactId, 10 - i],
    );
  }
});

afterAll(async () => {
  await app?.stop();
});

const admin = { token: TEST_ADMIN_TOKEN };
const createLabel = (body: unknown, token = TEST_ADMIN_TOKEN) =>
  app.request('POST', '/api/admin/labels', { token, body });
const setLabels = (phone: string, labels: unknown, token = agent) =>
  app.request('PUT', `/api/admin/conversations/${phone}/labels`, { token, body: { labels } });
const setPriority = (phone: string, priority: unknown, token = agent) =>
  app.request('PUT', `/api/admin/conversations/${phone}/priority`, { token, body: { priority } });

async function eventsSince(id: number) {
  const { rows } = await app.db.query<{ kind: string; contact_id: string | null; payload: unknown }>(
    'select kind, contact_id, payload from events where id > $1 order by id',
    [id],
  );
  return rows;
}

async function lastEventId(): Promise<number> {
  const { rows } = await app.db.query<{ id: string }>('select coalesce(max(id), 0) as id from events');
  return Number(rows[0]!.id);
}

const names = (list: { name: string }[]) => list.map((l) => l.name);
const idsOf = (list: { contactId: string }[]) => list.map((c) => c.contactId);

describe('labels', () => {
  it('lets an admin create a label, stored with its colour in lower case, listed for agents by name', async () => {
    const before = await lastEventId();
    const created = await createLabel({ name: '  Exam fees ', color: '#A1B2C3' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'success',
      label: { id: expect.any(Number), name: 'Exam fees', color: '#a1b2c3', createdAt: expect.any(String) },
    });
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'labels.create',
      actor: 'Admin',
      outcome: 'ok',
      http_status: 201,
      details: { name: 'Exam fees', color: '#a1b2c3', labelId: created.body.label.id },
    });
    expect(await eventsSince(before)).toEqual([
      { kind: 'labels_changed', contact_id: null, payload: { labelId: created.body.label.id, change: 'created' } },
    ]);
    expect((await createLabel({ name: 'billing', color: '#00ff00' })).status).toBe(201);

    const listed = await app.request('GET', '/api/admin/labels', { token: agent });
    expect(listed.status).toBe(200);
    expect(names(listed.body.labels)).toEqual(['billing', 'Exam fees']);
  });

  it('refuses a duplicate name whatever its case (409), a bad colour or name (400), agents (403), no token (401)', async () => {
    const duplicate = await createLabel({ name: 'EXAM FEES', color: '#000000' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('duplicate_label');
    expect(await lastAudit(app.db)).toMatchObject({ action: 'labels.create', outcome: 'duplicate_label' });

    for (const color of ['red', '#12345', '#1234567', '#ggg000', 123, undefined]) {
      const answer = await createLabel({ name: 'Colourful', color });
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_body');
    }
    for (const name of ['', '   ', 'x'.repeat(51), 'two\nlines', 42]) {
      const answer = await createLabel({ name, color: '#123456' });
      expect(answer.status).toBe(400);
    }
    expect((await createLabel({ name: 'é'.repeat(50), color: '#123456' })).status).toBe(201);
    expect((await createLabel('not json', TEST_ADMIN_TOKEN)).status).toBe(400);

    const byAgent = await createLabel({ name: 'Agent made', color: '#123456' }, agent);
    expect(byAgent.status).toBe(403);
    expect(await lastAudit(app.db)).toMatchObject({ action: 'labels.create', actor: 'Agent Tunde', http_status: 403 });
    const anonymous = await app.request('POST', '/api/admin/labels', { body: { name: 'x', color: '#123456' } });
    expect(anonymous.status).toBe(401);
    expect((await app.request('GET', '/api/admin/labels')).status).toBe(401);
    const { rows } = await app.db.query("select 1 from labels where name in ('Colourful', 'Agent made')");
    expect(rows).toEqual([]);
  });

  it('lets an admin rename, recolour and delete a label; 404 for an unknown one, 409 for a taken name', async () => {
    const made = await createLabel({ name: 'Temporary', color: '#111111' });
    const id = made.body.label.id as number;
    const renamed = await app.request('PUT', `/api/admin/labels/${id}`, {
      ...admin,
      body: { name: 'Short-lived', color: '#FFFFFF' },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.label).toMatchObject({ id, name: 'Short-lived', color: '#ffffff' });
    const taken = await app.request('PUT', `/api/admin/labels/${id}`, { ...admin, body: { name: 'Billing' } });
    expect(taken.status).toBe(409);
    expect((await app.request('PUT', `/api/admin/labels/${id}`, { ...admin, body: {} })).status).toBe(400);
    expect((await app.request('PUT', `/api/admin/labels/${id}`, { token: agent, body: { name: 'A' } })).status).toBe(
      403,
    );
    expect((await app.request('PUT', '/api/admin/labels/999999', { ...admin, body: { name: 'A' } })).status).toBe(404);
    expect((await app.request('DELETE', '/api/admin/labels/abc', admin)).status).toBe(400);

    expect((await setLabels(PHONES[2]!, ['Short-lived'])).status).toBe(200);
    expect((await app.request('DELETE', `/api/admin/labels/${id}`, { token: agent })).status).toBe(403);
    const deleted = await app.request('DELETE', `/api/admin/labels/${id}`, admin);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({ label: { id, name: 'Short-lived' }, conversations: 1 });
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'labels.delete',
      details: { labelId: id, name: 'Short-lived', conversations: 1 },
    });
    // The conversation lost it with the label.
    const conversation = await app.request('GET', `/api/admin/conversations/${PHONES[2]}`, { token: agent });
    expect(conversation.body.conversation.labels).toEqual([]);
    expect((await app.request('DELETE', `/api/admin/labels/${id}`, admin)).status).toBe(404);
  });
});

describe('PUT /api/admin/conversations/{phone}/labels', () => {
  it('replaces the set of labels, named in any case, and shows them on the conversation and in the list', async () => {
    const before = await lastEventId();
    const first = await setLabels(`+${PHONES[0]}`, ['exam fees', 'BILLING']);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: 'success', contactId: contacts[0] });
    expect(names(first.body.labels)).toEqual(['billing', 'Exam fees']);
    const billingId = first.body.labels[0].id as number;
    const examId = first.body.labels[1].id as number;
    expect(first.body.labels[0]).toEqual({ id: billingId, name: 'billing', color: '#00ff00' });

    const second = await setLabels(PHONES[0]!, ['Exam fees']);
    expect(names(second.body.labels)).toEqual(['Exam fees']);
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'conversations.labels',
      actor: 'Agent Tunde',
      contact_id: contacts[0],
      outcome: 'ok',
      details: { labelIds: [examId], added: [], removed: [billingId] },
    });
    // The same set again changes nothing, and tells nobody.
    expect((await setLabels(PHONES[0]!, ['exam FEES'])).status).toBe(200);
    expect(await eventsSince(before)).toEqual([
      {
        kind: 'labels',
        contact_id: contacts[0],
        payload: { labels: [billingId, examId], added: expect.any(Array), removed: [] },
      },
      { kind: 'labels', contact_id: contacts[0], payload: { labels: [examId], added: [], removed: [billingId] } },
    ]);

    const got = await app.request('GET', `/api/admin/conversations/${contacts[0]}`, { token: agent });
    expect(got.body.conversation).toMatchObject({
      priority: 'normal',
      labels: [{ id: examId, name: 'Exam fees', color: '#a1b2c3' }],
    });
    const list = await app.request('GET', '/api/admin/conversations', { token: agent });
    const listed = list.body.conversations.find((c: { contactId: string }) => c.contactId === contacts[0]);
    expect(listed.labels).toEqual([{ id: examId, name: 'Exam fees', color: '#a1b2c3' }]);

    expect((await setLabels(PHONES[0]!, [])).body.labels).toEqual([]);
  });

  it('refuses an unknown label naming it, too many labels, a bad body (400); an unknown conversation (404)', async () => {
    expect((await setLabels(PHONES[1]!, ['Billing'])).status).toBe(200);
    const unknown = await setLabels(PHONES[1]!, ['billing', 'Refunds', 'VIP']);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('unknown_label');
    expect(unknown.body.error.message).toContain('"Refunds", "VIP"');
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'conversations.labels',
      outcome: 'unknown_label',
      details: { unknown: ['Refunds', 'VIP'] },
    });
    const tooMany = await setLabels(
      PHONES[1]!,
      Array.from({ length: 21 }, (_, i) => `L${i}`),
    );
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error.code).toBe('invalid_body');
    for (const labels of ['billing', [1], [''], undefined])
      expect((await setLabels(PHONES[1]!, labels)).status).toBe(400);
    // Nothing of a refused request was applied.
    const got = await app.request('GET', `/api/admin/conversations/${PHONES[1]}`, { token: agent });
    expect(names(got.body.conversation.labels)).toEqual(['billing']);

    const stranger = await app.contact('15550023999');
    expect((await setLabels(stranger, ['billing'])).status).toBe(404);
    expect((await setLabels('15550023998', ['billing'])).status).toBe(404);
    expect(
      (await app.request('PUT', `/api/admin/conversations/${PHONES[1]}/labels`, { body: { labels: [] } })).status,
    ).toBe(401);
  });
});

describe('PUT /api/admin/conversations/{phone}/priority', () => {
  it('stores the priority, audits it, tells the consoles once, and answers though no workflow runs', async () => {
    const before = await lastEventId();
    const set = await setPriority(PHONES[1]!, 'urgent');
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      status: 'success',
      contactId: contacts[1],
      priority: 'urgent',
      previous: 'normal',
    });
    expect(await lastAudit(app.db)).toMatchObject({
      action: 'conversations.priority',
      contact_id: contacts[1],
      outcome: 'ok',
      details: { priority: 'urgent', previous: 'normal', workflow: 'not_running' },
    });
    expect((await setPriority(PHONES[1]!, 'urgent')).body.previous).toBe('urgent');
    expect(await eventsSince(before)).toEqual([
      { kind: 'priority', contact_id: contacts[1], payload: { priority: 'urgent', previous: 'normal' } },
    ]);
    const { rows } = await app.db.query('select priority from conversations where contact_id = $1', [contacts[1]]);
    expect(rows).toEqual([{ priority: 'urgent' }]);
    const got = await app.request('GET', `/api/admin/conversations/${PHONES[1]}`, { token: agent });
    expect(got.body.conversation.priority).toBe('urgent');
  });

  it('refuses a priority that is none of the four (400) and an unknown conversation (404)', async () => {
    for (const priority of ['critical', 'URGENT', '', 3, null, undefined]) {
      const answer = await setPriority(PHONES[2]!, priority);
      expect(answer.status).toBe(400);
      expect(answer.body.error.code).toBe('invalid_body');
    }
    expect((await setPriority('15550023997', 'high')).status).toBe(404);
    expect(
      (await app.request('PUT', `/api/admin/conversations/${PHONES[2]}/priority`, { body: { priority: 'high' } }))
        .status,
    ).toBe(401);
    const { rows } = await app.db.query('select priority from conversations where contact_id = $1', [contacts[2]]);
    expect(rows).toEqual([{ priority: 'normal' }]);
  });
});

describe('filters by label and priority', () => {
  beforeAll(async () => {
    // Student 0: billing, high. Student 1: billing, urgent (above). Student 2: no label, low.
    expect((await setLabels(PHONES[0]!, ['Billing'])).status).toBe(200);
    expect((await setPriority(PHONES[0]!, 'high')).status).toBe(200);
    expect((await setPriority(PHONES[2]!, 'low')).status).toBe(200);
  });

  it('narrows the conversation list', async () => {
    const list = (query: string) => app.request('GET', `/api/admin/conversations?${query}`, { token: agent });
    expect(idsOf((await list('label=BILLING')).body.conversations)).toEqual([contacts[0], contacts[1]]);
    expect(idsOf((await list('label=billing&priority=urgent')).body.conversations)).toEqual([contacts[1]]);
    expect(idsOf((await list('priority=low')).body.conversations)).toEqual([contacts[2]]);
    expect(idsOf((await list('label=Nobody%20has%20it')).body.conversations)).toEqual([]);
    const paged = await list('label=billing&limit=1');
    expect(idsOf(paged.body.conversations)).toEqual([contacts[0]]);
    const rest = await list(`label=billing&limit=1&cursor=${paged.body.nextCursor}`);
    expect(idsOf(rest.body.conversations)).toEqual([contacts[1]]);
    expect((await list('priority=critical')).status).toBe(400);
    expect((await list(`label=${'x'.repeat(51)}`)).status).toBe(400);
    expect(await lastAudit(app.db)).toMatchObject({ action: 'conversations.list', http_status: 400 });
  });

  it('narrows the queue, whose chats show their labels and priority', async () => {
    const queue = (query: string) => app.request('GET', `/api/admin/queue?${query}`, { token: agent });
    const all = await queue('');
    expect(idsOf(all.body.queue)).toEqual(contacts);
    expect(all.body.queue[1]).toMatchObject({ priority: 'urgent', labels: [{ name: 'billing', color: '#00ff00' }] });
    expect(idsOf((await queue('label=billing')).body.queue)).toEqual([contacts[0], contacts[1]]);
    expect(idsOf((await queue('priority=high')).body.queue)).toEqual([contacts[0]]);
    expect(idsOf((await queue('priority=low&label=billing')).body.queue)).toEqual([]);
    expect((await queue('priority=soon')).status).toBe(400);
    expect((await queue('limit=5')).status).toBe(400);
  });

  it('narrows search, conversations and messages alike', async () => {
    await app.db.query(
      `insert into messages (contact_id, direction, sender, idempotency_key, type, body, status)
       select c, 'inbound', 'user', 'labels-' || c, 'text', 'my quizbook payment failed', 'received'
         from unnest($1::text[]) as c`,
      [contacts],
    );
    const search = (query: string) => app.request('GET', `/api/admin/search?${query}`, { token: agent });
    const byName = await search('q=zainab&label=billing');
    expect(byName.status).toBe(200);
    expect(byName.body.hits.map((h: { contactId: string }) => h.contactId).sort()).toEqual(
      [contacts[0], contacts[1]].sort(),
    );
    const words = await search('q=quizbook&priority=low');
    expect(words.body.hits).toEqual([expect.objectContaining({ kind: 'message', contactId: contacts[2] })]);
    const both = await search('q=quizbook&label=billing&priority=high');
    expect(both.body.hits).toEqual([expect.objectContaining({ kind: 'message', contactId: contacts[0] })]);
    expect((await search('q=quizbook')).body.hits).toHaveLength(3);
    // Past the window of recent messages search reads in order, the full-text index's step filters the same way.
    await app.db.query(
      `insert into messages (contact_id, direction, sender, idempotency_key, type, body, status, created_at)
       select $1, 'outbound', 'bot', 'labels-filler-' || n, 'text', 'filler', 'sent', now() + interval '1 minute'
         from generate_series(1, ${RECENT_WINDOW}) as n`,
      [contacts[2]],
    );
    const older = await search('q=quizbook&label=billing&priority=high');
    expect(older.body.hits).toEqual([expect.objectContaining({ kind: 'message', contactId: contacts[0] })]);
    expect((await search('q=quizbook&priority=someday')).status).toBe(400);
  });
});
