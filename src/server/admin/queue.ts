import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import type { Db } from '../../db/pool';
import { listWaitingChats } from '../../db/queue';
import { parse } from './params';

// GET /api/admin/queue: the chats waiting for an agent's first reply, oldest first, with the wait so
// far and who holds each, if anyone.

// A queue longer than this is a staffing problem no page of it would solve: the count says how long.
const QUEUE_SHOWN = 500;

const QueueQuery = z.object({}).strict();

export function mountQueueRoutes(router: Router<AdminState>, { db }: { db: Db }, guard: AdminGuard): void {
  router.get('/api/admin/queue', ...guard('queue.list', AGENT_OR_ADMIN), async (ctx) => {
    parse(QueueQuery, ctx.query, 'invalid_query', 'The queue takes no parameters');
    const waiting = await listWaitingChats(db, QUEUE_SHOWN);
    noteAudit(ctx, { details: { count: waiting.length } });
    ctx.body = {
      status: 'success',
      queue: waiting.map((chat) => ({
        phone: chat.phone,
        name: chat.name,
        waitingSince: chat.waitingSince,
        waitSeconds: Math.floor(chat.waitSeconds),
        holder: chat.holder,
      })),
    };
  });
}
