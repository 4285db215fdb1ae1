import type Router from '@koa/router';
import { z } from 'zod';
import { noteAudit, type AdminState } from './audit';
import { AGENT_OR_ADMIN, type AdminGuard } from './auth';
import type { Config } from '../../config';
import type { Actor } from '../../auth/tokens';
import { isAvailable, listUnheldWaiting, setAvailability } from '../../db/assignment';
import type { Db } from '../../db/pool';
import type { ChatCommands } from '../chat-commands';
import { countWaitingForOpening, listWaitingChats, type WaitingChat } from '../../db/queue';
import { contactJson } from './conversations';
import { FilterQuery } from './labels';
import { parse, readJsonBody } from './params';

// GET /api/admin/queue: the chats waiting for an agent's first reply, oldest first, with the wait so
// far and who holds each, if anyone. GET /api/admin/me: who the console is signed in as, so it knows
// whether it holds a chat.

// A queue longer than this is a staffing problem no page of it would solve: the count says how long.
const QUEUE_SHOWN = 500;

const NoQuery = z.object({}).strict();
export const QueueQuery = z.object(FilterQuery).strict();
export const AvailabilityBody = z.object({ available: z.boolean() }).strict();

const queueItemJson = (chat: WaitingChat) => ({
  ...contactJson(chat),
  name: chat.name,
  waitingSince: chat.waitingSince,
  waitSeconds: Math.floor(chat.waitSeconds),
  holder: chat.holder,
  availableAt: chat.availableAt,
  sla: chat.sla,
  priority: chat.priority,
  labels: chat.labels,
});

// The answers' shapes, for the browser code's type check (src/web/api-types.d.ts).
export type QueueItemJson = ReturnType<typeof queueItemJson>;
export type MeJson = Pick<Actor, 'agentId' | 'name' | 'role'> & { available: boolean };

export function mountQueueRoutes(
  router: Router<AdminState>,
  { db, config, chat }: { db: Db; config: Config; chat: ChatCommands },
  guard: AdminGuard,
): void {
  router.get('/api/admin/queue', ...guard('queue.list', AGENT_OR_ADMIN), async (ctx) => {
    const filter = parse(QueueQuery, ctx.query, 'invalid_query', 'The queue takes only label and priority');
    const waiting = await listWaitingChats(db, QUEUE_SHOWN, filter);
    noteAudit(ctx, { details: { ...filter, count: waiting.length } });
    ctx.body = {
      status: 'success',
      // Chats asked for outside business hours: they join the queue at the opening (SPEC §7.6).
      waitingForOpening: await countWaitingForOpening(db),
      // The console marks a chat that has waited longer (CHAT_WAIT_WARN).
      warnAfterSeconds: Math.round(config.support.waitWarnMs / 1000),
      queue: waiting.map(queueItemJson),
    };
  });

  const me = async (actor: Actor): Promise<MeJson> => ({
    agentId: actor.agentId,
    name: actor.name,
    role: actor.role,
    available: await isAvailable(db, actor.agentId),
  });

  router.get('/api/admin/me', ...guard('me.read', AGENT_OR_ADMIN), async (ctx) => {
    parse(NoQuery, ctx.query, 'invalid_query', 'This takes no parameters');
    ctx.body = { status: 'success', agent: await me(ctx.state.actor!) };
  });

  // Available or away for automatic assignment. Becoming available takes up the chats that waited
  // for somebody, oldest first, as long as anyone has room.
  router.post('/api/admin/me/availability', ...guard('me.availability', AGENT_OR_ADMIN), async (ctx) => {
    const body = parse(AvailabilityBody, await readJsonBody(ctx), 'invalid_body', 'Invalid body');
    const actor = ctx.state.actor!;
    await setAvailability(db, actor.agentId, body.available);
    noteAudit(ctx, { details: { available: body.available } });
    if (body.available && config.support.autoAssign) {
      for (const contactId of await listUnheldWaiting(db, QUEUE_SHOWN)) {
        const answer = await chat.claim({ contactId, agent: actor.name, agentId: actor.agentId, admin: false });
        // Nobody had room for the oldest: nobody has room for the rest either.
        if (answer.ok && answer.holder === null) break;
      }
    }
    ctx.body = { status: 'success', agent: await me(actor) };
  });
}
