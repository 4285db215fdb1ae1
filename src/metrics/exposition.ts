// The Prometheus text exposition format (version 0.0.4), written by hand: a few families of
// counters, gauges and histograms do not need a client library. Label values are escaped here, so
// callers only have to make sure they never put anything sensitive in them (no secret, token,
// phone number or message body).

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  labels: Labels;
  value: number;
}

/** One histogram series: cumulative counts per upper bound (`le`), without the implicit +Inf. */
export interface HistogramSeries {
  labels: Labels;
  bounds: readonly number[];
  cumulative: readonly number[];
  count: number;
  sum: number;
}

export type MetricFamily =
  | { name: string; help: string; type: 'counter' | 'gauge'; samples: Sample[] }
  | { name: string; help: string; type: 'histogram'; series: HistogramSeries[] };

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Renders families in the order given, each with its `# HELP` and `# TYPE` lines. */
export function renderExposition(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    if (!NAME.test(family.name)) throw new Error(`invalid metric name: ${family.name}`);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    if (family.type === 'histogram') {
      for (const series of family.series) lines.push(...histogramLines(family.name, series));
    } else {
      for (const sample of family.samples) lines.push(sampleLine(family.name, sample.labels, sample.value));
    }
  }
  return lines.join('\n') + '\n';
}

function histogramLines(name: string, series: HistogramSeries): string[] {
  const lines = series.bounds.map((bound, i) =>
    sampleLine(`${name}_bucket`, { ...series.labels, le: formatValue(bound) }, series.cumulative[i] ?? 0),
  );
  lines.push(
    sampleLine(`${name}_bucket`, { ...series.labels, le: '+Inf' }, series.count),
    sampleLine(`${name}_sum`, series.labels, series.sum),
    sampleLine(`${name}_count`, series.labels, series.count),
  );
  return lines;
}

function sampleLine(name: string, labels: Labels, value: number): string {
  const pairs = Object.entries(labels).map(([key, text]) => {
    if (!LABEL_NAME.test(key)) throw new Error(`invalid label name: ${key}`);
    return `${key}="${escapeLabelValue(text)}"`;
  });
  return `${name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`;
}

/** Backslash, double quote and line feed are the only characters the format escapes in a label value. */
export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}
