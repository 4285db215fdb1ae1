import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { ADMIN_ONLY, AGENT_OR_ADMIN, type AdminGuard } from './auth';
import { createToken, Role, AgentName, TokenLifetime } from '../../auth/tokens';
import type { Config } from '../../config';
import { listAuditEntries } from '../../db/audit';
import type { Db } from '../../db/pool';
import { listTokens, revokeToken, type AdminToken } from '../../db/tokens';
import type { Logger } from '../../logger';
import type { ChatCommands } from '../chat-commands';
import { HttpError, notFound } from '../errors';
import { IdCursor, Limit, pageById, parse, readJsonBody, resolveContactReference, type AdminContext } from './params';
import { releaseIfSignedOut, startExpirySweep } from './token-release';

// Token management and the audit log, admin-only but for a token revoking itself (the console's
// sign-out). A token is made for a person by name: the person of exactly that name when there is
// one, a new person otherwise (createToken).

export const CreateTokenBody = z.object({ name: AgentName, role: Role }).and(TokenLifetime);
export type CreateTokenBody = z.infer<typeof CreateTokenBody>;

const TokenId = z
  .string()
  .regex(/^\d{1,15}$/, 'a token id is a positive integer')
  .transform(Number);

export const AuditQuery = z.object({
  /** The conversation: a contact id, phone, BSUID or username. */
  phone: z.string().max(200).optional(),
  action: z
    .string()
    .regex(/^[a-z_.]{1,64}$/, 'an action looks like chat.send')
    .optional(),
  limit: Limit,
  cursor: IdCursor,
});

// Never the hash: it is as good as a password against anyone who can run SHA-256 lookups offline.
const tokenJson = (t: AdminToken) => ({
  id: t.id,
  agentId: t.agentId,
  name: t.name,
  role: t.role,
  createdAt: t.createdAt,
  revokedAt: t.revokedAt,
  lastUsedAt: t.lastUsedAt,
  expiresAt: t.expiresAt,
});

export interface TokenRouteDeps {
  db: Db;
  chat: ChatCommands;
  config: Pick<Config, 'support'>;
  logger: Logger;
}

export function mountTokenRoutes(router: Router<AdminState>, deps: TokenRouteDeps, guard: AdminGuard): void {
  const { db } = deps;
  const releaseDeps = { db, chat: deps.chat, logger: deps.logger, autoAssign: deps.config.support.autoAssign };
  // Expiry happens with no request to react to: the chats of someone whose last token expired are
  // looked for on a timer, which also finishes any revocation's release that could not.
  startExpirySweep(releaseDeps);

  /** Revokes the token, then lets go of what its holder held if that was their last way in. */
  const revoke = async (ctx: AdminContext, id: number) => {
    const revoked = await revokeToken(db, id);
    if (!revoked) throw notFound('token_not_found', `No token with id ${id}`);
    const actor = ctx.state.actor!;
    const release = await releaseIfSignedOut(releaseDeps, revoked.agentId, {
      name: actor.name,
      agentId: actor.agentId,
      tokenId: actor.tokenId,
      role: actor.role,
      admin: actor.role === 'admin',
      auditEach: false,
    });
    // Contact ids only: opaque, and what the audit log's conversation filter finds.
    noteAudit(ctx, { details: { chatsReturned: release.returned, chatsNotReturned: release.notReturned } });
    ctx.body = {
      status: 'success',
      message: 'Token revoked',
      ...tokenJson(revoked),
      chatsReturned: release.returned,
      chatsNotReturned: release.notReturned,
    };
  };

  router.get('/api/admin/tokens', ...guard('token.list', ADMIN_ONLY), async (ctx) => {
    ctx.body = { status: 'success', tokens: (await listTokens(db)).map(tokenJson) };
  });

  router.post('/api/admin/tokens', ...guard('token.create', ADMIN_ONLY), async (ctx) => {
    const body = parse(CreateTokenBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    const { token, info } = await createToken(db, body);
    noteAudit(ctx, { details: { tokenId: info.id, agentId: info.agentId, name: info.name, role: info.role } });
    // The only response that ever holds the token: no cache may keep it.
    ctx.set('Cache-Control', 'no-store');
    ctx.status = 201;
    ctx.body = { status: 'success', message: 'Token created; it is shown only this once', token, ...tokenJson(info) };
  });

  router.delete('/api/admin/tokens/:id', ...guard('token.revoke', ADMIN_ONLY), async (ctx) => {
    const id = parse(TokenId, ctx.params.id, 'invalid_token_id', 'Invalid token id');
    noteAudit(ctx, { details: { tokenId: id } });
    await revoke(ctx, id);
  });

  // Signing out of the console: the token it signed in with stops working here, not only in the
  // browser that forgets it, so a copy left in a shared browser's storage or history lets nobody in.
  router.post('/api/admin/tokens/self/revoke', ...guard('token.revoke_self', AGENT_OR_ADMIN), async (ctx) => {
    const { tokenId } = ctx.state.actor!;
    if (tokenId === undefined) {
      throw new HttpError(
        409,
        'token_not_revocable',
        "The environment's ADMIN_TOKEN cannot be revoked through the API: change ADMIN_TOKEN and restart",
      );
    }
    noteAudit(ctx, { details: { tokenId } });
    await revoke(ctx, tokenId);
  });

  router.get('/api/admin/audit', ...guard('audit.list', ADMIN_ONLY), async (ctx) => {
    const query = parse(AuditQuery, ctx.query, 'invalid_query', 'Invalid query');
    const rows = await listAuditEntries(db, {
      contactId: query.phone === undefined ? undefined : await resolveContactReference(db, query.phone),
      action: query.action,
      beforeId: query.cursor,
      limit: query.limit + 1,
    });
    const { page, nextCursor } = pageById(rows, query.limit);
    ctx.body = { status: 'success', entries: page, ...(nextCursor ? { nextCursor } : {}) };
  });
}
