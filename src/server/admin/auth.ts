import type { Middleware } from 'koa';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import { forbidden, unauthorized } from '../errors';
import { audited, noteAudit, type AdminState } from './audit';
import { checkToken, type Role } from '../../auth/tokens';

// Authentication (who is asking: 401) and authorisation (may they: 403) of the admin API.

export interface AuthDeps {
  config: Pick<Config, 'adminToken'>;
  db: Db;
  logger: Logger;
}

// RFC 7235: the scheme is case-insensitive. The token is any run of visible characters rather than
// strict token68, because ADMIN_TOKEN comes from the environment and may hold any of them.
const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** Sets ctx.state.actor from `Authorization: Bearer …`, or answers 401. */
export function authenticate(deps: AuthDeps): Middleware<AdminState> {
  return async (ctx, next) => {
    const header = ctx.get('authorization');
    const refuse = (reason: string, tokenId?: number) => {
      noteAudit(ctx, { actorTokenId: tokenId, details: { reason } });
      ctx.set('WWW-Authenticate', 'Bearer realm="edubot-admin"');
      return unauthorized('A valid bearer token is required: Authorization: Bearer <token>');
    };
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
  return (action, roles) => [audited(action, deps), authenticate(deps), authorize(roles)];
}
