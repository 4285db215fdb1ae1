import { spawnSync } from 'node:child_process';
import Koa from 'koa';
import type Router from '@koa/router';
import { CAMPAIGN_STATUSES, RECIPIENT_STATUSES } from '../../src/db/campaigns';
import { TYPING_INTERVAL_MS } from '../../src/server/admin/presence';
import { CONSOLE_FACTS, consoleFactsRoutes, factsModule } from '../../src/server/routes/console-facts';
import { CONTENT_SECURITY_POLICY } from '../../src/server/routes/web-headers';
import type * as DeclaredFacts from '../../src/web/facts';
import { WEEKDAYS } from '../../domain/business-hours';
import { PRIORITIES } from '../../domain/support-policy';
import { CUSTOMER_SERVICE_WINDOW_MS } from '../../domain/whatsapp-limits';
import { STATE_NAMES } from '../../domain/conversation';
import { startScoped } from '../helpers/cleanup';
import { serveOnLoopback } from '../helpers/serve';

// The facts module the server writes from its own constants for the console, over a real socket,
// evaluated as the ES module a browser would run.

// src/web/facts.d.ts declares exactly the facts served, each with the server constant's type, or the
// browser code could not import them type-checked. A declaration file is not type-checked itself
// (skipLibCheck): a stale import there would make its facts `any` silently. This fails
// `npm run typecheck` when a fact is missing, extra or typed otherwise (`any` included).
type Same<A, B> = (<G>() => G extends A ? 1 : 2) extends <G>() => G extends B ? 1 : 2 ? true : false;
type Declared = { [K in keyof typeof DeclaredFacts]: (typeof DeclaredFacts)[K] };
const declaredAsServed: Same<Declared, typeof CONSOLE_FACTS> = true;

async function serve(router: Router): Promise<string> {
  const app = new Koa();
  app.use(router.routes()).use(router.allowedMethods());
  const { baseUrl } = await startScoped(async (defer) => ({ baseUrl: await serveOnLoopback(app, defer) }));
  return baseUrl;
}

/** The module's exports as Node evaluates an ES module: its text is never read by a regex. */
function evaluateModule(source: string): Record<string, unknown> {
  const url = `data:text/javascript;base64,${Buffer.from(source).toString('base64')}`;
  const script = `const m = await import(${JSON.stringify(url)});
    console.log(JSON.stringify(Object.fromEntries(Object.entries(m).map(([k, v]) => [k, { v, frozen: Object.isFrozen(v) }]))));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`the module did not load: ${run.stderr}`);
  const exported = JSON.parse(run.stdout) as Record<string, { v: unknown; frozen: boolean }>;
  for (const [name, { v, frozen }] of Object.entries(exported)) {
    if (typeof v === 'object' && !frozen) throw new Error(`${name} is not frozen`);
  }
  return Object.fromEntries(Object.entries(exported).map(([name, { v }]) => [name, v]));
}

describe('GET /console/facts.js', () => {
  it('is an ES module of the server constants, served as the pages are', async () => {
    expect(declaredAsServed).toBe(true);
    const baseUrl = await serve(consoleFactsRoutes());
    const response = await fetch(`${baseUrl}/console/facts.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(evaluateModule(await response.text())).toEqual({
      STATE_NAMES: [...STATE_NAMES],
      SERVICE_WINDOW_MS: CUSTOMER_SERVICE_WINDOW_MS,
      TYPING_INTERVAL_MS,
      PRIORITIES: [...PRIORITIES],
      WEEKDAYS: [...WEEKDAYS],
      CAMPAIGN_STATUSES: [...CAMPAIGN_STATUSES],
      RECIPIENT_STATUSES: [...RECIPIENT_STATUSES],
    });
    // The window is WhatsApp's 24 hours, whatever module the server keeps it in.
    expect(CONSOLE_FACTS.SERVICE_WINDOW_MS).toBe(24 * 60 * 60 * 1000);
  });

  it('writes values as data, and refuses a name that is not a constant', () => {
    expect(evaluateModule(factsModule({ QUOTE: ['</script>', "'; alert(1); '"] }))).toEqual({
      QUOTE: ['</script>', "'; alert(1); '"],
    });
    expect(() => factsModule({ 'x = 1; alert(1); export const Y': 1 })).toThrow(/not a constant/);
  });
});
