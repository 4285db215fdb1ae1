import { waitFor } from '../../helpers/wait';
import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin-app';

// Every admin route × every kind of credential: the status each one gets, and the audit row each
// request leaves (refused ones included).

let app: AdminApp;
const PHONE = '15550009001';
/** The contact of the student writing from PHONE. */
let contactId: string;
let agent: { token: string; id: number };
let admin: { token: string; id: number };
let revoked: { token: string; id: number };
let throwaway: { token: string; id: number };

beforeAll(async () => {
  app = await startAdminApp();
  agent = await app.token('agent', 'Agent Ada');
  admin = await app.token('admin', 'Admin Alan');
  revoked = await app.token('agent', 'Agent Revoked');
  throwaway = await app.token('agent', 'Throwaway');
  await app.db.query('update admin_tokens set revoked_at = now() where id = $1', [revoked.id]);
  contactId = await app.contact(PHONE);
  await app.db.query(`insert into conversations (contact_id, state, registered) values ($1, 'REGISTERED', true)`, [
    contactId,
  ]);
});

afterAll(async () => {
  await app?.stop();
});

type Role = 'admin' | 'agent';

interface RouteCase {
  method: string;
  path: () => string;
  action: string;
  roles: Role[];
  okStatus: number;
  body?: unknown;
  prepare?: () => void | Promise<void>;
}

const NOTE_TEXT = 'A note only agents may read';
let cannedTitles = 0;
let cannedToDelete = 0;

