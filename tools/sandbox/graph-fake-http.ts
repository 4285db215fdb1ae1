import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import type Koa from 'koa';
import type { Context } from 'koa';

// Small HTTP helpers of the Graph API fake.

/** A Graph error body shaped like Meta's: `message` is "(#code) title", clients key on `code`. */
export function graphError(code: number, title: string, details?: string): unknown {
  return {
    error: {
      message: `(#${code}) ${title}`,
      type: 'OAuthException',
      code,
      ...(details === undefined ? {} : { error_data: { messaging_product: 'whatsapp', details } }),
      fbtrace_id: `FakeTrace${randomUUID().slice(0, 8)}`,
    },
  };
}

/** A JSON answer typed `application/json` as Graph types it (Koa's own would add a charset). */
export function answerJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set('Content-Type', 'application/json');
  ctx.body = JSON.stringify(body);
}

/** An error answer a test queued: its status with its body, or with no body at all. */
export function answerFailure(ctx: Context, failure: { status: number; body?: unknown }): void {
  if (failure.body !== undefined) return answerJson(ctx, failure.status, failure.body);
  // Null before the status: Koa turns a null body on a non-empty status into a 204.
  ctx.body = null;
  ctx.status = failure.status;
}

/** What Graph answers a path or method it has no edge for. */
export function answerUnknownPath(ctx: Context): void {
  answerJson(ctx, 400, graphError(100, `Unknown path components: ${ctx.method} ${ctx.originalUrl}`));
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Graph `error.code` of an error body, if it has one. */
export function graphErrorCode(body: unknown): number | undefined {
  const error = isRecord(body) ? body['error'] : undefined;
  const code = isRecord(error) ? error['code'] : undefined;
  return typeof code === 'number' ? code : undefined;
}

const afterAnswers = new WeakMap<IncomingMessage, () => void>();

/**
 * Runs `action` once Koa has written this request's answer. Koa writes it only after the last
 * middleware returns, and a status webhook about a send must not leave before the send's own answer.
 */
export function afterAnswer(ctx: Context, action: () => void): void {
  afterAnswers.set(ctx.req, action);
}

/** The app as a request listener that runs each request's `afterAnswer` action once it was answered. */
export function listenerOf(app: Koa): RequestListener {
  const handle = app.callback();
  return (req, res) => {
    const after = (): void => {
      const action = afterAnswers.get(req);
      afterAnswers.delete(req);
      action?.();
    };
    void handle(req, res).then(after, after);
  };
}
