import fc from 'fast-check';
import { QUARANTINE_REASONS, QUARANTINE_SOURCES } from '../../../src/db/quarantine';
import { STATE_NAMES } from '../../../domain/conversation';
import { json, numericText, shortText } from '../../helpers/fuzz-values';
import {
  CREATED_TOKEN_ID,
  ROUTES,
  TOKEN,
  type Auth,
  type Credential,
  type FuzzRequest,
  type RouteName,
} from './admin-fuzz-routes';
import {
  body,
  chatBody,
  conversationCursor,
  digits,
  encoded,
  headerText,
  idempotencyKey,
  idText,
  instant,
  lastEventId,
  limit,
  percentEncode,
  phoneSegment,
  query,
  searchCursor,
  searchText,
  templateBody,
  tokenBody,
  type QueryKeys,
} from './admin-fuzz-values';
import { businessHoursBody, slaBody } from './admin-fuzz-support-settings';
import { conversationLabelsBody, labelBody, labelName, priorityBody, priorityText } from './admin-fuzz-labels';

// Generated admin API requests: every route with its own method most of the time, its path
// parameters, query string and body made by admin-fuzz-values.ts, and every kind of credential.

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'PROPFIND'];

const auth: fc.Arbitrary<Auth> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      credential: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom<Credential>('admin', 'tableAdmin') },
        { weight: 5, arbitrary: fc.constant<Credential>('agent') },
        { weight: 2, arbitrary: fc.constantFrom<Credential>('created', 'revoked', 'unknown') },
      ),
      header: fc.oneof(
        { weight: 16, arbitrary: fc.constant(`Bearer ${TOKEN}`) },
        { weight: 1, arbitrary: fc.constantFrom(`bearer ${TOKEN}`, `BEARER\t${TOKEN}`, `Bearer   ${TOKEN}  `) },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            'Bearer',
            'Bearer ',
            `Basic ${TOKEN}`,
            `Bearer ${TOKEN} extra`,
            TOKEN,
            `Bearer ${TOKEN}x`,
            `Bearer x${TOKEN}`,
            `Bearer ${'x'.repeat(8000)}`,
          ),
        },
        { weight: 1, arbitrary: headerText.map((h) => `Bearer ${h}`) },
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({}) },
);

const method = (own: string) =>
  fc.oneof({ weight: 14, arbitrary: fc.constant(own) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) });

/** A request for `route` at `path` (its parameters made), with its query keys and body shape. */
function request(
  route: RouteName,
  path: fc.Arbitrary<string>,
  keys: QueryKeys,
  options: { body?: fc.Arbitrary<unknown>; headers?: fc.Arbitrary<Record<string, string>> } = {},
): fc.Arbitrary<FuzzRequest> {
  return fc.record({
    route: fc.constant(route),
    method: method(ROUTES[route].method),
    target: fc.tuple(path, query(keys)).map(([p, q]) => p + q),
    auth,
    headers: options.headers ?? fc.constant({}),
    body: options.body ? body(options.body) : body(json),
  });
}

/** Paths that no admin route serves. */
function unknownPath(phone: fc.Arbitrary<string>): fc.Arbitrary<FuzzRequest> {
  const path = fc.oneof(
    fc.constantFrom('/api/admin', '/api/admin/', '/api/admin/conversations//messages', '/API/ADMIN/nothing'),
    phone.map((p) => `/api/admin/conversations/${p}/messages/x`),
    phone.map((p) => `/api/admin/conversations/${p}/chat-support`),
    fc
      .tuple(
        phone,
        shortText.filter((a) => !['start', 'send', 'end'].includes(a)),
      )
      .map(([p, a]) => `/api/admin/conversations/${p}/chat-support/${percentEncode(a || 'x')}`),
    shortText.map((s) => `/api/admin/nothing/${percentEncode(s)}`),
  );
  return fc.record({
    method: fc.constantFrom(...METHODS),
    target: path,
    auth,
    headers: fc.constant({}),
    body: body(json),
  });
}

