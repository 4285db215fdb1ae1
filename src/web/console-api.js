// @ts-check
// The admin API, with the agent's bearer token: calls that never throw, media fetched as blobs, the
// refusals worded for the agent, and the two timing helpers of the loads (one at a time per kind,
// bursts of events folded into one reload).
import { state } from './console-state.js';

/** @typedef {import('./api-types').ApiError} ApiError */
/**
 * What api() resolves to. `body` is the route's answer `T` when the status is its success (the caller
 * checks the status before reading it), an ApiError or null otherwise.
 * @template [T=any]
 * @typedef {{ status: number; body: T; networkError?: string; aborted?: boolean }} Answer
 */
/** @typedef {{ status: number; body: unknown; networkError?: string }} Failure */
/** @typedef {{ schedule(): void }} Refresher */

// Events come in bursts (a message, its state change, its statuses): one reload per burst.
const REFRESH_DELAY_MS = 150;

/** @type {() => void} */
let unauthorized = () => {};

/**
 * What a 401 does (sign out): set once by the console's start, which owns signing out.
 * @param {() => void} handler
 */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

/** @returns {string} */
export function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
  // randomUUID needs a secure context; getRandomValues works over plain http on a LAN address too.
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Calls the admin API. Never throws: a network failure is { status: 0, networkError }, and a call
 * aborted through `options.signal` is { status: 0, aborted: true }, which its caller drops unread.
 * `options.headers` are added to the token's.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @param {{ headers?: Record<string, string>; signal?: AbortSignal }} [options]
 * @returns {Promise<Answer>}
 */
export async function api(method, path, body, options = {}) {
  /** @type {Record<string, string>} */
  const headers = Object.assign(
    { Authorization: 'Bearer ' + state.token, Accept: 'application/json' },
    options.headers || {},
  );
  // A form (a file upload) goes as multipart, with the boundary the browser sets itself.
  const form = body instanceof window.FormData;
  if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
  const signal = options.signal;
  let response;
  let json;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined || form ? /** @type {FormData | undefined} */ (body) : JSON.stringify(body),
      cache: 'no-store',
      signal,
    });
    try {
      json = await response.json();
    } catch {
      json = null;
    }
  } catch (err) {
    if (signal && signal.aborted) return { status: 0, body: null, aborted: true };
    return { status: 0, body: null, networkError: errorText(err) };
  }
  if (signal && signal.aborted) return { status: 0, body: null, aborted: true };
  if (response.status === 401 && state.token) unauthorized();
  return { status: response.status, body: json };
}

/**
 * A media file's bytes, with the token: `{ blob }`, or `{ failure }` worded for the agent.
 * @param {string} path
 * @returns {Promise<{ blob: Blob; failure?: undefined } | { failure: string; blob?: undefined }>}
 */
export async function fetchBlob(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store' });
  } catch (err) {
    return { failure: 'no answer from the server (' + errorText(err) + ')' };
  }
  if (response.ok) {
    try {
      return { blob: await response.blob() };
    } catch (err) {
      return { failure: 'the download broke off (' + errorText(err) + ')' };
    }
  }
  let json = null;
  try {
    json = await response.json();
  } catch {
    // Not every refusal has a JSON body.
  }
  if (response.status === 401 && state.token) unauthorized();
  return { failure: describeFailure({ status: response.status, body: json }) };
}

/** @param {unknown} err */
function errorText(err) {
  return String((err instanceof Error && err.message) || err);
}

/**
 * "HTTP 409 not_in_chat_support: …", with WhatsApp's code when it refused the message.
 * @param {Failure} res
 */
export function describeFailure(res) {
  if (res.networkError) return 'No answer from the server (' + res.networkError + '). Nothing is confirmed; try again.';
  const body = /** @type {Partial<ApiError> | null} */ (res.body);
  const error = body && body.error;
  let text = 'HTTP ' + res.status;
  if (error && error.code) text += ' ' + error.code;
  if (error && error.whatsappCode !== undefined && error.whatsappCode !== null)
    text += ' (WhatsApp code ' + error.whatsappCode + ')';
  if (error && error.message) text += ': ' + error.message;
  return text;
}

/**
 * One kind of load (the list, the queue, a conversation…): `next()` aborts the load before, whose
 * answer would be stale, and gives the new one its signal; `cancel()` aborts the one in flight.
 */
export function latest() {
  /** @type {AbortController | null} */
  let controller = null;
  return {
    next() {
      if (controller) controller.abort();
      controller = new AbortController();
      return controller.signal;
    },
    cancel() {
      if (controller) controller.abort();
      controller = null;
    },
  };
}

/**
 * Runs `task` after a short quiet period; a request during a run makes it run once more after.
 * @param {() => Promise<void>} task
 * @returns {Refresher}
 */
export function refresher(task) {
  /** @type {ReturnType<typeof setTimeout> | null} */
  let timer = null;
  let running = false;
  let again = false;
  const run = async () => {
    timer = null;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await task();
      } while (again);
    } finally {
      running = false;
    }
  };
  return {
    schedule() {
      if (timer === null) timer = setTimeout(run, REFRESH_DELAY_MS);
    },
  };
}
