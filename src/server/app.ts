import Koa from 'koa';
import type Router from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/pool';
import type { Logger } from '../logger';
import { logAppErrors } from './client-errors';
import { unreachable } from '../db/pool';
import { createAppMetrics } from '../metrics/app-metrics';
import type { ChatCommands } from './chat-commands';
import { HttpError } from './errors';
import { loopbackHostOnly } from './host-check';
import type { EventHub } from './event-hub';
import { adminRoutes } from './admin/router';
import { apiDocsRoutes } from './routes/api-docs';
import { createAuthLimiter } from './admin/auth-limiter';
import { healthRoutes } from './routes/health';
import { metricsRoutes } from './routes/metrics';
import { consoleFactsRoutes } from './routes/console-facts';
import { paymentRoutes } from './routes/payments';
import { temporalCodecRoutes } from './routes/temporal-codec';
import { webRoutes } from './routes/web';
import { webLibraryRoutes } from './routes/web-libraries';
import { webhookRoutes } from './routes/webhook';
import type { WhatsAppClient } from '../whatsapp/graph-client';

export interface AppDeps {
  config: Config;
  db: Db;
  temporal: Client;
  logger: Logger;
  /** Sandbox mode: the routes of the local WhatsApp emulator (tools/sandbox), which also enable /simulator. */
  sandbox?: Router;
  /** Chat-support commands (Temporal updates); with `events`, mounts the admin API. */
  chat?: ChatCommands;
  /** The LISTEN connection behind GET /api/admin/events. */
  events?: EventHub;
  /**
   * The Graph API, for what the server asks of WhatsApp itself rather than through a conversation:
   * the template catalogue, a user's media for the console, read receipts and typing.
   */
  whatsapp?: WhatsAppClient;
}

/** Builds the HTTP application without listening, so tests drive it over a real socket of their own. */
export function createApp(deps: AppDeps): Koa {
  const app = new Koa();
  app.proxy = true;
  logAppErrors(app, deps.logger);
  // Before anything else: a DNS-rebinding page must reach no route of the sandbox (host-check.ts).
  if (deps.config.sandbox) app.use(loopbackHostOnly(deps.config.host));

  // Registered first: every error becomes a JSON body with a real status; only unexpected ones are logged.
  app.use(async (ctx, next) => {
    try {
      await next();
      // A method no route implements (PROPFIND, say) is the client's mistake: 405, not the router's 501.
      if (ctx.status === 501) {
        ctx.status = 405;
        ctx.body = {
          status: 'error',
          error: { code: 'method_not_allowed', message: `${ctx.method} is not supported` },
        };
      }
    } catch (err) {
      if (err instanceof HttpError) {
        ctx.status = err.status;
        ctx.body = { status: 'error', error: { code: err.code, message: err.message, details: err.details } };
        return;
      }
      // Postgres away is an outage the client may wait out, not an error in its request.
      if (unreachable(err)) {
        deps.logger.warn('postgres unreachable', { method: ctx.method, path: ctx.path, error: err as Error });
        ctx.status = 503;
        ctx.set('Retry-After', '5');
        ctx.body = {
          status: 'error',
          error: { code: 'unavailable', message: 'The database is unreachable; retry later' },
        };
        return;
      }
      // The logger keeps only an Error's name, message, stack, code and cause; anything else thrown
      // is logged by its type alone, since it may hold the request's data.
      const error = err instanceof Error ? err : `[thrown ${typeof err}]`;
      deps.logger.error('request failed', { method: ctx.method, path: ctx.path, error });
      ctx.status = 500;
      ctx.body = { status: 'error', error: { code: 'internal_error', message: 'Internal error' } };
    }
  });

  // Webhook requests are counted in this process: only the server sees them. Everything else /metrics
  // shows is read from Postgres, so the worker's sends count even when it runs apart.
  const metrics = createAppMetrics(deps);
  const routers = [
    healthRoutes(deps),
    metricsRoutes({ metrics, token: deps.config.metricsToken }),
    webhookRoutes({ ...deps, metrics: metrics.webhook }),
    paymentRoutes(deps),
    ...(deps.sandbox ? [deps.sandbox] : []),
    // The simulator writes to the bot through the emulator's side of WhatsApp: sandbox mode only.
    webRoutes({ simulator: deps.sandbox !== undefined }),
    apiDocsRoutes(),
    consoleFactsRoutes(),
    webLibraryRoutes(),
  ];
  for (const router of routers) {
    app.use(router.routes()).use(router.allowedMethods());
  }
  // One limiter of failed sign-ins for every guarded route: a source's failures count together.
  const auth = {
    authMetrics: metrics.adminAuth,
    authLimiter: createAuthLimiter({ db: deps.db, logger: deps.logger, metrics: metrics.adminAuth }),
  };
  // The codec server for the Temporal Web UI and CLI: decrypted payloads, for admins only.
  const codec = temporalCodecRoutes({ ...deps, ...auth });
  app.use(codec.routes()).use(codec.allowedMethods());
  if (deps.chat && deps.events) {
    const admin = adminRoutes({ ...deps, chat: deps.chat, events: deps.events, ...auth });
    app.use(admin.routes()).use(admin.allowedMethods());
  }
  return app;
}
