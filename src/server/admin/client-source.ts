import net from 'node:net';
import type { Context } from 'koa';

// Who a request comes from, for counting failed sign-ins per source. Not `ctx.ip`: with `app.proxy`
// on, Koa takes the leftmost X-Forwarded-For entry, which the client writes itself, so one attacker
// could be a new source at every request. Only the rightmost entry was written by someone we can
// name: the proxy that connected to us. It is believed when that peer is on a loopback or private
// network (where a load balancer sits); a peer on a public address reached us directly, so its own
// address is the source and whatever X-Forwarded-For it sent is ignored.

const PRIVATE_PEERS = new net.BlockList();
PRIVATE_PEERS.addSubnet('127.0.0.0', 8, 'ipv4');
PRIVATE_PEERS.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE_PEERS.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE_PEERS.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE_PEERS.addSubnet('169.254.0.0', 16, 'ipv4');
PRIVATE_PEERS.addAddress('::1', 'ipv6');
PRIVATE_PEERS.addSubnet('fc00::', 7, 'ipv6');
PRIVATE_PEERS.addSubnet('fe80::', 10, 'ipv6');

/** An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) as the IPv4 address it is. */
function unmapped(address: string): string {
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address;
}

/**
 * The key of an address: an IPv4 address as it is, an IPv6 address by its /64, since one subscriber
 * usually holds a whole /64 and could otherwise count as 2^64 sources.
 */
export function sourceKey(address: string): string {
  const plain = unmapped(address.trim());
  if (net.isIPv4(plain)) return plain;
  if (!net.isIPv6(plain)) return 'unknown';
  const [head = '', tail] = plain.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** The source of a request: the peer, or the address a proxy on a private network says it served. */
export function clientSource(ctx: Pick<Context, 'get' | 'req'>): string {
  const peer = unmapped(ctx.req.socket.remoteAddress ?? '');
  const family = net.isIPv4(peer) ? 'ipv4' : net.isIPv6(peer) ? 'ipv6' : undefined;
  if (family === undefined) return 'unknown';
  if (PRIVATE_PEERS.check(peer, family)) {
    // Node joins repeated X-Forwarded-For headers with ", ": the last entry is the nearest proxy's.
    const forwarded = ctx.get('x-forwarded-for').split(',').pop()?.trim() ?? '';
    if (net.isIP(unmapped(forwarded)) !== 0) return sourceKey(forwarded);
  }
  return sourceKey(peer);
}
