import { markAccepted, storeInbound, recordStatus, upsertOutbound } from '../../../src/db/messages';
import { startAdminApp, type AdminApp } from './admin-app';

// The read routes: the conversation list (filter, order, pagination), one conversation with its
// profile and open chat, and the message history.

let app: AdminApp;
let agent: string;
/** The contact of each phone: the list and the routes name conversations by contact. */
const contactOf = new Map<string, string>();
const idOf = (phone: string) => contactOf.get(phone)!;

// Ten conversations, one minute of activity apart; the newest is c(9). Microseconds differ too, so a
// cursor that rounded to milliseconds would skip or repeat rows.
const phones = Array.from({ length: 10 }, (_, i) => `1555000800${i}`);
const states = ['REGISTERED', 'IDLE', 'CHAT_SUPPORT_ACTIVE'];

beforeAll(async () => {
  app = await startAdminApp();
  agent = (await app.token('agent')).token;
  for (const phone of [...phones, '15550008100', '15550008101']) contactOf.set(phone, await app.contact(phone));
  for (const [i, phone] of phones.entries()) {
    await app.db.query(
      `insert into conversations (contact_id, profile_name, state, registered, last_inbound_at, last_activity_at)
       values ($1, $2, $3, $4, timestamptz '2026-01-01 10:00:00.000123+00' + $5 * interval '1 minute',
               timestamptz '2026-01-01 10:00:00.000456+00' + $5 * interval '1 minute')`,
      [idOf(phone), `User ${i}`, states[i % 3], i % 3 !== 1, i],
    );
  }
  // Two conversations share one activity time: the contact id breaks the tie.
  await app.db.query(
    `insert into conversations (contact_id, state, last_activity_at) values
      ($1, 'IDLE', timestamptz '2025-12-01 00:00:00.000001+00'),
      ($2, 'IDLE', timestamptz '2025-12-01 00:00:00.000001+00')`,
    [idOf('15550008100'), idOf('15550008101')],
  );
});

afterAll(async () => {
  await app?.stop();
});

const get = (path: string) => app.request('GET', path, { token: agent });