const routes: RouteCase[] = [
  {
    method: 'GET',
    path: () => '/api/admin/conversations',
    action: 'conversations.list',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  {
    method: 'GET',
    path: () => `/api/admin/conversations/${PHONE}`,
    action: 'conversations.get',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  {
    method: 'GET',
    path: () => `/api/admin/conversations/${PHONE}/messages`,
    action: 'conversations.messages',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  {
    // The conversation has no message, so nothing is unread and WhatsApp is not asked.
    method: 'POST',
    path: () => `/api/admin/conversations/${PHONE}/read`,
    action: 'conversations.read',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  {
    method: 'POST',
    path: () => `/api/admin/conversations/${PHONE}/chat-support/start`,
    action: 'chat.start',
    roles: ['admin', 'agent'],
    okStatus: 200,
    body: {},
    prepare: () => app.chat.add(contactId, { state: 'REGISTERED' }),
  },
  {
    method: 'POST',
    path: () => `/api/admin/conversations/${PHONE}/chat-support/send`,
    action: 'chat.send',
    roles: ['admin', 'agent'],
    okStatus: 200,
    body: { message: 'Hello from support' },
    prepare: () => app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE' }),
  },
  {
    method: 'POST',
    path: () => `/api/admin/conversations/${PHONE}/chat-support/end`,
    action: 'chat.end',
    roles: ['admin', 'agent'],
    okStatus: 200,
    body: {},
    prepare: () => app.chat.add(contactId, { state: 'CHAT_SUPPORT_ACTIVE' }),
  },
  { method: 'GET', path: () => '/api/admin/events', action: 'events.stream', roles: ['admin', 'agent'], okStatus: 200 },
  {
    method: 'GET',
    path: () => '/api/admin/templates',
    action: 'templates.list',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  { method: 'GET', path: () => '/api/admin/tokens', action: 'token.list', roles: ['admin'], okStatus: 200 },
  {
    method: 'POST',
    path: () => '/api/admin/tokens',
    action: 'token.create',
    roles: ['admin'],
    okStatus: 201,
    body: { name: 'Matrix Agent', role: 'agent' },
  },
  {
    method: 'DELETE',
    path: () => `/api/admin/tokens/${throwaway.id}`,
    action: 'token.revoke',
    roles: ['admin'],
    okStatus: 200,
  },
  { method: 'GET', path: () => '/api/admin/audit', action: 'audit.list', roles: ['admin'], okStatus: 200 },
  { method: 'GET', path: () => '/api/admin/quarantine', action: 'quarantine.list', roles: ['admin'], okStatus: 200 },
  { method: 'GET', path: () => '/api/admin/stats', action: 'stats.read', roles: ['admin', 'agent'], okStatus: 200 },
  {
    method: 'GET',
    path: () => '/api/admin/reports/overview',
    action: 'reports.read',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  {
    method: 'GET',
    path: () => '/api/admin/reports/agents',
    action: 'reports.read',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  {
    method: 'GET',
    path: () => '/api/admin/reports/labels',
    action: 'reports.read',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  {
    method: 'GET',
    path: () => `/api/admin/conversations/${PHONE}/notes`,
    action: 'notes.list',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  {
    method: 'POST',
    path: () => `/api/admin/conversations/${PHONE}/notes`,
    action: 'notes.create',
    roles: ['admin', 'agent'],
    okStatus: 201,
    body: { text: NOTE_TEXT },
  },
  {
    method: 'GET',
    path: () => '/api/admin/canned-responses',
    action: 'canned.list',
    roles: ['admin', 'agent'],
    okStatus: 200,
  },
  {
    method: 'POST',
    path: () => '/api/admin/canned-responses',
    action: 'canned.create',
    roles: ['admin'],
    okStatus: 201,
    // A new title each time: the second admin's request would otherwise be a duplicate (409).
    get body() {
      return { title: `Matrix reply ${++cannedTitles}`, body: 'Hello {first_name}' };
    },
  },
  {
    method: 'DELETE',
    path: () => `/api/admin/canned-responses/${cannedToDelete}`,
    action: 'canned.delete',
    roles: ['admin'],
    okStatus: 200,
    prepare: async () => {
      const { rows } = await app.db.query<{ id: string }>(
        `insert into canned_responses (title, body) values ('To delete ' || gen_random_uuid(), 'x') returning id`,
      );
      cannedToDelete = Number(rows[0]!.id);
    },
  },
];

interface Credential {
  label: string;
  headers: () => Record<string, string>;
  /** The authenticated identity, or the reason for a 401. */
  who: () => { actor: string; role: Role; tokenId: number | null } | { reason: string; tokenId: number | null };
}

const credentials: Credential[] = [
  { label: 'no token', headers: () => ({}), who: () => ({ reason: 'missing_token', tokenId: null }) },
  {
    label: 'a malformed header',
    headers: () => ({ authorization: `Token ${agent.token}` }),
    who: () => ({ reason: 'malformed_header', tokenId: null }),
  },
  {
    label: 'an unknown token',
    headers: () => ({ authorization: 'Bearer edb_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' }),
    who: () => ({ reason: 'unknown_token', tokenId: null }),
  },
  {
    label: 'a revoked token',
    headers: () => ({ authorization: `Bearer ${revoked.token}` }),
    who: () => ({ reason: 'revoked_token', tokenId: revoked.id }),
  },
  {
    label: 'an agent token',
    headers: () => ({ authorization: `Bearer ${agent.token}` }),
    who: () => ({ actor: 'Agent Ada', role: 'agent', tokenId: agent.id }),
  },
  {
    label: 'an admin token',
    headers: () => ({ authorization: `Bearer ${admin.token}` }),
    who: () => ({ actor: 'Admin Alan', role: 'admin', tokenId: admin.id }),
  },
  {
    label: 'the ADMIN_TOKEN',
    headers: () => ({ authorization: `Bearer ${TEST_ADMIN_TOKEN}` }),
    who: () => ({ actor: 'Admin', role: 'admin', tokenId: null }),
  },
];

/** Sends the request and reads status and body; an event stream is closed once its headers arrived. */
async function send(route: RouteCase, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
  const controller = new AbortController();
  const init: RequestInit = { method: route.method, headers: { ...headers }, signal: controller.signal };
  if (route.body !== undefined) {
    init.body = JSON.stringify(route.body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const response = await fetch(app.baseUrl + route.path(), init);
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    controller.abort();
    return { status: response.status, body: undefined };
  }
  return { status: response.status, body: await response.json() };
}

// Each case comes from an address of its own (a proxy on loopback says so): refusals from one address
// are audited one row a minute and refused with 429 after 20, so one address for all would see neither.
let sourceNumber = 0;
const nextSource = () => `198.18.${(++sourceNumber >> 8) & 255}.${sourceNumber & 255}`;

const cases = routes.flatMap((route) =>
  credentials.map((credential) => [route.method, route.action, credential.label, route, credential] as const),
);

describe.each(cases)('%s %s with %s', (_method, _action, _label, route, credential) => {
  it('gets the right status and leaves an audit row saying who, what and how it ended', async () => {
    await route.prepare?.();
    const before = (await lastAudit(app.db))?.id ?? '0';
    const { status, body } = await send(route, { 'x-forwarded-for': nextSource(), ...credential.headers() });
    const who = credential.who();

    let expectedStatus: number;
    let expectedOutcome: string;
    if ('reason' in who) {
      expectedStatus = 401;
      expectedOutcome = 'unauthorized';
    } else if (!route.roles.includes(who.role)) {
      expectedStatus = 403;
      expectedOutcome = 'forbidden';
    } else {
      expectedStatus = route.okStatus;
      expectedOutcome = 'ok';
    }
    expect(status).toBe(expectedStatus);
    if (expectedStatus >= 400) expect(body).toMatchObject({ status: 'error', error: { code: expectedOutcome } });

    // An event stream's headers go out as the stream opens, just before its audit row is written.
    const row = await waitFor(async () => {
      const latest = await lastAudit(app.db);
      return latest && Number(latest.id) > Number(before) ? latest : undefined;
    }, 'the audit row');
    expect(row).toMatchObject({ action: route.action, outcome: expectedOutcome, http_status: expectedStatus });
    if ('reason' in who) {
      expect(row).toMatchObject({ actor: 'anonymous', role: null });
      expect(row.details).toMatchObject({ reason: who.reason });
      expect(row.actor_token_id === null ? null : Number(row.actor_token_id)).toBe(who.tokenId);
    } else {
      expect(row).toMatchObject({ actor: who.actor, role: who.role });
      expect(row.actor_token_id === null ? null : Number(row.actor_token_id)).toBe(who.tokenId);
    }
    if (route.path().includes(PHONE) && !('reason' in who) && route.roles.includes(who.role)) {
      expect(row.contact_id).toBe(contactId);
    }
  });
});

it('never writes a token or a message body into the audit log', async () => {
  const { rows } = await app.db.query<{ text: string }>('select row_to_json(a)::text as text from audit_log a');
  const all = rows.map((r) => r.text).join('\n');
  expect(rows.length).toBeGreaterThan(routes.length);
  for (const secret of [agent.token, admin.token, revoked.token, TEST_ADMIN_TOKEN, 'Hello from support', NOTE_TEXT]) {
    expect(all).not.toContain(secret);
  }
});

describe('a request no admin route takes', () => {
  it.each([
    ['PATCH', `/api/admin/conversations/${PHONE}/messages`, 'HEAD, GET'],
    ['PUT', '/api/admin/conversations', 'HEAD, GET'],
    ['DELETE', '/api/admin/tokens', 'HEAD, GET, POST'],
    ['PROPFIND', '/api/admin/stats', 'HEAD, GET'],
  ])('answers %s %s with a JSON 405 naming the methods it takes', async (method, path, allow) => {
    const answer = await app.request(method, path, { token: TEST_ADMIN_TOKEN });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toBe(allow);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'method_not_allowed' } });
  });

  it.each([
    ['GET', '/api/admin'],
    ['GET', '/api/admin/nothing'],
    ['GET', '/api/admin/conversations//messages'],
    ['POST', `/api/admin/conversations/${PHONE}/chat-support/x`],
    ['OPTIONS', '/api/admin/nothing'],
  ])('answers %s %s with a JSON 404 route_not_found', async (method, path) => {
    const answer = await app.request(method, path);
    expect(answer.status).toBe(404);
    expect(answer.body).toMatchObject({ status: 'error', error: { code: 'route_not_found' } });
  });

  it('still answers OPTIONS on an admin path with the methods it takes', async () => {
    const answer = await app.request('OPTIONS', '/api/admin/tokens');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('allow')).toBe('HEAD, GET, POST');
  });
});
