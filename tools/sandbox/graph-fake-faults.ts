import type { GraphFakeFailure, GraphFakeStorm, SendAttempt } from './graph-fake-types';

// Which send requests of the Graph API fake fail, and how: failures queued for the next requests,
// a refusal for every send to one number (a permanent code such as 131047), and a storm that fails
// a share of all sends at random. Every send request is logged with its outcome, so a test can see
// the retries a client made and how far apart they were.

export interface FaultPlan {
  /** The failure for this send request to `to` (digits), or undefined to accept it. */
  next(to: string | undefined): GraphFakeFailure | undefined;
  queue(count: number, failure: GraphFakeFailure): void;
  refuse(digits: string, failure: GraphFakeFailure | undefined): void;
  setStorm(storm: GraphFakeStorm | undefined): void;
  record(attempt: SendAttempt): void;
  readonly attempts: SendAttempt[];
  reset(): void;
}

export function createFaultPlan(): FaultPlan {
  const queued: GraphFakeFailure[] = [];
  const refusals = new Map<string, GraphFakeFailure>();
  const attempts: SendAttempt[] = [];
  let storm: GraphFakeStorm | undefined;

  return {
    next(to) {
      // Queued failures first, in order: a test that queues them means exactly these requests.
      const failure = queued.shift();
      if (failure !== undefined) return failure;
      const refusal = to === undefined ? undefined : refusals.get(to);
      if (refusal !== undefined) return refusal;
      if (storm !== undefined && (storm.random ?? Math.random)() < storm.errorRate) return storm.failure;
      return undefined;
    },
    queue(count, failure) {
      for (let i = 0; i < count; i += 1) queued.push(failure);
    },
    refuse(digits, failure) {
      const key = digits.replace(/\D/g, '');
      if (failure === undefined) refusals.delete(key);
      else refusals.set(key, failure);
    },
    setStorm(next) {
      if (next !== undefined && !(next.errorRate >= 0 && next.errorRate <= 1))
        throw new RangeError(`a storm's errorRate is a share between 0 and 1, not ${next.errorRate}`);
      storm = next;
    },
    record(attempt) {
      attempts.push(attempt);
    },
    attempts,
    reset() {
      queued.length = 0;
      attempts.length = 0;
      refusals.clear();
      storm = undefined;
    },
  };
}
