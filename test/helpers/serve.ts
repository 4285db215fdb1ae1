import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type Koa from 'koa';
import { answerClientErrors } from '../../src/server/client-errors';
import type { Defer } from './cleanup';

/** Serves a Koa app on a free loopback port, closed with the scope that `defer` belongs to; returns its base URL. */
export async function serveOnLoopback(app: Koa, defer: Defer): Promise<string> {
  // eslint-disable-next-line @typescript-eslint/no-misused-promises -- Koa's handler settles every request itself (ctx.onerror) and never rejects
  const server = http.createServer(app.callback());
  answerClientErrors(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  defer(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
