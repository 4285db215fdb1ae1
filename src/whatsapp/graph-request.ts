import { WhatsAppApiError } from './errors';
import { answered, type GraphAnswer } from './graph-answers';
import { httpRequest, RequestTimeoutError, type HttpResponse } from './http-request';

// One Graph API request with the access token and a time limit: resolves with a 2xx answer, or throws
// a classified WhatsAppApiError. It never retries by itself and logs nothing, so neither the token nor
// a message body can leak into logs.

/** One request: a GET, or a POST of `jsonBody` as JSON; `what` names it in errors (e.g. `send`). */
export type GraphCall = (what: string, url: string, jsonBody?: unknown) => Promise<GraphAnswer>;

export function graphCaller(accessToken: string, timeoutMs: number): GraphCall {
  return async (what, url, jsonBody) => {
    let res: HttpResponse;
    const posted =
      jsonBody === undefined ? undefined : { body: JSON.stringify(jsonBody), contentType: 'application/json' };
    try {
      res = await httpRequest(url, {
        method: posted === undefined ? 'GET' : 'POST',
        headers: {
          Authorization: `Bearer ${accessToken}`,
          ...(posted === undefined ? {} : { 'Content-Type': posted.contentType }),
        },
        ...(posted === undefined ? {} : { body: posted.body }),
        timeoutMs,
      });
    } catch (err) {
      // Timeouts and network failures say nothing about the payload; the request may even have
      // been accepted, so callers reconcile through status webhooks before resending.
      const reason = err instanceof RequestTimeoutError ? `timed out after ${timeoutMs}ms` : 'network error';
      throw new WhatsAppApiError(`WhatsApp ${what} failed: ${reason}`, { retryable: true, cause: err });
    }
    return answered(what, res.status, res.body);
  };
}
