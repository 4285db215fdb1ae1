import net from 'node:net';

// Consecutive ports for the product's servers: an operator reads "3000–3001" more easily than two
// random numbers, and a load balancer's upstream list is one range.

/** Whether 127.0.0.1:port can be bound right now. */
export function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** The first port of `count` consecutive ones that can be bound, from `first` (0: anywhere above 20000). */
export async function consecutivePorts(count: number, first: number): Promise<number> {
  if (first !== 0) {
    for (let port = first; port < first + count; port++) {
      if (!(await canBind(port))) throw new Error(`port ${port} on 127.0.0.1 is taken: choose another first port`);
    }
    return first;
  }
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    let free = true;
    for (let port = base; port < base + count && free; port++) free = await canBind(port);
    if (free) return base;
  }
  throw new Error(`found no ${count} consecutive free ports on 127.0.0.1`);
}

/**
 * A port that can be bound now, from 10000–32767. Temporal stores a membership port in a smallint
 * column (cluster_membership.rpc_port): the kernel's ephemeral ports, from 32768 up, do not fit.
 */
export async function freeTemporalPort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 10_000 + Math.floor(Math.random() * 22_768);
    if (await canBind(port)) return port;
  }
  throw new Error('found no free port between 10000 and 32767 on 127.0.0.1');
}