describe('GET /api/admin/conversations', () => {
  it('lists newest activity first with the summary fields', async () => {
    const answer = await get('/api/admin/conversations?limit=3');
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('success');
    expect(answer.body.conversations.map((c: { phone: string }) => c.phone)).toEqual([phones[9], phones[8], phones[7]]);
    expect(answer.body.conversations[0]).toEqual({
      contactId: idOf(phones[9]!),
      phone: phones[9],
      bsuid: null,
      username: null,
      profileName: 'User 9',
      state: 'REGISTERED',
      registered: true,
      lastInboundAt: '2026-01-01T10:09:00.000Z',
      lastActivityAt: '2026-01-01T10:09:00.000Z',
      priority: 'normal',
      labels: [],
    });
    expect(typeof answer.body.nextCursor).toBe('string');
  });

  it('pages through everything with the cursor, each row once, in order', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const answer = await get(`/api/admin/conversations?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(answer.status).toBe(200);
      seen.push(...answer.body.conversations.map((c: { phone: string }) => c.phone));
      cursor = answer.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    // The tie is broken by the contact id, larger first.
    const tied = ['15550008100', '15550008101'].sort((a, b) => (idOf(a) < idOf(b) ? 1 : -1));
    expect(seen).toEqual([...[...phones].reverse(), ...tied]);
  });

  it('defaults to 20 rows and has no nextCursor on the last page', async () => {
    const answer = await get('/api/admin/conversations');
    expect(answer.body.conversations).toHaveLength(12);
    expect(answer.body).not.toHaveProperty('nextCursor');
  });

  it('filters by state', async () => {
    const answer = await get('/api/admin/conversations?state=CHAT_SUPPORT_ACTIVE');
    expect(answer.body.conversations.map((c: { phone: string }) => c.phone)).toEqual([phones[8], phones[5], phones[2]]);
    const paged = await get('/api/admin/conversations?state=CHAT_SUPPORT_ACTIVE&limit=2');
    const rest = await get(
      `/api/admin/conversations?state=CHAT_SUPPORT_ACTIVE&limit=2&cursor=${paged.body.nextCursor}`,
    );
    expect(rest.body.conversations.map((c: { phone: string }) => c.phone)).toEqual([phones[2]]);
    expect(rest.body).not.toHaveProperty('nextCursor');
  });

  it.each([
    ['limit=0', 'invalid_query'],
    ['limit=101', 'invalid_query'],
    ['limit=ten', 'invalid_query'],
    ['state=NOT_A_STATE', 'invalid_query'],
    ['state=IDLE&state=REGISTERED', 'invalid_query'],
    ['cursor=not-a-cursor', 'invalid_cursor'],
  ])('answers 400 to ?%s', async (query, code) => {
    const answer = await get(`/api/admin/conversations?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', error: { code } });
  });

  // Cursors of the right shape whose time Postgres cannot do the keyset arithmetic on (bigint,
  // interval or timestamp out of range), and one whose time is not a number at all.
  it.each([
    ['-210866803200000017', '0'],
    ['99999999999999999999', '1'],
    ['9223372036854775807', '1'],
    ['-9223372036854775807', '1'],
    ['253402300800000000', 'ct_00000000000000000001'],
    ['\u0000', ''],
    // Right time, but a phone number where the contact id goes (the cursor of an earlier version).
    ['1767261600000000', '15550008001'],
  ])('answers 400 invalid_cursor, not 500, to the cursor [%j, %j]', async (micros, key) => {
    const cursor = Buffer.from(JSON.stringify([micros, key])).toString('base64url');
    const answer = await get(`/api/admin/conversations?cursor=${cursor}`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'invalid_cursor' } });
  });

  it('takes a cursor at either edge of the years 1 to 9999: everything is before the last, nothing before the first', async () => {
    const key = 'ct_ffffffffffffffffffff';
    const after = (micros: string) =>
      get(`/api/admin/conversations?cursor=${Buffer.from(JSON.stringify([micros, key])).toString('base64url')}`);
    const latest = await after('253402300799999999');
    expect(latest.status).toBe(200);
    expect(latest.body.conversations).toHaveLength(12);
    const earliest = await after('-62135596800000000');
    expect(earliest.status).toBe(200);
    expect(earliest.body.conversations).toEqual([]);
  });
});

