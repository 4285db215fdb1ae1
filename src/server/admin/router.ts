import Router, { RouterEvents } from '@koa/router';
import type { Client } from '@temporalio/client';
import type { AdminState } from './audit';
import { adminGuard } from './auth';
import type { AuthLimiter } from './auth-limiter';
import type { Config } from '../../config';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import type { AdminAuthMetrics } from '../../metrics/admin-auth-metrics';
import type { ChatCommands } from '../chat-commands';
import type { EventHub } from '../event-hub';
import type { WhatsAppClient } from '../../whatsapp/graph-client';
import { HttpError, notFound } from '../errors';
import { mountCampaignRoutes } from './campaigns';
import { mountCannedResponseRoutes } from './canned-responses';
import { mountChatRoutes } from './chat';
import { mountContactRoutes } from './contacts';
import { mountConversationRoutes } from './conversations';
import { mountEventRoutes } from './events';
import { mountExportRoutes } from './exports';
import { mountLabelRoutes } from './labels';
import { mountMediaRoutes } from './media';
import { mountNoteRoutes } from './notes';
import { mountPresenceRoutes } from './presence';
import { mountQuarantineRoutes } from './quarantine';
import { mountQueueRoutes } from './queue';
import { mountReportRoutes } from './reports';
import { mountSearchRoutes } from './search';
import { mountStatsRoutes } from './stats';
import { mountSupportSettingsRoutes } from './support-settings';
import { mountTemplateRoutes } from './templates';
import { mountTokenRoutes } from './tokens';

// The agents' and admins' API under /api/admin. Every route starts with the same guard:
// an audit row for the request, then 401 without a valid bearer token, then 403 for the wrong role.
// A request no route takes is answered in the API's error shape too, not Koa's plain text.

const ADMIN_PATH = /^\/api\/admin(?:\/|$)/i;

export interface AdminDeps {
  config: Config;
  db: Db;
  logger: Logger;
  chat: ChatCommands;
  events: EventHub;
  whatsapp?: WhatsAppClient;
  /** Temporal itself, for what no conversation does for itself: ending a merged contact's workflow. */
  temporal?: Client;
  /** Interval of the event stream's heartbeat; 15 s unless a test wants it sooner. */
  heartbeatMs?: number;
  /** Where refused sign-ins are counted (`edubot_admin_auth_failures_total`). */
  authMetrics?: AdminAuthMetrics;
  /** The server's one limiter of failed sign-ins, shared with the codec routes; made here when absent. */
  authLimiter?: AuthLimiter;
}

export function adminRoutes(deps: AdminDeps): Router<AdminState> {
  const router = new Router<AdminState>();
  const guard = adminGuard(deps);
  mountConversationRoutes(router, deps, guard);
  mountChatRoutes(router, deps, guard);
  mountContactRoutes(router, deps, guard);
  mountEventRoutes(router, deps, guard);
  mountLabelRoutes(router, deps, guard);
  mountNoteRoutes(router, deps, guard);
  mountMediaRoutes(router, deps, guard);
  mountPresenceRoutes(router, deps, guard);
  mountCannedResponseRoutes(router, deps, guard);
  mountCampaignRoutes(router, deps, guard);
  mountQuarantineRoutes(router, deps, guard);
  mountQueueRoutes(router, deps, guard);
  mountReportRoutes(router, deps, guard);
  mountExportRoutes(router, deps, guard);
  mountSearchRoutes(router, deps, guard);
  mountStatsRoutes(router, deps, guard);
  mountSupportSettingsRoutes(router, deps, guard);
  mountTemplateRoutes(router, deps, guard);
  mountTokenRoutes(router, deps, guard);
  router.on(RouterEvents.NotFound, (ctx, next) => {
    if (!ADMIN_PATH.test(ctx.path)) return next();
    const allowed = [...new Set(router.match(ctx.path, ctx.method).path.flatMap((layer) => layer.methods))];
    if (allowed.length === 0) throw notFound('route_not_found', 'No admin route has this path');
    // The app's allowedMethods middleware answers OPTIONS with the Allow header.
    if (ctx.method === 'OPTIONS') return next();
    ctx.set('Allow', allowed.join(', '));
    throw new HttpError(405, 'method_not_allowed', `This path takes ${allowed.join(', ')}`);
  });
  return router;
}
