import type { Context } from 'koa';
import { CONTENT_SECURITY_POLICY } from './web';

// The headers of everything the web pages load, for the routes that serve page code from somewhere
// other than src/web (the generated facts, the view library from node_modules): the same as web.ts's.

export const JAVASCRIPT = 'text/javascript; charset=utf-8';

/** Answers `body` as the pages' own files are answered: strict policy, never cached, never sniffed. */
export function sendWebAsset(ctx: Context, type: string, body: string | Buffer): void {
  ctx.set('Content-Type', type);
  // Page code changes with each release: no-store keeps a stale page from talking to a newer API.
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.body = body;
}