/**
 * What one run sends: a request alone, or a few at once, so commands for one conversation race (the
 * workflow takes them one at a time and must answer each).
 */
export function adminRequests(
  phones: readonly string[],
  contacts: readonly string[] = [],
): fc.Arbitrary<FuzzRequest[]> {
  const one = adminRequest(phones, contacts);
  return fc.oneof(
    { weight: 3, arbitrary: one.map((request) => [request]) },
    { weight: 1, arbitrary: fc.array(one, { minLength: 2, maxLength: 4 }) },
  );
}

/** Any admin request, most of them for a route; `phones` are conversations the run has, `contacts` their contact ids. */
function adminRequest(phones: readonly string[], contacts: readonly string[]): fc.Arbitrary<FuzzRequest> {
  const phone = phoneSegment(phones, contacts);
  const conversations = '/api/admin/conversations';
  const chat = (action: 'start' | 'send' | 'end') =>
    request(
      `chat.${action}`,
      phone.map((p) => `${conversations}/${p}/chat-support/${action}`),
      {},
      {
        body: chatBody,
        headers: fc.record({ 'idempotency-key': idempotencyKey }, { requiredKeys: [] }),
      },
    );
  const tokenId = fc.oneof(
    { weight: 3, arbitrary: fc.constant(CREATED_TOKEN_ID) },
    { weight: 2, arbitrary: encoded(fc.oneof(digits(25), numericText, shortText)) },
  );
  // Labels the run made have small ids; anything else is a near miss.
  const labelId = encoded(fc.oneof(fc.integer({ min: 1, max: 6 }).map(String), digits(20), shortText));
  return fc.oneof(
    {
      weight: 8,
      arbitrary: request('conversations.list', fc.constant(conversations), {
        state: fc.oneof(fc.constantFrom(...STATE_NAMES, 'idle'), shortText),
        limit,
        cursor: conversationCursor,
        label: labelName,
        priority: priorityText,
      }),
    },
    {
      weight: 6,
      arbitrary: request(
        'conversations.get',
        phone.map((p) => `${conversations}/${p}`),
        {},
      ),
    },
    {
      weight: 6,
      arbitrary: request(
        'conversations.messages',
        phone.map((p) => `${conversations}/${p}/messages`),
        {},
      ),
    },
    {
      weight: 3,
      arbitrary: request(
        'conversations.read',
        phone.map((p) => `${conversations}/${p}/read`),
        {},
      ),
    },
    {
      weight: 3,
      arbitrary: request(
        'conversations.typing',
        phone.map((p) => `${conversations}/${p}/typing`),
        {},
      ),
    },
    { weight: 7, arbitrary: chat('start') },
    { weight: 9, arbitrary: chat('send') },
    { weight: 6, arbitrary: chat('end') },
    {
      weight: 3,
      arbitrary: request(
        'events.stream',
        fc.constant('/api/admin/events'),
        { lastEventId },
        {
          headers: fc.record({ 'last-event-id': lastEventId }, { requiredKeys: [] }),
        },
      ),
    },
    {
      weight: 5,
      arbitrary: request(
        'chat.assign',
        phone.map((p) => `${conversations}/${p}/assign`),
        {},
        {
          // Take (no body), or hand over to an agent id that may or may not exist, or anything at all.
          body: fc.oneof(
            fc.constant({}),
            fc.record({ agentId: fc.oneof(fc.integer({ min: -5, max: 50 }), fc.double(), shortText, json) }),
            json,
          ),
        },
      ),
    },
    {
      weight: 3,
      arbitrary: request(
        'chat.unassign',
        phone.map((p) => `${conversations}/${p}/unassign`),
        {},
      ),
    },
    {
      weight: 3,
      arbitrary: request('queue.list', fc.constant('/api/admin/queue'), { label: labelName, priority: priorityText }),
    },
    { weight: 2, arbitrary: request('me.read', fc.constant('/api/admin/me'), {}) },
    { weight: 5, arbitrary: request('stats.read', fc.constant('/api/admin/stats'), { from: instant, to: instant }) },
    { weight: 3, arbitrary: request('token.list', fc.constant('/api/admin/tokens'), {}) },
    { weight: 5, arbitrary: request('token.create', fc.constant('/api/admin/tokens'), {}, { body: tokenBody }) },
    {
      weight: 4,
      arbitrary: request(
        'token.revoke',
        tokenId.map((id) => `/api/admin/tokens/${id}`),
        {},
      ),
    },
    {
      weight: 5,
      arbitrary: request('audit.list', fc.constant('/api/admin/audit'), {
        phone: fc.oneof(fc.constantFrom(...phones, ...contacts), shortText),
        action: fc.oneof(fc.constantFrom(...Object.keys(ROUTES)), shortText),
        limit,
        cursor: idText,
      }),
    },
    {
      weight: 4,
      arbitrary: request('quarantine.list', fc.constant('/api/admin/quarantine'), {
        source: fc.oneof(fc.constantFrom(...QUARANTINE_SOURCES), shortText),
        reason: fc.oneof(fc.constantFrom(...QUARANTINE_REASONS), shortText),
        limit,
        cursor: idText,
      }),
    },
    {
      weight: 5,
      arbitrary: request('search', fc.constant('/api/admin/search'), {
        q: searchText,
        limit,
        cursor: searchCursor,
        label: labelName,
        priority: priorityText,
      }),
    },
    {
      weight: 2,
      arbitrary: request(
        'media.get',
        encoded(
          fc.oneof(
            digits(20),
            idText,
            shortText,
            idText.map((id) => `wa.${id}`),
          ),
        ).map((id) => `/api/admin/media/${id}`),
        {},
      ),
    },
    { weight: 2, arbitrary: request('templates.list', fc.constant('/api/admin/templates'), {}) },
    {
      weight: 4,
      arbitrary: request(
        'chat.template',
        phone.map((p) => `${conversations}/${p}/template`),
        {},
        {
          body: templateBody,
          headers: fc.record({ 'idempotency-key': idempotencyKey }, { requiredKeys: [] }),
        },
      ),
    },
    {
      weight: 1,
      arbitrary: request('media.upload', fc.constant('/api/admin/media'), {}),
    },
    { weight: 2, arbitrary: request('business_hours.get', fc.constant('/api/admin/business-hours'), {}) },
    {
      weight: 3,
      arbitrary: request(
        'business_hours.set',
        fc.constant('/api/admin/business-hours'),
        {},
        { body: businessHoursBody },
      ),
    },
    { weight: 2, arbitrary: request('sla.get', fc.constant('/api/admin/sla'), {}) },
    { weight: 3, arbitrary: request('sla.set', fc.constant('/api/admin/sla'), {}, { body: slaBody }) },
    { weight: 2, arbitrary: request('labels.list', fc.constant('/api/admin/labels'), {}) },
    { weight: 3, arbitrary: request('labels.create', fc.constant('/api/admin/labels'), {}, { body: labelBody }) },
    {
      weight: 2,
      arbitrary: request(
        'labels.update',
        labelId.map((id) => `/api/admin/labels/${id}`),
        {},
        { body: labelBody },
      ),
    },
    {
      weight: 1,
      arbitrary: request(
        'labels.delete',
        labelId.map((id) => `/api/admin/labels/${id}`),
        {},
      ),
    },
    {
      weight: 4,
      arbitrary: request(
        'conversations.labels',
        phone.map((p) => `${conversations}/${p}/labels`),
        {},
        { body: conversationLabelsBody },
      ),
    },
    {
      weight: 4,
      arbitrary: request(
        'conversations.priority',
        phone.map((p) => `${conversations}/${p}/priority`),
        {},
        { body: priorityBody },
      ),
    },
    { weight: 3, arbitrary: unknownPath(phone) },
  );
}
