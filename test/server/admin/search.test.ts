import fc from 'fast-check';
import { linkSender } from '../../../src/db/contacts';
import { saveProfile } from '../../../src/db/users';
import { MAX_QUERY_CHARS } from '../../../src/server/admin/search';
import { lastAudit, startAdminApp, type AdminApp } from './admin-app';

// GET /api/admin/search through the product's HTTP app on a real socket and a real Postgres: phone
// numbers as agents type them, who may search, what the audit log keeps, pages, and every kind of bad
// input answered 400.

let app: AdminApp;
let agent: string;
let student: string;

const STUDENT = '15550001111';
/** The number the student wrote from before (user_changed_number): still finds them. */
const OLD_NUMBER = '2348031234567';
const BSUID = 'NG.7734120055512';

beforeAll(async () => {
  app = await startAdminApp();
  agent = (await app.token('agent')).token;
  student = await app.contact({ phone: OLD_NUMBER, bsuid: BSUID, username: 'tunde_b' });
  // The new number: linked to the same contact as the webhook links a user_changed_number.
  await linkSender(app.db, { sender: { bsuid: BSUID }, change: { type: 'user_changed_number', phone: STUDENT } });
  const other = await app.contact('15550009999');
  await app.db.query(
    `insert into conversations (contact_id, profile_name, state, registered) values ($1, 'Tunde', 'REGISTERED', true),
       ($2, 'Other', 'IDLE', false)`,
    [student, other],
  );
  await saveProfile(app.db, student, {
    fullName: 'Tunde Balogun',
    email: 'tunde@school.example',
    className: 'Grade 11',
  });
  for (let i = 0; i < 5; i++) {
    await app.db.query(
      `insert into messages (contact_id, direction, sender, idempotency_key, type, body, status, created_at)
       values ($1, 'inbound', 'user', $2, 'text', $3, 'received', now() - $4 * interval '1 minute')`,
      [student, `search-route-${i}`, `Kemistri question ${i}`, i],
    );
  }
});

afterAll(async () => {
  await app?.stop();
});

const get = (path: string, token = agent) => app.request('GET', path, { token });
const q = (text: string) => `/api/admin/search?q=${encodeURIComponent(text)}`;

