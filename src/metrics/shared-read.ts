// A read of Postgres shared by every scrape for a few seconds. Prometheus servers in a pair, a retried
// scrape or someone refreshing /metrics by hand then cost one set of aggregate queries, and at most one
// set runs at a time however slow Postgres is (during an outage each would otherwise hold a connection).

/**
 * Wraps `read` so that calls while one is in flight share it, and calls within `maxAgeMs` of its end
 * share its result or its failure. A failure is kept as long as a result: a Postgres in trouble is
 * asked again only after the same pause.
 */
export function sharedRead<T>(
  read: () => Promise<T>,
  maxAgeMs: number,
  now: () => number = () => performance.now(),
): () => Promise<T> {
  let inFlight: Promise<T> | undefined;
  let last: { at: number; result: Promise<T> } | undefined;
  return () => {
    if (inFlight) return inFlight;
    if (last && now() - last.at < maxAgeMs) return last.result;
    const result = read();
    inFlight = result;
    const settle = () => {
      inFlight = undefined;
      last = { at: now(), result };
    };
    // Both paths settle; the caller handles the failure of `result` itself.
    result.then(settle, settle);
    return result;
  };
}
