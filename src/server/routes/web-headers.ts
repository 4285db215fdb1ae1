import type { Context } from 'koa';

// The headers of everything the web pages load: their files from src/web, the generated facts, the
// view library and the API's docs page from node_modules.

// Only our own files may run or load: no inline script or style, no framing, no plugins. The pages
// call the API of their own origin with fetch, so connect-src 'self' is all they need. The console
// shows media it fetched with the agent's token (an <img> cannot send one) through object URLs, hence
// blob: for images and nothing else.
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const JAVASCRIPT = 'text/javascript; charset=utf-8';

export interface WebAssetOptions {
  /** The page's policy: the console's unless a page needs one more source. */
  policy?: string;
  cacheControl?: string;
}

/** Answers `body` as the pages' own files are answered: strict policy, never cached, never sniffed. */
export function sendWebAsset(
  ctx: Context,
  type: string,
  body: string | Buffer,
  // Page code changes with each release: no-store keeps a stale page from talking to a newer API.
  { policy = CONTENT_SECURITY_POLICY, cacheControl = 'no-store' }: WebAssetOptions = {},
): void {
  ctx.set('Content-Type', type);
  ctx.set('Cache-Control', cacheControl);
  ctx.set('Content-Security-Policy', policy);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.body = body;
}
