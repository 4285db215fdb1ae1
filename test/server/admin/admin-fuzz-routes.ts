// The admin API as the fuzz test sees it: each route by its action name in the audit log, who may use
// it, and the shape of a generated request. Placeholders (`__…__`) stand for what only the run knows:
// tokens, ids and cursors.

export type Who = 'admin' | 'agent' | 'nobody';

// Each route as "METHOD path" (`:p` a parameter, one non-empty segment), by its action name in the
// audit log, under the roles that may use it. The router matches a path in any case and with an
// optional trailing slash.
const AGENT_ROUTES = {
  'conversations.list': 'GET conversations',
  'conversations.get': 'GET conversations/:p',
  'conversations.messages': 'GET conversations/:p/messages',
  'conversations.read': 'POST conversations/:p/read',
  'conversations.typing': 'POST conversations/:p/typing',
  'chat.start': 'POST conversations/:p/chat-support/start',
  'chat.send': 'POST conversations/:p/chat-support/send',
  'chat.end': 'POST conversations/:p/chat-support/end',
  'chat.assign': 'POST conversations/:p/assign',
  'chat.unassign': 'POST conversations/:p/unassign',
  'queue.list': 'GET queue',
  'me.read': 'GET me',
  'events.stream': 'GET events',
  'stats.read': 'GET stats',
  search: 'GET search',
  'media.get': 'GET media/:p',
  'templates.list': 'GET templates',
  'chat.template': 'POST conversations/:p/template',
  // Uploads are multipart; the fuzz sends JSON and garbage, which must be refused as such.
  'media.upload': 'POST media',
  'business_hours.get': 'GET business-hours',
  'sla.get': 'GET sla',
  'labels.list': 'GET labels',
  'conversations.labels': 'PUT conversations/:p/labels',
  'conversations.priority': 'PUT conversations/:p/priority',
};
const ADMIN_ROUTES = {
  'token.list': 'GET tokens',
  'token.create': 'POST tokens',
  'token.revoke': 'DELETE tokens/:p',
  'audit.list': 'GET audit',
  'quarantine.list': 'GET quarantine',
  'business_hours.set': 'PUT business-hours',
  'sla.set': 'PUT sla',
  'labels.create': 'POST labels',
  'labels.update': 'PUT labels/:p',
  'labels.delete': 'DELETE labels/:p',
};
export type RouteName = keyof typeof AGENT_ROUTES | keyof typeof ADMIN_ROUTES;

interface Route {
  method: string;
  path: RegExp;
  roles: readonly Who[];
}

function table(routes: Record<string, string>, roles: readonly Who[]): [string, Route][] {
  return Object.entries(routes).map(([name, route]) => {
    const [method, path] = route.split(' ') as [string, string];
    return [name, { method, path: new RegExp(`^/api/admin/${path.replace(/:p/g, '[^/]+')}/?$`, 'i'), roles }];
  });
}

export const ROUTES = Object.fromEntries([
  ...table(AGENT_ROUTES, ['admin', 'agent']),
  ...table(ADMIN_ROUTES, ['admin']),
]) as Record<RouteName, Route>;

/** The route that takes a request with this method and (encoded) path, if any; HEAD is served as GET. */
export function routeOf(method: string, pathname: string): RouteName | undefined {
  const served = method === 'HEAD' ? 'GET' : method;
  return (Object.keys(ROUTES) as RouteName[]).find(
    (name) => ROUTES[name].method === served && ROUTES[name].path.test(pathname),
  );
}

/** The credentials a request can carry; `created` is the newest token the run made through the API. */
export const CREDENTIALS = ['admin', 'tableAdmin', 'agent', 'revoked', 'created', 'unknown'] as const;
export type Credential = (typeof CREDENTIALS)[number];

export interface Auth {
  credential?: Credential;
  /** How the Authorization header is written around the token; undefined: no header at all. */
  header?: string;
}

export interface FuzzRequest {
  /** The route the path and method were made for; undefined for paths no route serves. */
  route?: RouteName;
  method: string;
  /** Encoded path and query, with placeholders. */
  target: string;
  auth: Auth;
  headers: Record<string, string>;
  body?: { bytes: string | Uint8Array; contentType?: string };
}

export const TOKEN = '__TOKEN__';
/** Replaced by the id of a token the run created (or a made-up id when it has none). */
export const CREATED_TOKEN_ID = '__CREATED_TOKEN_ID__';
/** Replaced by a nextCursor the same route answered earlier. */
export const NEXT_CURSOR = '__NEXT_CURSOR__';
