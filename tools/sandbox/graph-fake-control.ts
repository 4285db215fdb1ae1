import type { FakeState } from './graph-fake-state';
import type { GraphFake } from './graph-fake-types';

// The control side of the Graph fake (the GraphFake interface): what tests, the bench and the
// sandbox read of what the fake received, and how they steer its next answers.

const DEFAULT_WAIT_MS = 5_000;

/** The GraphFake of `state`, answering at `baseUrl`; `close` stops its server. */
export function controlOf(state: FakeState, baseUrl: string, close: () => Promise<void>): GraphFake {
  const { sends, faults, templates, throughput, notifier } = state;
  return {
    baseUrl,
    sends,
    reads: state.reads,
    typingIndicators: state.typingIndicators,
    get requests() {
      return state.requests;
    },
    get aborted() {
      return state.aborted;
    },
    get held() {
      return state.heldCount;
    },
    get pendingCallbacks() {
      return notifier?.pending ?? 0;
    },
    // A phone in any format, or a BSUID as is (a send to a BSUID records it as the address).
    sendsTo: (address) =>
      sends.filter((s) => s.to === (/^[A-Z]{2}\./.test(address) ? address : address.replace(/\D/g, ''))),
    async waitForSends(count, timeoutMs) {
      await waitFor(
        () => sends.length >= count,
        timeoutMs,
        () => `${count} sends (have ${sends.length})`,
      );
      return [...sends];
    },
    waitFor,
    get attempts() {
      return faults.attempts;
    },
    failNext: (count, failure) => faults.queue(count, failure),
    failNextRead(count, failure) {
      for (let i = 0; i < count; i++) state.readFailures.push(failure);
    },
    refuse: (digits, failure) => faults.refuse(digits, failure),
    setStorm: (storm) => faults.setStorm(storm),
    setAnswerDelay(ms) {
      state.answerDelayMs = ms;
    },
    setLatency(ms) {
      state.latencyMs = ms;
    },
    setThroughputLimit: (messagesPerSecond) => throughput.set(messagesPerSecond),
    pauseSends() {
      state.paused = true;
    },
    resumeSends: () => state.resume(),
    waitForHeldSend: (timeoutMs) => waitFor(() => state.heldCount > 0, timeoutMs, 'a held send'),
    addMedia(mediaId, data, mimeType) {
      state.media.set(mediaId, { data, mimeType });
    },
    uploads: () => [...state.uploads.uploads],
    get templates() {
      return templates.all;
    },
    setTemplates: (list) => templates.set(list),
    setTemplateStatus: (name, language, status) => templates.setStatus(name, language, status),
    flushCallbacks: () => notifier?.flush() ?? Promise.resolve(),
    reset: () => state.reset(),
    close,
  };
}

// Polling keeps this independent of which state the predicate reads; 5 ms is plenty for tests.
function waitFor(
  predicate: () => boolean,
  timeoutMs = DEFAULT_WAIT_MS,
  what: string | (() => string) = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (predicate()) return resolve();
      if (Date.now() < deadline) return void setTimeout(check, 5);
      const description = typeof what === 'string' ? what : what();
      reject(new Error(`graph fake: timed out after ${timeoutMs}ms waiting for ${description}`));
    };
    check();
  });
}
