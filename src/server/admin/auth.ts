import type { Middleware } from 'koa';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import type { AdminAuthMetrics } from '../../metrics/admin-auth-metrics';
import { forbidden, HttpError, unauthorized } from '../errors';
import { audited, noteAudit, type AdminState } from './audit';
import { createAuthLimiter, type AuthLimiter } from './auth-limiter';
import { clientSource } from './client-source';
import { checkToken, type Role } from '../../auth/tokens';

// Authentication (who is asking: 401) and authorisation (may they: 403) of the admin API. Failed
// authentication is counted per source: too many, and the source gets 429 before any token lookup,
// so an anonymous flood costs Postgres nothing once it is recognised (auth-limiter.ts).

export interface AuthDeps {
  config: Pick<Config, 'adminToken'>;
  db: Db;
  logger: Logger;
  /** `edubot_admin_auth_failures_total` on the app's registry. */
  authMetrics?: AdminAuthMetrics;
  /** The failure counts of this app; one is made when absent. */
  authLimiter?: AuthLimiter;
}

// RFC 7235: the scheme is case-insensitive. The token is any run of visible characters rather than
// strict token68, because ADMIN_TOKEN comes from the environment and may hold any of them.
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Sets ctx.state.actor from `Authorization: Bearer …`, or answers 401 (429 after too many 401s). */
export function authenticate(deps: AuthDeps & { authLimiter: AuthLimiter }): Middleware<AdminState> {
  const limiter = deps.authLimiter;
  return async (ctx, next) => {
    const source = clientSource(ctx);
    const count = (reason: string, tokenId?: number) => {
      const audit = limiter.failed(source, reason);
      if (audit.audit) noteAudit(ctx, { actorTokenId: tokenId, details: { reason, ...audit.details } });
      else noteAudit(ctx, { counted: true });
    };
    const refuse = (reason: string, tokenId?: number) => {
      count(reason, tokenId);
      ctx.set('WWW-Authenticate', 'Bearer realm="edubot-admin"');
      return unauthorized('A valid bearer token is required: Authorization: Bearer <token>');
    };
    const retryAfter = limiter.retryAfter(source);
    if (retryAfter !== undefined) {
      count('rate_limited');
      ctx.set('Retry-After', String(retryAfter));
      throw new HttpError(
        429,
        'too_many_failed_attempts',
        `Too many requests without a valid token from this address; retry in ${retryAfter} s`,
        { retryAfterSeconds: retryAfter },
      );
    }
    const header = ctx.get('authorization');
    if (header === '') throw refuse('missing_token');
    const match = BEARER.exec(header);
    if (!match) throw refuse('malformed_header');
    const check = await checkToken(deps.db, deps.config, match[1]!);
    if (!check.ok) throw refuse(check.reason, check.tokenId);
    ctx.state.actor = check.actor;
    await next();
  };
}

/** Lets only the given roles through; everyone else gets 403. Runs after `authenticate`. */
export function authorize(roles: readonly Role[]): Middleware<AdminState> {
  return async (ctx, next) => {
    const role = ctx.state.actor?.role;
    if (role === undefined || !roles.includes(role)) {
      throw forbidden(`This action needs the ${roles.join(' or ')} role`);
    }
    await next();
  };
}

/** Who may do what: admins everything; agents the conversations, chat support and event stream. */
export const ADMIN_ONLY: readonly Role[] = ['admin'];
export const AGENT_OR_ADMIN: readonly Role[] = ['admin', 'agent'];

export type AdminGuard = (action: string, roles: readonly Role[]) => Middleware<AdminState>[];

/** The middleware every admin route starts with: audit (outermost, so refusals are recorded), 401, 403. */
export function adminGuard(deps: AuthDeps): AdminGuard {
  // One limiter for every route: a source's failures count together whichever route they hit.
  const authLimiter =
    deps.authLimiter ?? createAuthLimiter({ db: deps.db, logger: deps.logger, metrics: deps.authMetrics });
  const authenticated = authenticate({ ...deps, authLimiter });
  return (action, roles) => [audited(action, deps), authenticated, authorize(roles)];
}
