import net from 'node:net';
import type Koa from 'koa';

// Sandbox mode publishes its secrets (the admin token, the app secret), so the server it runs must not
// be reachable from a web page. A page cannot read a loopback server across origins, but by DNS
// rebinding (its own name made to resolve to 127.0.0.1) it becomes same-origin with it; the one thing
// it cannot change is the Host header, which then names the attacker's domain. So in sandbox mode
// only the loopback names are served. The raw header is read, not ctx.host: with app.proxy on, Koa
// would take X-Forwarded-Host, which a same-origin page may set.

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/** `host[:port]` of a Host header, the host lowercased; undefined for anything else. */
function hostName(header: string): string | undefined {
  const match = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::\d{1,5})?$/i.exec(header);
  return match?.[1]?.toLowerCase();
}

/**
 * A middleware that answers 421 Misdirected Request to a request whose Host is not a loopback name
 * (with any port) or `bindHost` when that is an IP address other than a wildcard: names are what DNS
 * rebinding uses, literal addresses are not.
 */
export function loopbackHostOnly(bindHost: string): Koa.Middleware {
  const allowed = new Set(LOOPBACK_NAMES);
  if (net.isIP(bindHost) !== 0 && bindHost !== '0.0.0.0' && bindHost !== '::') {
    allowed.add(net.isIPv6(bindHost) ? `[${bindHost.toLowerCase()}]` : bindHost);
  }
  return async (ctx, next) => {
    const name = hostName(ctx.req.headers.host ?? '');
    if (name !== undefined && allowed.has(name)) {
      await next();
      return;
    }
    ctx.status = 421;
    ctx.body = {
      status: 'error',
      error: {
        code: 'misdirected_request',
        message: 'In sandbox mode this server answers only to localhost, 127.0.0.1 or [::1]',
      },
    };
  };
}
