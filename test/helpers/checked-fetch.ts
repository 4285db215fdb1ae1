import { checkAnswer, inDocumentedApi } from './openapi-check';

// Every answer a test receives from the product's API through fetch is checked against the OpenAPI
// document (openapi-check.ts), whoever made the request: the shared clients and a test's own raw
// fetch alike. Installed for every test file by setup-after-env.ts. Only the part of the URL space the
// document describes, on this machine, is checked (not the Graph fake, Temporal's UI, or other hosts).

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function requestParts(input: string | URL | Request, init?: RequestInit): { url: URL; method: string } {
  if (input instanceof Request) return { url: new URL(input.url), method: init?.method ?? input.method };
  return { url: new URL(String(input)), method: init?.method ?? 'GET' };
}

const original = globalThis.fetch;

/**
 * fetch without the check, for a test that serves one route on a bare Koa app (no product error
 * handling): what it answers is the harness's, not the product's.
 */
export const uncheckedFetch: typeof fetch = (input, init) => original(input, init);

/** Wraps globalThis.fetch once; an answer the document does not describe throws at the call. */
export function checkApiAnswers(): void {
  if ((globalThis.fetch as { checked?: true }).checked) return;
  const checked = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const response = await original(input, init);
    const { url, method } = requestParts(input, init);
    if (!LOOPBACK.has(url.hostname) || !inDocumentedApi(url.pathname)) return response;
    const type = response.headers.get('content-type') ?? '';
    // A JSON answer is read from a copy, so the caller reads the body as if nothing had; a stream
    // (events, exports) is checked by its status and type alone.
    const json = type.split(';')[0]!.trim() === 'application/json';
    const text = json ? await response.clone().text() : '';
    checkAnswer(
      method,
      url.pathname + url.search,
      response.status,
      text ? type : json ? '' : type,
      text ? JSON.parse(text) : undefined,
    );
    return response;
  };
  globalThis.fetch = Object.assign(checked, { checked: true as const });
}
