// The admin API, with the agent's bearer token: calls that never throw, media fetched as blobs, the
// refusals worded for the agent, and the two timing helpers of the loads (one at a time per kind,
// bursts of events folded into one reload).
import { state } from './console-state.js';

// Events come in bursts (a message, its state change, its statuses): one reload per burst.
const REFRESH_DELAY_MS = 150;

let unauthorized = () => {};

/** What a 401 does (sign out): set once by the console's start, which owns signing out. */
export function onUnauthorized(handler) {
  unauthorized = handler;
}

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
 */
export async function api(method, path, body, options = {}) {
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
      body: body === undefined || form ? body : JSON.stringify(body),
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
    return { status: 0, body: null, networkError: String((err && err.message) || err) };
  }
  if (signal && signal.aborted) return { status: 0, body: null, aborted: true };
  if (response.status === 401 && state.token) unauthorized();
  return { status: response.status, body: json };
}

/** A media file's bytes, with the token: `{ blob }`, or `{ failure }` worded for the agent. */
export async function fetchBlob(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: 'Bearer ' + state.token }, cache: 'no-store' });
  } catch (err) {
    return { failure: 'no answer from the server (' + String((err && err.message) || err) + ')' };
  }
  if (response.ok) {
    try {
      return { blob: await response.blob() };
    } catch (err) {
      return { failure: 'the download broke off (' + String((err && err.message) || err) + ')' };
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

/** "HTTP 409 not_in_chat_support: …", with WhatsApp's code when it refused the message. */
export function describeFailure(res) {
  if (res.networkError) return 'No answer from the server (' + res.networkError + '). Nothing is confirmed; try again.';
  const error = res.body && res.body.error;
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

/** Runs `task` after a short quiet period; a request during a run makes it run once more after. */
export function refresher(task) {
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
