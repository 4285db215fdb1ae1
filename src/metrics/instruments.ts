import type { HistogramSeries, Labels, MetricFamily, Sample } from './exposition';

// In-process counters and histograms, for the few figures only this process sees. Everything
// Postgres knows is computed from Postgres at scrape time instead (store-metrics.ts).

/** A monotonic counter with one series per label set. */
export class Counter {
  private readonly values = new Map<string, Sample>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels, by = 1): void {
    const key = labelKey(labels);
    const sample = this.values.get(key) ?? { labels, value: 0 };
    sample.value += by;
    this.values.set(key, sample);
  }

  /** Makes a series visible at 0 before its first event, so rate() sees it start. */
  init(labels: Labels): void {
    this.inc(labels, 0);
  }

  family(): MetricFamily {
    const samples = [...this.values.values()].map((s) => ({ ...s }));
    return { name: this.name, help: this.help, type: 'counter', samples };
  }
}

/** A histogram with fixed upper bounds (seconds, for latencies) and one series per label set. */
export class Histogram {
  private readonly series = new Map<string, { labels: Labels; counts: number[]; count: number; sum: number }>();
  readonly bounds: readonly number[];

  constructor(
    readonly name: string,
    readonly help: string,
    bounds: readonly number[],
  ) {
    this.bounds = [...bounds].sort((a, b) => a - b);
  }

  observe(labels: Labels, value: number): void {
    const key = labelKey(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels, counts: this.bounds.map(() => 0), count: 0, sum: 0 };
      this.series.set(key, entry);
    }
    // Counts are kept per bucket and made cumulative when rendered.
    const index = this.bounds.findIndex((bound) => value <= bound);
    if (index >= 0) entry.counts[index]!++;
    entry.count++;
    entry.sum += value;
  }

  family(): MetricFamily {
    const series: HistogramSeries[] = [...this.series.values()].map((entry) => {
      let running = 0;
      return {
        labels: entry.labels,
        bounds: this.bounds,
        cumulative: entry.counts.map((n) => (running += n)),
        count: entry.count,
        sum: entry.sum,
      };
    });
    return { name: this.name, help: this.help, type: 'histogram', series };
  }
}

function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
