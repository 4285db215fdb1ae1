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
    },
  ]);
  expect(answer.body.queue[0].waitSeconds).toBeGreaterThanOrEqual(7 * 60 - 1);
});

it('takes no parameters', async () => {
  const answer = await app.request('GET', '/api/admin/queue?limit=5', { token: agent });
  expect(answer.status).toBe(400);
  expect(answer.body.error.code).toBe('invalid_query');
});
