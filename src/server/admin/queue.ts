import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import { listWaitingChats } from '../../db/queue';
import { parse } from './params';

// GET /api/admin/queue: the chats waiting for an agent's first reply, oldest first, with the wait so
// far and who holds each, if anyone. GET /api/admin/me: who the console is signed in as, so it knows
// whether it holds a chat.

// A queue longer than this is a staffing problem no page of it would solve: the count says how long.
const QUEUE_SHOWN = 500;

const NoQuery = z.object({}).strict();

export function mountQueueRoutes(
  router: Router<AdminState>,
  { db, config }: { db: Db; config: Config },
  guard: AdminGuard,
): void {
  router.get('/api/admin/queue', ...guard('queue.list', AGENT_OR_ADMIN), async (ctx) => {
    parse(NoQuery, ctx.query, 'invalid_query', 'The queue takes no parameters');
    const waiting = await listWaitingChats(db, QUEUE_SHOWN);
    noteAudit(ctx, { details: { count: waiting.length } });
    ctx.body = {
      status: 'success',
      // The console marks a chat that has waited longer (CHAT_WAIT_WARN).
      warnAfterSeconds: Math.round(config.support.waitWarnMs / 1000),
      queue: waiting.map((chat) => ({
        phone: chat.phone,
        name: chat.name,
        waitingSince: chat.waitingSince,
        waitSeconds: Math.floor(chat.waitSeconds),
        holder: chat.holder,
      })),
    };
  });

  router.get('/api/admin/me', ...guard('me.read', AGENT_OR_ADMIN), (ctx) => {
    parse(NoQuery, ctx.query, 'invalid_query', 'This takes no parameters');
    const actor = ctx.state.actor!;
    ctx.body = { status: 'success', agent: { agentId: actor.agentId, name: actor.name, role: actor.role } };
  });
}
