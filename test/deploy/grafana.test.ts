import fs from 'node:fs';
import path from 'node:path';
import type { Queryable } from '../../src/db/queryable';
import { silentLogger } from '../../src/logger';
import { createAppMetrics } from '../../src/metrics/app-metrics';
import {
  TEMPORAL_WORKER_EVENT_METRICS,
  TEMPORAL_WORKER_FAILURE_METRICS,
  TEMPORAL_WORKER_METRICS,
} from '../helpers/temporal-sdk-metrics';

// The dashboard names metrics in PromQL strings no compiler checks: a renamed figure would leave a
// panel silently empty. Every name it uses must be one the product's registry or the SDK serves.

interface Panel {
  type: string;
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

const dashboard = JSON.parse(
  fs.readFileSync(path.join(__dirname, '..', '..', 'deploy', 'grafana', 'edubot.json'), 'utf8'),
) as { uid: string; panels: Panel[]; templating: { list: { query: unknown }[] } };

const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const expressions = [
  ...panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel: panel.title, expr: target.expr }))),
  ...dashboard.templating.list
    .filter((variable) => typeof variable.query === 'string' && variable.query.startsWith('label_values('))
    .map((variable) => ({ panel: 'variables', expr: variable.query as string })),
];

const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset']);
const OPERATORS = new Set(['and', 'or', 'unless']);

/** The metric names an expression selects: identifiers that are not functions, keywords or label names. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, '') // grouping labels
    .replace(/\[[^\]]*\]/g, '') // ranges
    .replace(/\blabel_values\(\s*([a-zA-Z_:][\w:]*)\s*,\s*\w+\s*\)/g, '$1'); // a variable's metric
  return [...bare.matchAll(/(?<![\w:])[a-zA-Z_:][\w:]*(?![\w:])(?!\s*\()/g)]
    .map((m) => m[0])
    .filter((word) => !KEYWORDS.has(word) && !OPERATORS.has(word) && !/^\d/.test(word));
}

/** What a scrape holds under a family's name: the name itself, or a histogram's and summary's series. */
function seriesNames(name: string, type: string): string[] {
  if (type === 'histogram') return [`${name}_bucket`, `${name}_sum`, `${name}_count`];
  if (type === 'summary') return [name, `${name}_sum`, `${name}_count`];
  return [name];
}

const productFamilies = createAppMetrics({ db: {} as Queryable, logger: silentLogger })
  .registry.getMetricsAsArray()
  .map((metric) => ({ name: metric.name, type: String(metric.type) }));
const sdkFamilies = [
  ...TEMPORAL_WORKER_METRICS,
  ...TEMPORAL_WORKER_EVENT_METRICS,
  ...TEMPORAL_WORKER_FAILURE_METRICS,
].map((name) => ({ name, type: name.endsWith('_latency') ? 'histogram' : 'other' }));
const known = new Map(
  [...productFamilies, ...sdkFamilies].flatMap(({ name, type }) => seriesNames(name, type).map((s) => [s, name])),
);

describe('deploy/grafana/edubot.json', () => {
  it('is a dashboard with panels, every one of them querying something', () => {
    expect(dashboard.uid).toBe('edubot');
    const charts = panels.filter((panel) => panel.type !== 'row');
    expect(charts.length).toBeGreaterThan(10);
    for (const panel of charts) expect([panel.title, panel.targets?.length ?? 0]).not.toEqual([panel.title, 0]);
  });

  it('names only metrics the product or the Temporal SDK serves, in every expression', () => {
    for (const { panel, expr } of expressions) {
      const names = metricNames(expr);
      expect({ panel, expr, names: names.length > 0 }).toEqual({ panel, expr, names: true });
      for (const name of names) expect({ panel, name, known: known.has(name) }).toEqual({ panel, name, known: true });
    }
  });

  it('shows every figure of the product and every worker figure the README names', () => {
    const shown = new Set(expressions.flatMap(({ expr }) => metricNames(expr).map((name) => known.get(name))));
    const product = productFamilies.map(({ name }) => name).filter((name) => name.startsWith('edubot_'));
    const missing = [...product, ...sdkFamilies.map(({ name }) => name)].filter((name) => !shown.has(name));
    expect(missing).toEqual([]);
  });

  it('reads names out of PromQL as Prometheus does', () => {
    expect(
      metricNames(
        'histogram_quantile(0.95, sum by (le, task_queue) (rate(temporal_request_latency_bucket{operation="Poll"}[5m])))',
      ),
    ).toEqual(['temporal_request_latency_bucket']);
    expect(metricNames('max(a_total) / (max(b_total) or vector(0))')).toEqual(['a_total', 'b_total']);
    expect(metricNames('label_values(edubot_metrics_postgres_up, job)')).toEqual(['edubot_metrics_postgres_up']);
  });
});
