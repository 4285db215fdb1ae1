// @ts-check
// The simulator's two calls to the sandbox routes: the emulator's outbox (what the bot sent) and a
// message from the simulated user, which the server signs and hands to the product's own webhook.

/** @typedef {import('./api-types').SandboxSend} SandboxSend */
/** @typedef {import('./api-types').SandboxSendsAnswer} SandboxSendsAnswer */
/** @typedef {import('./api-types').SandboxMessage} SandboxMessage */
/** @typedef {import('./api-types').ApiError} ApiError */

/** An aborted fetch: its answer is stale (another user, a newer poll), and nobody waits for it. */
export function aborted(/** @type {unknown} */ err) {
  return err instanceof DOMException && err.name === 'AbortError';
}

/** @param {unknown} err */
function reasonOf(err) {
  return String((err instanceof Error && err.message) || err);
}

/**
 * What the bot sent to any of `to` (a reply to a user with no phone goes to their BSUID, and the outbox
 * lists it by that). Rejects with an AbortError when `signal` aborts.
 * @param {string[]} to @param {AbortSignal} signal
 * @returns {Promise<{ sends: SandboxSend[] } | { error: string }>}
 */
export async function fetchSends(to, signal) {
  const query = to.map((address) => 'to=' + encodeURIComponent(address)).join('&');
  let response;
  try {
    response = await fetch('/sandbox/sends?' + query, { cache: 'no-store', signal });
    if (!response.ok) return { error: 'Could not read the bot’s replies: HTTP ' + response.status };
    const body = /** @type {SandboxSendsAnswer} */ (await response.json());
    return { sends: body.sends };
  } catch (err) {
    if (aborted(err)) throw err;
    return { error: 'Could not read the bot’s replies: ' + reasonOf(err) };
  }
}

/**
 * How a post went: accepted (200), refused (another status, with the API's error if it sent one), or
 * not answered at all (`thrown`: the network's reason).
 * @typedef {{ ok: true } | { ok: false, status: number, error: ApiError['error'] | null } | { ok: false, thrown: string }} PostResult
 */

/**
 * Posts one message (a text, a reply or a system notice) as the user. Not aborted when the user changes:
 * the server may already have it; the caller ignores a stale answer instead.
 * @param {SandboxMessage} payload
 * @returns {Promise<PostResult>}
 */
export async function postMessage(payload) {
  let response;
  try {
    response = await fetch('/sandbox/messages', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(payload),
      cache: 'no-store',
    });
  } catch (err) {
    return { ok: false, thrown: reasonOf(err) };
  }
  if (response.status === 200) return { ok: true };
  /** @type {ApiError | null} */
  let body;
  try {
    body = /** @type {ApiError} */ (await response.json());
  } catch {
    body = null;
  }
  return { ok: false, status: response.status, error: (body && body.error) || null };
}
