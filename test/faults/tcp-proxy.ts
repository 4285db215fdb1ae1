import net from 'node:net';

// A TCP proxy the fault tests put between the product and Postgres, so a test can make Postgres
// unreachable without touching the server behind it: `cut` resets every open connection and stops
// listening (new connections are refused, as from a host that is gone), `restore` listens again on
// the same port. The product only ever knows the proxy's address.

export interface TcpProxy {
  readonly port: number;
  /** Open client connections. */
  readonly connections: number;
  /** Whether the proxy is listening. */
  readonly reachable: boolean;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const drop = (socket: net.Socket) => () => {
      open.delete(socket);
      // Either side going away ends the pair, as a real connection would.
      client.destroy();
      upstream.destroy();
    };
    client.once('close', drop(client));
    upstream.once('close', drop(upstream));
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.on('error', () => undefined);
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        port = (server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  const stopListening = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      // A reset, not a polite end: the other side learns at once that the peer is gone.
      for (const socket of open) socket.resetAndDestroy();
    });
  await listen();
  return {
    get port() {
      return port;
    },
    get connections() {
      return [...open].length / 2;
    },
    get reachable() {
      return server.listening;
    },
    cut: stopListening,
    async restore() {
      if (!server.listening) await listen();
    },
    close: stopListening,
  };
}