describe('GET /api/admin/conversations/{phone}', () => {
  it('shows the state, the student profile and the open chat session', async () => {
    const phone = phones[8]!;
    await app.db.query(
      `insert into users (contact_id, full_name, email, class_name, registered_at) values ($1, 'Ada Obi', 'ada@example.com', 'JSS2', now())`,
      [idOf(phone)],
    );
    await app.db.query(
      `insert into chat_sessions (contact_id, started_by, ended_at, ended_by) values ($1, 'user', now(), 'user')`,
      [idOf(phone)],
    );
    await app.db.query(
      `insert into chat_sessions (contact_id, started_by, first_user_message_at) values ($1, 'Agent Grace', now())`,
      [idOf(phone)],
    );

    const answer = await get(`/api/admin/conversations/${encodeURIComponent('+1 555-000-8008')}`);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'success',
      conversation: {
        contactId: idOf(phone),
        phone,
        bsuid: null,
        username: null,
        profileName: 'User 8',
        state: 'CHAT_SUPPORT_ACTIVE',
        registered: true,
        profile: { fullName: 'Ada Obi', email: 'ada@example.com', className: 'JSS2' },
        openChat: { startedBy: 'Agent Grace', firstAgentReplyAt: null },
      },
    });
    expect(answer.body.conversation.openChat.firstUserMessageAt).toEqual(expect.any(String));
  });

  it('shows no profile and no chat for an unregistered user without a chat', async () => {
    const answer = await get(`/api/admin/conversations/${phones[1]}`);
    expect(answer.body.conversation).toMatchObject({
      state: 'IDLE',
      registered: false,
      profile: null,
      openChat: null,
      unread: 0,
    });
  });

  it('answers 404 conversation_not_found for an unknown number', async () => {
    const answer = await get('/api/admin/conversations/15559999999');
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'conversation_not_found' } });
  });

  it('answers 400 invalid_contact for something that names no contact', async () => {
    const answer = await get(`/api/admin/conversations/${encodeURIComponent('hello there!')}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('invalid_contact');
  });

  it('shows a student known only by BSUID with a null phone, by any name agents use for them', async () => {
    const bsuid = 'US.13491208655302741918';
    const contactId = await app.contact({ bsuid, username: 'realsheena' });
    await app.db.query(
      `insert into conversations (contact_id, profile_name, state, last_activity_at) values ($1, 'Sheena', 'IDLE', timestamptz '2025-11-01 00:00:00+00')`,
      [contactId],
    );
    const expected = { contactId, phone: null, bsuid, username: 'realsheena', profileName: 'Sheena' };
    for (const name of [contactId, bsuid, '@realsheena', 'realsheena']) {
      const answer = await get(`/api/admin/conversations/${encodeURIComponent(name)}`);
      expect(answer.status).toBe(200);
      expect(answer.body.conversation).toMatchObject(expected);
    }
    const list = await get('/api/admin/conversations?limit=100');
    expect(list.body.conversations.find((c: { contactId: string }) => c.contactId === contactId)).toMatchObject(
      expected,
    );
  });
});

describe('GET /api/admin/conversations/{phone}/messages', () => {
  it('returns the whole history oldest first, with senders, ids and delivery statuses', async () => {
    const phone = phones[5]!;
    const sentAt = Date.parse('2026-01-01T10:05:00Z');
    await storeInbound(
      app.db,
      idOf(phone),
      {
        waMessageId: 'wamid.IN1',
        sender: { phone },
        sentAt,
        receivedAt: sentAt + 500,
        content: { kind: 'text', text: 'support' },
      },
      'k1',
    );
    const bot = await upsertOutbound(app.db, {
      contactId: idOf(phone),
      key: 'bot-1',
      sender: 'bot',
      content: { kind: 'text', text: 'Connecting you' },
    });
    await markAccepted(app.db, bot.id, 'wamid.OUT1', { kind: 'message', contactId: null, payload: {} });
    await recordStatus(app.db, {
      waMessageId: 'wamid.OUT1',
      recipientId: phone,
      status: 'delivered',
      timestamp: sentAt + 2000,
    });
    const agentRow = await upsertOutbound(app.db, {
      contactId: idOf(phone),
      key: 'agent-1',
      sender: 'agent',
      senderName: 'Agent Grace',
      content: { kind: 'text', text: '🎧 Support Team: Hello' },
    });
    await markAccepted(app.db, agentRow.id, 'wamid.OUT2', { kind: 'message', contactId: null, payload: {} });
    await recordStatus(app.db, {
      waMessageId: 'wamid.OUT2',
      recipientId: phone,
      status: 'failed',
      timestamp: sentAt + 3000,
      errorCode: 131026,
      errorTitle: 'Message undeliverable',
    });

    const answer = await get(`/api/admin/conversations/${phone}/messages`);
    expect(answer.status).toBe(200);
    expect(answer.body.contactId).toBe(idOf(phone));
    expect(answer.body.messages).toMatchObject([
      {
        direction: 'inbound',
        sender: 'user',
        senderName: null,
        type: 'text',
        body: 'support',
        waMessageId: 'wamid.IN1',
        status: 'received',
        timestamp: '2026-01-01T10:05:00.000Z',
      },
      { direction: 'outbound', sender: 'bot', body: 'Connecting you', waMessageId: 'wamid.OUT1', status: 'delivered' },
      {
        direction: 'outbound',
        sender: 'agent',
        senderName: 'Agent Grace',
        body: '🎧 Support Team: Hello',
        waMessageId: 'wamid.OUT2',
        status: 'failed',
        errorCode: 131026,
      },
    ]);
    expect(answer.body.messages[1].deliveredAt).toBe(new Date(sentAt + 2000).toISOString());
  });

  it('answers 404 for an unknown number', async () => {
    const answer = await get('/api/admin/conversations/15559999999/messages');
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('conversation_not_found');
  });
});
