import Router from '@koa/router';
import type { Client } from '@temporalio/client';
import type { Db } from '../../db/pool';

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
      temporal.connection.workflowService.getSystemInfo({}).then(
        () => true,
        () => false,
      ),
    ]);
    ctx.status = postgres && temporalOk ? 200 : 503;
    ctx.body = { status: ctx.status === 200 ? 'ok' : 'unavailable', postgres, temporal: temporalOk };
  });
  return router;
}
