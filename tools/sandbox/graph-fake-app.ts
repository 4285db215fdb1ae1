import { createHash } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import type { Context, Next } from 'koa';
import { HttpError } from '../../src/server/errors';
import { answerJson, answerUnknownPath, graphError } from './graph-fake-http';
import { answerMessages } from './graph-fake-messages';
import type { FakeState } from './graph-fake-state';

// The Graph fake's HTTP surface: the edges of the Graph API the product calls, under the fake's API
// version, and a download URL for media as Meta's CDN serves it. Every other path or method gets
// Graph's 400 "Unknown path components", after the token check as Graph does.

/** The Koa app of a fake whose media download URLs start with `origin`. */
export function createGraphFakeApp(state: FakeState, origin: string): Koa {
  const app = new Koa();
  // Errors are answered below; a client gone mid-request is not worth a line on stderr.
  app.silent = true;
  app.use(answerErrors);
  app.use(async (ctx, next) => {
    state.requests += 1;
    const { accessToken } = state.options;
    if (accessToken !== undefined && ctx.get('authorization') !== `Bearer ${accessToken}`) {
      return answerJson(ctx, 401, graphError(190, 'Invalid OAuth access token - Cannot parse access token'));
    }
    if (state.latencyMs > 0) await state.sleep(state.latencyMs);
    await next();
  });
  // @koa/router answers HEAD for every GET route; Graph's edges here are GET and POST only.
  app.use((ctx, next) => (ctx.method === 'HEAD' ? answerUnknownPath(ctx) : next()));
  app.use(graphRoutes(state, origin).routes());
  app.use((ctx) => answerUnknownPath(ctx));
  return app;
}

function graphRoutes(state: FakeState, origin: string): Router {
  const router = new Router();
  // Another version's paths are unknown here, as they would be to a server that never had it.
  router.param('version', (version, ctx, next) => (version === state.version ? next() : answerUnknownPath(ctx)));

  router.get('/media-download/:mediaId', (ctx) => {
    const item = state.media.get(ctx.params['mediaId']!);
    if (!item) return answerJson(ctx, 404, graphError(100, 'Media not found'));
    // Its own type, as stored: Koa's `ctx.type` would add a charset to a text type.
    ctx.set('Content-Type', item.mimeType);
    ctx.body = item.data;
  });
  router.post('/:version/:phoneNumberId/messages', (ctx) => answerMessages(ctx, state, ctx.params['phoneNumberId']!));
  // Multipart and possibly large: the upload is streamed from the request, never read whole first.
  router.post('/:version/:phoneNumberId/media', async (ctx) => {
    const answer = await state.uploads.handleUpload(ctx.req, ctx.params['phoneNumberId']!);
    answerJson(ctx, answer.status, answer.body);
  });
  router.get('/:version/:wabaId/message_templates', (ctx) => {
    // The next page's URL on the fake's own origin, whatever Host the client sent.
    const page = state.templates.page(new URLSearchParams(ctx.querystring), `${origin}${ctx.originalUrl}`);
    answerJson(ctx, page.status, page.body);
  });
  router.get('/:version/:mediaId', (ctx) => {
    const mediaId = ctx.params['mediaId']!;
    const item = state.media.get(mediaId);
    if (!item) return answerJson(ctx, 400, graphError(100, 'Unsupported get request. Object does not exist'));
    answerJson(ctx, 200, {
      messaging_product: 'whatsapp',
      url: `${origin}/media-download/${encodeURIComponent(mediaId)}`,
      mime_type: item.mimeType,
      sha256: createHash('sha256').update(item.data).digest('base64'),
      file_size: item.data.length,
      id: mediaId,
    });
  });
  return router;
}

/** A body over the limit is the client's 4xx in Graph's shape; anything else is the fake's own 500. */
async function answerErrors(ctx: Context, next: Next): Promise<void> {
  try {
    await next();
  } catch (err) {
    if (err instanceof HttpError) return answerJson(ctx, err.status, graphError(100, 'Invalid parameter', err.message));
    answerJson(ctx, 500, graphError(1, 'Fake internal error'));
  }
}
