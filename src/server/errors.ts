// HTTP errors with a real status and a snake_case code; the error middleware renders them as
// { status: 'error', error: { code, message, details? } }.

/** Thrown by routes for any request the product refuses; never for its own failures. */
export class HttpError extends Error {
  override name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const badRequest = (code: string, message: string, details?: unknown): HttpError =>
  new HttpError(400, code, message, details);
export const unauthorized = (message = 'A valid credential is required'): HttpError =>
  new HttpError(401, 'unauthorized', message);
export const forbidden = (message: string): HttpError => new HttpError(403, 'forbidden', message);
export const notFound = (code: string, message: string): HttpError => new HttpError(404, code, message);

/** Thrown when a dependency (Temporal, Postgres) is down: 503 tells WhatsApp to deliver again later. */
export const unavailable = (message: string): HttpError => new HttpError(503, 'unavailable', message);
