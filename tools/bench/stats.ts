// Latency samples and the figures the bench reports from them. Samples are kept whole (a run holds
// at most a few hundred thousand), so percentiles are exact rather than estimated from buckets.

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export const EMPTY_SUMMARY: LatencySummary = { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };

/** Nearest-rank percentiles of milliseconds, rounded to 0.1 ms. */
export function summarize(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { ...EMPTY_SUMMARY };
  const sorted = Float64Array.from(samples).sort();
  const rank = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  const round = (v: number): number => Math.round(v * 10) / 10;
  return {
    count: sorted.length,
    p50: round(rank(50)),
    p95: round(rank(95)),
    p99: round(rank(99)),
    max: round(sorted[sorted.length - 1]!),
    mean: round(sum / sorted.length),
  };
}

/** Samples bucketed per second of the run: [secondIndex, value] pairs for the plot. */
export interface TimedSample {
  /** Milliseconds since the phase began. */
  t: number;
  value: number;
}

/** p99 (or another percentile) of the samples in each `bucketMs` window. */
export function percentileSeries(
  samples: readonly TimedSample[],
  bucketMs: number,
  p = 99,
): { t: number; value: number }[] {
  const buckets = new Map<number, number[]>();
  for (const s of samples) {
    const key = Math.floor(s.t / bucketMs);
    const list = buckets.get(key) ?? [];
    list.push(s.value);
    buckets.set(key, list);
  }
  return [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([key, values]) => {
      const s = summarize(values);
      return {
        t: ((key + 0.5) * bucketMs) / 1000,
        value: p === 50 ? s.p50 : p === 95 ? s.p95 : p === 100 ? s.max : s.p99,
      };
    });
}

export function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

/** The largest number of `times` (epoch ms) inside any window of `windowMs`, sliding. */
export function busiestWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}
