import { startAdminApp, type AdminApp } from './admin-app';

// GET /api/admin/queue over a real Postgres: each waiting chat says whose it is, the contact with its
// phone (null when Meta withholds it), BSUID and username, oldest first; chats an agent answered,
// opened or ended do not wait.

let app: AdminApp;
let agent: string;

beforeAll(async () => {
  app = await startAdminApp();
  agent = (await app.token('agent')).token;
});

afterAll(async () => {
  await app?.stop();
});

async function waitingChat(contactId: string, minutesAgo: number, extra = ''): Promise<void> {
  await app.db.query(
    `insert into chat_sessions (contact_id, started_by, started_at, session_key${extra === '' ? '' : ', ' + extra})
     values ($1, 'user', now() - $2 * interval '1 minute', gen_random_uuid()::text${extra === '' ? '' : ', now()'})`,
    [contactId, minutesAgo],
  );
}

it('lists the waiting chats oldest first, each with its contact', async () => {
  const byPhone = await app.contact('15550004001');
  const byBsuid = await app.contact({ bsuid: 'US.13491208655302741918', username: 'realsheena' });
  await app.db.query(
    `insert into conversations (contact_id, profile_name, state) values ($1, 'Femi', 'CHAT_SUPPORT_ACTIVE')`,
    [byPhone],
  );
  await app.db.query(`insert into users (contact_id, full_name) values ($1, 'Sheena Nelson')`, [byBsuid]);
  await waitingChat(byBsuid, 3);
  await waitingChat(byPhone, 7);
  // Answered already, or ended: not waiting.
  const answered = await app.contact('15550004002');
  await waitingChat(answered, 9, 'first_agent_reply_at');
  const ended = await app.contact('15550004003');
  await waitingChat(ended, 11, 'ended_at');

  const answer = await app.request('GET', '/api/admin/queue', { token: agent });
  expect(answer.status).toBe(200);
  expect(answer.body.queue).toEqual([
    {
      contactId: byPhone,
      phone: '15550004001',
      bsuid: null,
      username: null,
      name: 'Femi',
      waitingSince: expect.any(String),
      waitSeconds: expect.any(Number),
      holder: null,
      priority: 'normal',
      labels: [],
      availableAt: expect.any(String),
      sla: { escalated: false },
    },
    {
      contactId: byBsuid,
      phone: null,
      bsuid: 'US.13491208655302741918',
      username: 'realsheena',
      name: 'Sheena Nelson',
      waitingSince: expect.any(String),
      waitSeconds: expect.any(Number),
      holder: null,
      priority: 'normal',
      labels: [],
      availableAt: expect.any(String),
      sla: { escalated: false },
    },
  ]);
  expect(answer.body.queue[0].waitSeconds).toBeGreaterThanOrEqual(7 * 60 - 1);
});

it('lists a chat asked for outside business hours only from its opening, and escalated chats first', async () => {
  const later = await app.contact('15550004011');
  const older = await app.contact('15550004012');
  const escalated = await app.contact('15550004013');
  await app.db.query(
    `insert into chat_sessions (contact_id, started_by, started_at, available_at, session_key)
     values ($1, 'user', now(), now() + interval '1 hour', gen_random_uuid()::text)`,
    [later],
  );
  await app.db.query(
    `insert into chat_sessions (contact_id, started_by, started_at, available_at, session_key)
     values ($1, 'user', now() - interval '3 hours', now() - interval '2 hours', gen_random_uuid()::text)`,
    [older],
  );
  await app.db.query(
    `insert into chat_sessions (contact_id, started_by, started_at, available_at, session_key, priority,
                                first_response_due_at, sla_first_response, escalated_at)
     values ($1, 'user', now() - interval '1 hour', now() - interval '1 hour', gen_random_uuid()::text, 'high',
             now() - interval '30 minutes', 'breached', now() - interval '30 minutes')`,
    [escalated],
  );

  const answer = await app.request('GET', '/api/admin/queue', { token: agent });
  expect(answer.status).toBe(200);
  const ours = answer.body.queue.filter((c: { contactId: string }) => [later, older, escalated].includes(c.contactId));
  expect(ours.map((c: { contactId: string }) => c.contactId)).toEqual([escalated, older]);
  expect(ours[0].sla).toEqual({
    firstResponseDueAt: expect.any(String),
    firstResponse: 'breached',
    escalated: true,
  });
  // Waiting since the opening it waited for, not since it was asked for.
  expect(ours[1].waitSeconds).toBeGreaterThanOrEqual(2 * 3600 - 1);
  expect(ours[1].waitSeconds).toBeLessThan(3 * 3600);
  expect(answer.body.waitingForOpening).toBe(1);
});

it('takes no parameters', async () => {
  const answer = await app.request('GET', '/api/admin/queue?limit=5', { token: agent });
  expect(answer.status).toBe(400);
  expect(answer.body.error.code).toBe('invalid_query');
});
