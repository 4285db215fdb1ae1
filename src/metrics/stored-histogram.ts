import { Histogram, type Registry } from 'prom-client';
import type { Distribution } from '../db/stats';

// prom-client's histograms count what this process observes and offer no way to set their buckets.
// These distributions are counted by Postgres, so the histogram reports what the last read found.

export interface StoredHistogramConfiguration {
  name: string;
  help: string;
  /** Upper bounds, ascending: the ones the read counted `cumulative` for. */
  buckets: readonly number[];
  registers: Registry[];
  /** The distribution to report; undefined when it could not be read (no sample is shown then). */
  read: () => Promise<Distribution | undefined>;
}

type Exported = Awaited<ReturnType<Histogram['get']>>;

export class StoredHistogram extends Histogram {
  private readonly family: Omit<StoredHistogramConfiguration, 'registers'>;

  constructor(config: StoredHistogramConfiguration) {
    super({ name: config.name, help: config.help, buckets: [...config.buckets], registers: config.registers });
    this.family = config;
  }

  /** What the registry formats: cumulative `_bucket` series (with +Inf), `_sum` and `_count`. */
  async getForPromString(): Promise<Exported> {
    const { name, help, buckets, read } = this.family;
    const distribution = await read();
    const values: Exported['values'] = [];
    if (distribution) {
      buckets.forEach((le, i) =>
        values.push({ metricName: `${name}_bucket`, labels: { le }, value: distribution.cumulative[i] ?? 0 }),
      );
      values.push(
        { metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: distribution.count },
        { metricName: `${name}_sum`, labels: {}, value: distribution.sum },
        { metricName: `${name}_count`, labels: {}, value: distribution.count },
      );
    }
    // The typings name `type` with a numeric enum; at run time, and in the text format, it is the word.
    return { name, help, type: 'histogram', aggregator: 'sum', values } as unknown as Exported;
  }

  override get(): Promise<Exported> {
    return this.getForPromString();
  }
}