describe('GET /api/admin/search', () => {
  it.each(['+1 555-000-1111', '15550001111', '+15550001111', '(555) 000-1111', '555.000.1111', '0001111'])(
    'finds the student stored as digits by %s',
    async (typed) => {
      const answer = await get(q(typed));
      expect(answer.status).toBe(200);
      expect(answer.body.hits).toEqual([
        {
          kind: 'conversation',
          contactId: student,
          phone: STUDENT,
          bsuid: BSUID,
          username: 'tunde_b',
          profileName: 'Tunde',
          fullName: 'Tunde Balogun',
          email: 'tunde@school.example',
          state: 'REGISTERED',
          lastActivityAt: expect.any(String),
          matched: ['phone'],
        },
      ]);
    },
  );

  it('shows where each message hit is: phone, id, time and a snippet with the words found', async () => {
    const answer = await get(`${q('kemistri')}&limit=2`);
    expect(answer.status).toBe(200);
    expect(answer.body.hits).toHaveLength(2);
    const [first] = answer.body.hits;
    const { rows } = await app.db.query<{ id: string }>(
      "select id from messages where idempotency_key = 'search-route-0'",
    );
    expect(first).toEqual({
      kind: 'message',
      contactId: student,
      phone: STUDENT,
      bsuid: BSUID,
      username: 'tunde_b',
      messageId: Number(rows[0]!.id),
      profileName: 'Tunde',
      fullName: 'Tunde Balogun',
      direction: 'inbound',
      sender: 'user',
      senderName: null,
      type: 'text',
      timestamp: expect.any(String),
      createdAt: expect.any(String),
      snippet: 'Kemistri question 0',
      highlights: [[0, 8]],
    });

    // The rest follows page after page, each hit once, and the last page has no cursor.
    const seen = answer.body.hits.map((hit: { messageId: number }) => hit.messageId);
    let cursor: string | undefined = answer.body.nextCursor;
    while (cursor) {
      const next = await get(`${q('kemistri')}&limit=2&cursor=${cursor}`);
      expect(next.status).toBe(200);
      seen.push(...next.body.hits.map((hit: { messageId: number }) => hit.messageId));
      cursor = next.body.nextCursor;
    }
    const { rows: newestFirst } = await app.db.query<{ id: string }>(
      'select id from messages where contact_id = $1 order by created_at desc',
      [student],
    );
    expect(seen).toEqual(newestFirst.map((row) => Number(row.id)));
  });

  it.each([
    ['the number they wrote from before, whole', '+234 803 123 4567'],
    ['the end of that number', '1234567'],
  ])('finds the student by %s: every number of the contact counts', async (_what, typed) => {
    const answer = await get(q(typed));
    expect(answer.status).toBe(200);
    expect(answer.body.hits).toEqual([
      expect.objectContaining({ kind: 'conversation', contactId: student, phone: STUDENT, matched: ['phone'] }),
    ]);
  });

  it.each(['@tunde_b', 'tunde_b', 'TUNDE_', '@tun'])(
    'finds the student by the username %s or its beginning',
    async (typed) => {
      const answer = await get(q(typed));
      expect(answer.status).toBe(200);
      const hits = answer.body.hits.filter((hit: { kind: string }) => hit.kind === 'conversation');
      expect(hits).toEqual([expect.objectContaining({ contactId: student, username: 'tunde_b' })]);
      expect(hits[0].matched).toContain('username');
    },
  );

  it('takes `_` in a username query as itself, not as any character', async () => {
    const answer = await get(q('tunde_x'));
    expect(answer.body.hits.filter((hit: { kind: string }) => hit.kind === 'conversation')).toEqual([]);
    const underscore = await get(q('tundexb'));
    expect(underscore.body.hits).toEqual([]);
  });

  it('answers agents and admins, refuses a missing token, and audits a search without what was searched for', async () => {
    expect((await get(q('Tunde'), app.config.adminToken)).status).toBe(200);
    expect((await app.request('GET', q('Tunde'))).status).toBe(401);

    const answer = await get(q('tunde@school.example'));
    expect(answer.status).toBe(200);
    const audit = await lastAudit(app.db);
    expect(audit).toMatchObject({ action: 'search', outcome: 'ok', http_status: 200, role: 'agent' });
    expect(audit!.details).toEqual({ chars: 20, phoneLike: false, limit: 20, next: false, hits: 1 });

    await get(q('+1 555-000-1111'));
    const phoneAudit = await lastAudit(app.db);
    expect(phoneAudit).toMatchObject({ action: 'search', contact_id: null });
    expect(phoneAudit!.details).toEqual({ chars: 15, phoneLike: true, limit: 20, next: false, hits: 1 });
  });

  const longQuery = 'a'.repeat(MAX_QUERY_CHARS + 1);
  it.each([
    ['no q', '/api/admin/search', 'invalid_query', /q/],
    ['an empty q', '/api/admin/search?q=', 'invalid_query', /must not be empty/],
    ['a q of spaces and tabs', '/api/admin/search?q=%20%09%20', 'invalid_query', /must not be empty/],
    ['q twice', '/api/admin/search?q=a&q=b', 'invalid_query', /q/],
    ['a q too long', q(longQuery), 'invalid_query', /at most 200 characters/],
    ['U+0000', '/api/admin/search?q=ab%00c', 'invalid_query', /control characters/],
    ['another control character', '/api/admin/search?q=ab%1Bc', 'invalid_query', /control characters/],
    ['a UTF-8 encoded surrogate', '/api/admin/search?q=ab%ED%A0%80', 'invalid_query', /not valid UTF-8/],
    ['bytes that are no UTF-8', '/api/admin/search?q=%FF%FE', 'invalid_query', /not valid UTF-8/],
    ['nothing to search for', q('🙂 !!'), 'invalid_query', /a letter or a digit/],
    ['a limit of 0', `${q('a')}&limit=0`, 'invalid_query', /limit/],
    ['a limit over 100', `${q('a')}&limit=101`, 'invalid_query', /limit/],
    ['a limit that is no number', `${q('a')}&limit=ten`, 'invalid_query', /limit/],
    ['a cursor that is not ours', `${q('a')}&cursor=nonsense`, 'invalid_cursor', /start again/],
    [
      'a cursor of the wrong shape',
      `${q('a')}&cursor=${Buffer.from('["1","message","x"]').toString('base64url')}`,
      'invalid_cursor',
      /start again/,
    ],
    [
      'a cursor past any timestamp',
      `${q('a')}&cursor=${Buffer.from('["99999999999999999999","message","1"]').toString('base64url')}`,
      'invalid_cursor',
      /start again/,
    ],
    ['a cursor too long', `${q('a')}&cursor=${'A'.repeat(201)}`, 'invalid_query', /cursor/],
  ])('answers 400 to %s', async (_what, path, code, message) => {
    const answer = await get(path);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ status: 'error', error: { code } });
    expect(answer.body.error.message).toMatch(message);
  });

  it('answers 200 or 400, never anything else, to any bytes as q and any cursor', async () => {
    const percentEncoded = (bytes: Uint8Array) =>
      Array.from(bytes, (b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    const text = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 40 }).map((s) => percentEncoded(Buffer.from(s, 'utf8'))),
      fc.uint8Array({ maxLength: 40 }).map(percentEncoded),
      fc.constantFrom('%2B1%20555-000-1111', 'tunde', 'kemistri%20question', '0001111'),
    );
    const cursor = fc.oneof(
      fc.constant(''),
      fc.string({ maxLength: 30 }).map((s) => `&cursor=${encodeURIComponent(s)}`),
      fc
        .tuple(fc.bigInt(-(10n ** 17n), 10n ** 17n), fc.constantFrom('message', 'conversation', 'x'), fc.nat())
        .map(
          ([at, kind, key]) =>
            `&cursor=${Buffer.from(JSON.stringify([String(at), kind, String(key)])).toString('base64url')}`,
        ),
    );
    await fc.assert(
      fc.asyncProperty(text, cursor, async (encoded, cursorPart) => {
        const answer = await get(`/api/admin/search?q=${encoded}${cursorPart}`);
        expect([200, 400]).toContain(answer.status);
      }),
      { numRuns: 300 },
    );
  });
});
