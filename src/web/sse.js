// @ts-check
// Server-sent events over fetch, for the console. EventSource cannot send an Authorization header,
// and a token in the query string would end up in logs and history, so the stream is read with
// fetch and a ReadableStream and parsed here following the HTML standard's event-stream rules.
// After a drop it reconnects with Last-Event-ID, so the server replays what was missed.
// An ES module of the console; the unit tests run it in Node (jest compiles it).

/** @typedef {{ id: string; event: string; data: string }} SseEvent */
/**
 * @typedef {object} FollowOptions
 * @property {string} url
 * @property {string | null} token
 * @property {(event: SseEvent) => void} onEvent
 * @property {(status: string, detail: { lastEventId?: string; delayMs?: number; reason?: string; status?: number }) => void} [onStatus]
 * @property {string} [lastEventId]
 * @property {typeof fetch} [fetch]
 * @property {number} [idleMs]
 */

const DEFAULT_RETRY_MS = 3000;
const MAX_RETRY_MS = 30000;
// The server writes a heartbeat every 15 s; silence for this long means a dead connection.
const DEFAULT_IDLE_MS = 45000;

/**
 * An incremental parser: push(text) with any chunking, onEvent({ id, event, data }) per message,
 * onRetry(ms) for a `retry:` field. `id` is the last event id seen, as EventSource keeps it.
 * @param {(event: SseEvent) => void} onEvent
 * @param {(ms: number) => void} [onRetry]
 */
function createSseParser(onEvent, onRetry) {
  let buffer = '';
  /** @type {string[]} */
  let data = [];
  let eventType = '';
  let lastEventId = '';

  /** @param {string} text */
  function line(text) {
    if (text === '') {
      if (data.length > 0) onEvent({ id: lastEventId, event: eventType || 'message', data: data.join('\n') });
      data = [];
      eventType = '';
      return;
    }
    if (text.charCodeAt(0) === 58 /* ':' */) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.charCodeAt(0) === 32 /* ' ' */) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') eventType = value;
    else if (field === 'id') {
      if (value.indexOf('\u0000') === -1) lastEventId = value;
    } else if (field === 'retry') {
      if (/^\d+$/.test(value) && onRetry) onRetry(Number(value));
    }
  }

  return {
    /** @param {string} text */
    push(text) {
      buffer += text;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        if (!match) return;
        // A lone \r at the very end may be the first half of \r\n: wait for the next chunk.
        if (match[0] === '\r' && match.index === buffer.length - 1) return;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

/**
 * Follows an event stream until stop(). Options: url, token (string), onEvent(event),
 * onStatus(status, detail) with status 'connecting' | 'open' | 'reconnecting' | 'unauthorized'
 * | 'stopped'; lastEventId to resume from; fetch and idleMs for tests.
 * @param {FollowOptions} options
 */
function followEvents(options) {
  const fetchImpl = options.fetch || fetch.bind(globalThis);
  const idleMs = options.idleMs || DEFAULT_IDLE_MS;
  const onStatus = options.onStatus || function () {};
  let lastEventId = options.lastEventId || '';
  let retryMs = DEFAULT_RETRY_MS;
  let failures = 0;
  let stopped = false;
  /** @type {AbortController | null} */
  let controller = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let waitTimer;
  /** @type {(() => void) | null} */
  let wake = null;

  /** @param {number} ms */
  function sleep(ms) {
    return new Promise(function (resolve) {
      wake = () => resolve(undefined);
      waitTimer = setTimeout(resolve, ms);
    });
  }

  /** @returns {Promise<{ unauthorized: number; failed?: undefined } | { failed: string; unauthorized?: undefined }>} */
  async function connectOnce() {
    controller = new AbortController();
    const current = controller;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let idleTimer;
    const touch = function () {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(function () {
        current.abort();
      }, idleMs);
    };
    /** @type {Record<string, string>} */
    const headers = { Authorization: 'Bearer ' + options.token, Accept: 'text/event-stream' };
    if (lastEventId !== '') headers['Last-Event-ID'] = lastEventId;
    try {
      touch();
      const response = await fetchImpl(options.url, { headers: headers, cache: 'no-store', signal: current.signal });
      if (response.status === 401 || response.status === 403) return { unauthorized: response.status };
      if (!response.ok || !response.body) return { failed: 'HTTP ' + response.status };
      failures = 0;
      onStatus('open', { lastEventId: lastEventId });
      const parser = createSseParser(
        function (event) {
          lastEventId = event.id;
          options.onEvent(event);
        },
        function (ms) {
          retryMs = ms;
        },
      );
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const chunk = await reader.read();
        if (chunk.done) break;
        touch();
        parser.push(decoder.decode(chunk.value, { stream: true }));
      }
      return { failed: 'stream ended' };
    } catch (err) {
      return { failed: stopped ? 'stopped' : String((err instanceof Error && err.message) || err) };
    } finally {
      clearTimeout(idleTimer);
    }
  }

  (async function run() {
    while (!stopped) {
      onStatus(failures === 0 ? 'connecting' : 'reconnecting', { lastEventId: lastEventId });
      const outcome = await connectOnce();
      if (stopped) break;
      if (outcome.unauthorized) {
        stopped = true;
        onStatus('unauthorized', { status: outcome.unauthorized });
        return;
      }
      failures += 1;
      const delay = Math.min(MAX_RETRY_MS, retryMs * Math.pow(2, Math.max(0, failures - 1)));
      onStatus('reconnecting', { reason: outcome.failed, delayMs: delay, lastEventId: lastEventId });
      await sleep(delay);
    }
    onStatus('stopped', {});
  })();

  return {
    stop() {
      stopped = true;
      if (controller) controller.abort();
      clearTimeout(waitTimer);
      if (wake) wake();
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}

export { createSseParser, followEvents };
