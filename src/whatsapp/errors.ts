// Errors of the WhatsApp Cloud API client. Retry decisions key on Graph's `error.code`, never on the
// HTTP status, because Graph answers most OAuthException bodies with 400 whatever the cause
// (Meta says to build error handling on codes): a 400 carrying 130429 is a rate limit, a 500
// carrying 131047 is final.

/**
 * Graph error codes worth retrying with backoff: throughput and pair-rate limits,
 * unknown/temporary server errors, maintenance mode, app and WABA call-rate limits.
 */
const RETRYABLE_CODES: ReadonlySet<number> = new Set([130429, 131056, 131000, 131016, 133004, 131057, 1, 2, 4, 80007]);

/**
 * 131062: "Business-scoped User ID (BSUID) recipients are not supported for this message" (one-tap,
 * zero-tap and copy-code authentication templates need a phone number). The same message to the same
 * BSUID is refused every time, so it is never retried: only the student's phone number would do.
 */
export const BSUID_RECIPIENT_NOT_SUPPORTED = 131062;

/**
 * Codes that are final whatever else Meta says about them (an HTTP 5xx around one, say): a retry
 * could never succeed. Every code not in RETRYABLE_CODES is final too; these are named because a
 * caller explains them (src/server/admin/whatsapp-refusal.ts).
 */
const PERMANENT_CODES: ReadonlySet<number> = new Set([BSUID_RECIPIENT_NOT_SUPPORTED]);

/** Whether a Graph `error.code` is transient; every code not listed is permanent for that payload. */
export function isRetryableCode(code: number): boolean {
  return !PERMANENT_CODES.has(code) && RETRYABLE_CODES.has(code);
}

/** Whether an HTTP answer without a Graph error body is transient (gateway trouble, throttling). */
export function isRetryableHttpStatus(status: number): boolean {
  return status >= 500 || status === 429;
}

export interface WhatsAppApiErrorData {
  /** HTTP status of the Graph answer; absent for network errors and timeouts. */
  status?: number;
  /** Graph `error.code` (e.g. 131047), or 100 for a payload refused before sending. */
  code?: number;
  /** The error title: Graph's `error.message` without its `(#code)` prefix. */
  title?: string;
  /** Graph `error.error_data.details`: Meta's explanation, free of tokens and message bodies. */
  details?: string;
  retryable: boolean;
  fbtraceId?: string;
  cause?: unknown;
}

/** Thrown when a Graph API call fails: refused by Meta, refused locally, timed out or unreachable. */
export class WhatsAppApiError extends Error {
  override readonly name = 'WhatsAppApiError';
  readonly status?: number;
  readonly code?: number;
  readonly title?: string;
  readonly details?: string;
  readonly retryable: boolean;
  readonly fbtraceId?: string;

  constructor(message: string, data: WhatsAppApiErrorData) {
    super(message, data.cause === undefined ? undefined : { cause: data.cause });
    this.retryable = data.retryable;
    if (data.status !== undefined) this.status = data.status;
    if (data.code !== undefined) this.code = data.code;
    if (data.title !== undefined) this.title = data.title;
    if (data.details !== undefined) this.details = data.details;
    if (data.fbtraceId !== undefined) this.fbtraceId = data.fbtraceId;
  }
}
