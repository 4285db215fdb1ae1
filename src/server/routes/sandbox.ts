import Router from '@koa/router';
import type { GraphFake } from '../../whatsapp/graph-fake';

/**
 * Sandbox mode only: what the built-in WhatsApp emulator received, so a person trying the product
 * with curl can read the bot's replies. Not mounted when real WhatsApp credentials are set.
 */
export function sandboxRoutes(emulator: GraphFake): Router {
  const router = new Router();
  router.get('/sandbox/sends', (ctx) => {
    const to = typeof ctx.query.to === 'string' ? ctx.query.to.replace(/\D/g, '') : undefined;
    const sends = to ? emulator.sendsTo(to) : emulator.sends;
    ctx.body = { sends: sends.map(({ waMessageId, to: recipient, content, at }) => ({ waMessageId, to: recipient, content, at })) };
  });
  return router;
}
