import fc from 'fast-check';
import { createToken, type Role } from '../../../src/auth/tokens';
import { revokeToken } from '../../../src/db/tokens';
import { AdminClient } from '../../helpers/admin-client';
import { uncheckedFetch } from '../../helpers/checked-fetch';
import { workflowIdOf, contactIdOf } from '../../helpers/contacts';
import { TestUser, textOf } from '../../helpers/conversation';
import { newPhone, textWebhook } from '../../helpers/fixtures';
import { fuzzRuns, shortText } from '../../helpers/fuzz-values';
import { loadTemplates } from '../../helpers/templates';
import { startTestStack, type TestStack } from '../../helpers/stack';
import { waitFor } from '../../helpers/wait';
import { adminRequests } from './admin-fuzz-requests';
import {
  CREATED_TOKEN_ID,
  NEXT_CURSOR,
  ROUTES,
  routeOf,
  TOKEN,
  type Credential,
  type FuzzRequest,
  type RouteName,
  type Who,
} from './admin-fuzz-routes';

// Generated requests to every admin route of a whole product (real HTTP server, Temporal, Postgres,
// the Graph API fake): odd path parameters, query strings and bodies, every kind of credential, one
// at a time or a few at once, while students write to the same conversations. While Temporal and
// Postgres are up the API never answers 5xx; every refusal is a JSON error with a code; a route
// answers 401 to anyone without a valid token and 403 to an agent on an admin route; each request a
// route took leaves one audit row. Afterwards no conversation holds a command unanswered, and each
// answers an ordinary "hi". ADMIN_FUZZ_RUNS and FUZZ_SEED override the run; FUZZ_REPORT prints figures.

const RUNS = fuzzRuns('ADMIN_FUZZ_RUNS', 2_000);
// Node answers 431 by itself past 16 KB of request head, before the app sees the request: the target
// and the Authorization header together stay well below it.
const MAX_HEAD_BYTES = 12_000;
const ERROR_CODE = /^[a-z]+(_[a-z0-9]+)*$/;

let stack: TestStack;
let admin: AdminClient;
const PHONES = Array.from({ length: 4 }, () => newPhone());
/** The contacts of PHONES, in order, once they wrote. */
let CONTACTS: string[] = [];

interface CreatedToken {
  id: number;
  token: string;
  role: Role;
  revoked: boolean;
}

/** What the run learns as it goes: tokens it holds, tokens it made, cursors the lists answered. */
const run = {
  tokens: {} as Record<Exclude<Credential, 'created'>, string>,
  who: { admin: 'admin', tableAdmin: 'admin', agent: 'agent', revoked: 'nobody', unknown: 'nobody' } as Record<
    Exclude<Credential, 'created'>,
    Who
  >,
  /** The tokens set up here, never revoked by a generated id: the run signs with them. */
  kept: new Set<number>(),
  created: [] as CreatedToken[],
  cursors: new Map<RouteName, string>(),
};

