import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGraphFakeApp } from './graph-fake-app';
import { controlOf } from './graph-fake-control';
import { listenerOf } from './graph-fake-http';
import { createFakeState } from './graph-fake-state';
import type { GraphFake, GraphFakeOptions } from './graph-fake-types';

// A real HTTP server speaking the Graph API's `/messages`, media and template shapes, for tests, the
// benchmark and sandbox mode. Being a server rather than a mock, it exercises the real client, its
// timeouts and connection handling. Its parts: the routes (graph-fake-app.ts, graph-fake-messages.ts,
// graph-fake-media.ts, graph-fake-templates.ts), what it remembers (graph-fake-state.ts) and the
// control methods (graph-fake-control.ts).

export type { StatusCallbackOptions } from './graph-fake-status';
export type {
  GraphFake,
  GraphFakeFailure,
  GraphFakeOptions,
  GraphFakeStorm,
  RecordedSend,
  SendAttempt,
} from './graph-fake-types';

export async function startGraphFake(options: GraphFakeOptions = {}): Promise<GraphFake> {
  const host = options.host ?? '127.0.0.1';
  const state = createFakeState(options);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  // The app needs the origin the port gives; no request is read before this line runs.
  server.on('request', listenerOf(createGraphFakeApp(state, origin)));

  return controlOf(state, `${origin}/${state.version}`, async () => {
    state.notifier?.close();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    state.wakeAll();
    await closed;
  });
}
