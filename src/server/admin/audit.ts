import type { Middleware, ParameterizedContext } from 'koa';
import { insertAuditEntry } from '../../db/audit';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import { HttpError } from '../errors';
import { ANONYMOUS_ACTOR, type Actor } from '../../auth/tokens';

// Every admin request by someone identified leaves one audit row: who, which action, which
// conversation, the outcome and the HTTP status, refused requests included. Requests refused for want
// of a valid token are summed per source instead (auth-limiter.ts), so a flood of them cannot fill
// the log. Details never hold message bodies or tokens.

/** What a route adds to its audit row; `details` must stay free of bodies and secrets. */
export interface AuditNote {
  contactId?: string;
  actorTokenId?: number;
  details: Record<string, unknown>;
  /** Set for a refusal the limiter counts towards its source's next row instead of a row of its own. */
  counted?: boolean;
}

/** ctx.state of admin routes: the authenticated actor and the audit note under construction. */
export interface AdminState {
  actor?: Actor;
  audit: AuditNote;
}

/**
 * Records the request as `action` once everything after it (authentication, authorisation, the
 * route) has answered or thrown. Registered first in each admin route so refusals are recorded too.
 */
export function audited(action: string, deps: { db: Db; logger: Logger }): Middleware<AdminState> {
  return async (ctx, next) => {
    ctx.state.audit = { details: {} };
    const record = async (failure: unknown): Promise<void> => {
      const { status, outcome } = outcomeOf(ctx, failure);
      const { actor, audit } = ctx.state;
      if (audit.counted === true && actor === undefined) return;
      try {
        await insertAuditEntry(deps.db, {
          actor: actor?.name ?? ANONYMOUS_ACTOR,
          actorTokenId: actor?.tokenId ?? audit.actorTokenId,
          role: actor?.role,
          action,
          contactId: audit.contactId,
          outcome,
          httpStatus: status,
          details: audit.details,
        });
      } catch (err) {
        // The action itself has happened (a message may be on its way to WhatsApp): answering 500 now
        // would make the caller retry it. The failure goes to the operator's log instead.
        deps.logger.error('audit entry not recorded', { action, outcome, error: err });
      }
    };
    try {
      await next();
    } catch (err) {
      await record(err);
      throw err;
    }
    await record(undefined);
  };
}

/** Adds to the audit row of the current request. */
export function noteAudit(ctx: ParameterizedContext<AdminState>, note: Partial<AuditNote>): void {
  ctx.state.audit = {
    ...ctx.state.audit,
    ...note,
    details: { ...ctx.state.audit.details, ...note.details },
  };
}

function outcomeOf(ctx: ParameterizedContext, failure: unknown): { status: number; outcome: string } {
  if (failure instanceof HttpError) return { status: failure.status, outcome: failure.code };
  if (failure !== undefined) return { status: 500, outcome: 'internal_error' };
  if (ctx.status < 400) return { status: ctx.status, outcome: 'ok' };
  // A route that wrote its error body itself (to add fields the error middleware does not render).
  const body = ctx.body as { error?: { code?: unknown } } | null | undefined;
  const code = typeof body === 'object' && body !== null ? body.error?.code : undefined;
  return { status: ctx.status, outcome: typeof code === 'string' ? code : 'error' };
}
