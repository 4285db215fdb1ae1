// The per-number throughput WhatsApp enforces (reference §7: 80 messages a second by default): past it,
// a send is refused with 130429 "until you are within your allowed level again". The fake counts the
// sends it accepted in the last second, so a campaign or a bot that sends too fast meets the refusal
// here as it would in production. Off unless a limit is set.

export const THROUGHPUT_LIMIT_CODE = 130429;
const WINDOW_MS = 1000;

export interface ThroughputLimit {
  /** Whether one more send now would exceed the limit. */
  exceeded(now: number): boolean;
  /** An accepted send, counted against the limit. */
  accepted(now: number): void;
  set(messagesPerSecond: number | undefined): void;
  readonly messagesPerSecond: number | undefined;
}

export function createThroughputLimit(initial: number | undefined): ThroughputLimit {
  let limit = check(initial);
  // Times of accepted sends in the last window, oldest first.
  const recent: number[] = [];
  const forget = (now: number) => {
    while (recent.length > 0 && recent[0]! <= now - WINDOW_MS) recent.shift();
  };
  return {
    exceeded(now) {
      if (limit === undefined) return false;
      forget(now);
      return recent.length >= limit;
    },
    accepted(now) {
      if (limit === undefined) return;
      recent.push(now);
    },
    set(messagesPerSecond) {
      limit = check(messagesPerSecond);
      recent.length = 0;
    },
    get messagesPerSecond() {
      return limit;
    },
  };
}

function check(value: number | undefined): number | undefined {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1))
    throw new RangeError(`graph fake: messagesPerSecond is a whole number of at least 1, not ${value}`);
  return value;
}