beforeAll(async () => {
  stack = await startTestStack();
  // Template sends reach the conversations only for templates the server knows.
  await loadTemplates(stack);
  admin = new AdminClient(stack, stack.config.adminToken);
  const make = async (role: Role, name: string) => {
    const { token, info } = await createToken(stack.db, { name, role });
    run.kept.add(info.id);
    return { token, id: info.id };
  };
  const revoked = await make('agent', 'Revoked Rita');
  await revokeToken(stack.db, revoked.id);
  run.tokens = {
    admin: stack.config.adminToken,
    tableAdmin: (await make('admin', 'Admin Alan')).token,
    agent: (await make('agent', 'Agent Ada')).token,
    revoked: revoked.token,
    unknown: 'edb_' + 'A'.repeat(43),
  };
  // Conversations whose 24-hour window is open, one of them already in a chat.
  for (const phone of PHONES) await new TestUser(stack, phone).say('hi');
  await new TestUser(stack, PHONES[0]!).say('support');
  CONTACTS = await Promise.all(PHONES.map((phone) => contactIdOf(stack.db, phone)));
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

/** The token a credential stands for, and who it makes the caller. */
function credential(which: Credential | undefined): { token: string; who: Who } {
  if (which === undefined) return { token: '', who: 'nobody' };
  if (which !== 'created') return { token: run.tokens[which], who: run.who[which] };
  const newest = run.created[run.created.length - 1];
  if (!newest) return { token: run.tokens.unknown, who: 'nobody' };
  return { token: newest.token, who: newest.revoked ? 'nobody' : newest.role };
}

const VALID_HEADER = new RegExp(`^Bearer[ \\t]+${TOKEN}[ \\t]*$`, 'i');

interface Resolved {
  target: string;
  authorization?: string;
  /** Who the Authorization header makes the caller. */
  who: Who;
  /** The route that takes the request as the server sees its path (the URL parser resolves dot segments, %2e%2e included). */
  reached?: RouteName;
}

/** The request's target with its placeholders filled in, its Authorization header and the route it reaches. */
function resolve(request: FuzzRequest): Resolved {
  const { token, who } = credential(request.auth.credential);
  let target = request.target.replace(NEXT_CURSOR, () => run.cursors.get(request.route!) ?? 'none');
  target = target.replace(CREATED_TOKEN_ID, () => String(run.created[run.created.length - 1]?.id ?? 999_999));
  const header = request.auth.header;
  const authorization = header?.replace(TOKEN, token);
  // The target goes out percent-encoded: a character may take up to 9 bytes on the wire.
  const room = MAX_HEAD_BYTES - Buffer.byteLength(authorization ?? '');
  while (target.length > 1 && wireLength(target) > room) target = target.slice(0, Math.floor(target.length * 0.9));
  const pathname = new URL(target, stack.baseUrl).pathname;
  let reached = routeOf(request.method, pathname);
  // A made-up id that names a token the run signs with would take it away from the rest of the run.
  if (reached === 'token.revoke' && run.kept.has(Number(safeDecode(pathname.split('/')[4]!)))) {
    target = '/api/admin/tokens/0';
    reached = routeOf(request.method, target);
  }
  if (header === undefined) return { target, who: 'nobody', reached };
  return { target, authorization, who: VALID_HEADER.test(header) ? who : 'nobody', reached };
}

/** The bytes of a request target as fetch sends it. */
function wireLength(target: string): number {
  const url = new URL(target, stack.baseUrl);
  return url.pathname.length + url.search.length;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

// Every request comes from an address of its own (a proxy on loopback says so), so that the limit on
// failed sign-ins per address (429 after 20 a minute) never stands between a request and its route.
let sourceNumber = 0;

async function send(request: FuzzRequest, { target, authorization }: Resolved): Promise<Answer> {
  const headers: Record<string, string> = { ...request.headers };
  sourceNumber++;
  headers['x-forwarded-for'] = `198.18.${(sourceNumber >> 8) & 255}.${sourceNumber & 255}`;
  if (authorization !== undefined) headers.authorization = authorization;
  const hasBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
  if (hasBody && request.body!.contentType !== undefined) headers['content-type'] = request.body!.contentType;
  // Unchecked against the OpenAPI document: these requests leave the document on purpose (cut, doubled
  // and odd paths, wrong methods); this file's own oracle judges every answer (check, below).
  const response = await uncheckedFetch(stack.baseUrl + target, {
    method: request.method,
    headers,
    body: hasBody ? request.body!.bytes : undefined,
  });
  const contentType = response.headers.get('content-type') ?? '';
  // The event stream stays open: its headers are the answer.
  if (contentType.startsWith('text/event-stream')) {
    await response.body?.cancel();
    return { status: response.status, contentType, body: undefined };
  }
  const text = await response.text();
  // A HEAD answer has no body, whatever its content type.
  const json = contentType.includes('json') && request.method !== 'HEAD';
  return { status: response.status, contentType, body: json ? (JSON.parse(text) as unknown) : text };
}

/** Keeps what later requests use: tokens the API made, revocations, cursors. */
function learn({ reached }: Resolved, answer: Answer): void {
  const body = answer.body as { token?: string; id?: number; role?: Role; nextCursor?: string } | undefined;
  if (reached === 'token.create' && answer.status === 201 && body?.token && body.id && body.role) {
    run.created.push({ id: body.id, token: body.token, role: body.role, revoked: false });
  }
  if (reached === 'token.revoke' && answer.status === 200) {
    const revoked = run.created.find((t) => t.id === body?.id);
    if (revoked) revoked.revoked = true;
  }
  if (reached && answer.status === 200 && typeof body?.nextCursor === 'string')
    run.cursors.set(reached, body.nextCursor);
}

/** What every answer must be, whatever was asked. */
function check(request: FuzzRequest, resolved: Resolved, answer: Answer): void {
  const { who, reached } = resolved;
  const { status } = answer;
  expect(status).toBeLessThan(500);
  // A HEAD answer has only headers.
  const hasBody = request.method !== 'HEAD';
  if (status >= 400 && hasBody) {
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({
      status: 'error',
      error: { code: expect.stringMatching(ERROR_CODE), message: expect.any(String) },
    });
  }
  if (status < 300 && hasBody && answer.contentType.includes('json')) {
    expect(answer.body).toMatchObject({ status: 'success' });
  }
  if (reached === 'chat.send' && status === 200) checkDelivered(request, resolved, answer);
  if (reached) {
    const roles: readonly Who[] = ROUTES[reached].roles;
    if (who === 'nobody') expect(status).toBe(401);
    else if (!roles.includes(who)) expect(status).toBe(403);
    // Handing a chat over is the admin's: an agent's assign naming another agent is refused with 403.
    else if (reached === 'chat.assign' && who === 'agent') expect(status).not.toBe(401);
    else expect([401, 403]).not.toContain(status);
  }
}

/**
 * A send answered 200 names the WhatsApp message that carried the agent's text to the number of the
 * contact the path named (by its phone number or its contact id): the Graph fake holds it.
 */
function checkDelivered(request: FuzzRequest, { target }: Resolved, answer: Answer): void {
  const segment = safeDecode(target.split('/')[4]!).trim();
  const named = CONTACTS.indexOf(segment);
  const digits = named >= 0 ? PHONES[named]! : segment.replace(/\D/g, '');
  const message = (JSON.parse(Buffer.from(request.body!.bytes).toString('utf8')) as { message: string }).message.trim();
  const { waMessageId } = answer.body as { waMessageId?: string };
  const sent = stack.fake.sendsTo(digits).find((s) => s.waMessageId === waMessageId);
  expect(textOf(sent)).toContain(message);
}

/** A student writing while agents act: to their agent, to open or leave a chat, or anything. */
const userMessage = fc.record({
  phone: fc.constantFrom(...PHONES),
  text: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom('hi', 'support', 'end chat', 'I have a question', 'menu', 'done') },
    { weight: 1, arbitrary: shortText },
  ),
});

async function userWrites({ phone, text }: { phone: string; text: string }): Promise<void> {
  expect((await stack.postWebhook(textWebhook(phone, text).body)).status).toBe(200);
}

/** Counts of answers, overall and by route and error code. */
class Figures {
  readonly statuses = new Map<number, number>();
  readonly byRoute = new Map<string, Map<string, number>>();
  /** Requests each route took from someone identified: each leaves one audit row. */
  readonly audited = new Map<string, number>();
  /** Requests refused for want of a valid token: summed per address and minute in the audit log. */
  anonymous = 0;
  requests = 0;
  /** Signed webhook messages from students, sent while the requests were. */
  userMessages = 0;

  add(request: FuzzRequest, { reached, who }: Resolved, answer: Answer): void {
    this.requests++;
    bump(this.statuses, answer.status);
    if (reached && who === 'nobody') this.anonymous++;
    else if (reached) bump(this.audited, reached);
    const code = (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
    const routeName = request.route ?? 'unknown';
    const tally = this.byRoute.get(routeName) ?? new Map<string, number>();
    bump(tally, code === undefined ? String(answer.status) : `${answer.status} ${code}`);
    this.byRoute.set(routeName, tally);
  }
}

function bump<K>(counts: Map<K, number>, key: K): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Sends a run's requests at once; revocations after the rest, so a token is not revoked under a request using it. */
async function sendAll(requests: FuzzRequest[], answered: (r: FuzzRequest, at: Resolved, a: Answer) => void) {
  const revokes = requests.filter((r) => r.route === 'token.revoke');
  const resolved = requests.filter((r) => r.route !== 'token.revoke').map((r) => [r, resolve(r)] as const);
  const answers = await Promise.all(resolved.map(([r, at]) => send(r, at)));
  resolved.forEach(([r, at], i) => answered(r, at, answers[i]!));
  for (const r of revokes) {
    const at = resolve(r);
    answered(r, at, await send(r, at));
  }
}

/** Audit rows by action. */
async function auditRows(): Promise<Map<string, number>> {
  const { rows } = await stack.db.query<{ action: string; n: string }>(
    `select action, count(*) as n from audit_log where actor <> 'anonymous' group by action`,
  );
  return new Map(rows.map((r) => [r.action, Number(r.n)]));
}

describe('the admin API with generated requests', () => {
  it('never answers 5xx, refuses in JSON, guards every route, audits each request and leaves no command pending', async () => {
    const started = Date.now();
    const figures = new Figures();
    const auditsBefore = await auditRows();

    await fc.assert(
      fc.asyncProperty(
        adminRequests(PHONES, CONTACTS),
        fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: userMessage }),
        async (requests, user) => {
          await Promise.all([
            sendAll(requests, (request, resolved, answer) => {
              figures.add(request, resolved, answer);
              learn(resolved, answer);
              check(request, resolved, answer);
            }),
            user && userWrites(user).then(() => figures.userMessages++),
          ]);
        },
      ),
      RUNS,
    );
    const posted = Date.now();

    // One audit row per request a route took from someone identified, whatever it answered (refusals for
    // want of a valid token are summed per address and minute: auth-limiter.test.ts).
    const added = async () => {
      const after = await auditRows();
      const counts = [...after].map(([action, n]) => [action, n - (auditsBefore.get(action) ?? 0)] as const);
      return Object.fromEntries(counts.filter(([, n]) => n > 0).sort(([a], [b]) => a.localeCompare(b)));
    };
    const expected = Object.fromEntries([...figures.audited].sort(([a], [b]) => a.localeCompare(b)));
    // An event stream's audit row is written just after its headers went out.
    await waitFor(async () => JSON.stringify(await added()) === JSON.stringify(expected), 'the audit rows').catch(
      () => undefined,
    );
    expect(await added()).toEqual(expected);
    // Refused requests changed nothing: the only tokens are those set up here and those answered 201.
    const { rows } = await stack.db.query<{ n: string }>('select count(*) as n from admin_tokens');
    expect(Number(rows[0]!.n)).toBe(run.kept.size + run.created.length);

    // No command is left pending, and every conversation answers an ordinary message.
    for (const phone of PHONES) {
      const user = new TestUser(stack, phone);
      await user.settled();
      if ((await user.state()) === 'CHAT_SUPPORT_ACTIVE') {
        expect((await admin.chat('end', phone)).status).toBe(200);
        await user.settled();
      }
      expect((await user.say('hi')).length).toBeGreaterThan(0);
      const description = await stack.client.workflow.getHandle(await workflowIdOf(stack.db, phone)).describe();
      expect(description.status.name).toBe('RUNNING');
    }

    if (process.env.FUZZ_REPORT) {
      const histogram = <K extends number | string>(counts: Map<K, number>) =>
        [...counts]
          .sort(([a], [b]) => String(a).localeCompare(String(b)))
          .map(([key, n]) => `${key}×${n}`)
          .join(' ');
      const reached = [...figures.audited.values()].reduce((a, b) => a + b, 0);
      process.stdout.write(
        `admin fuzz: ${RUNS.numRuns} runs, ${figures.requests} requests, answers ${histogram(figures.statuses)}; ` +
          `${reached} reached a route; ${run.created.length} tokens created; ${figures.userMessages} student messages; ` +
          `posting ${((posted - started) / 1000).toFixed(1)} s, final checks ${((Date.now() - posted) / 1000).toFixed(1)} s\n` +
          [...figures.byRoute].map(([route, counts]) => `  ${route}: ${histogram(counts)}`).join('\n') +
          '\n',
      );
    }
  }, 600_000);
});
