import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/pool';

/** How long readiness waits for each dependency: a load balancer's probe gives up soon after. */
const PROBE_DEADLINE_MS = 1_500;

/** Liveness answers while the process runs; readiness only while Postgres and Temporal answer too. */
export function healthRoutes({ db, temporal }: { db: Db; temporal: Client }): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const [postgres, temporalOk] = await Promise.all([
      db.query('select 1').then(
        () => true,
        () => false,
      ),
      // A deadline: without one the client retries a Temporal that is down, and the probe hangs
      // instead of saying so.
      temporal.connection
        .withDeadline(Date.now() + PROBE_DEADLINE_MS, () => temporal.connection.workflowService.getSystemInfo({}))
        .then(
          () => true,
          () => false,
        ),
    ]);
    ctx.status = postgres && temporalOk ? 200 : 503;
    ctx.body = { status: ctx.status === 200 ? 'ok' : 'unavailable', postgres, temporal: temporalOk };
  });
  return router;
}
