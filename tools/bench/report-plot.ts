import fs from 'node:fs';
import type { BenchResults } from './report';
import { chartsSvg, type Chart, type Series } from './svg';

// The run's plot, drawn from its results: the sustained run's p99 and throughput per second, p99 by
// offered rate for each search, and the processes' resident memory over the run.

const COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/** The charts of the run's plot, drawn from its results; none when there is nothing to draw. */
export function plotCharts(results: BenchResults): Chart[] {
  const panels: Chart[] = [];
  const sustained = results.phases.find((p) => p.group === 'sustained' || p.result.mode === 'scale');
  if (sustained) {
    const s = sustained.result.series;
    panels.push({
      title: `${sustained.result.name}: p99 per second`,
      xLabel: 'seconds into the phase',
      yLabel: 'ms',
      series: [
        {
          label: 'end-to-end p99',
          color: COLORS[0]!,
          points: s.filter((x) => x.e2eP99 > 0).map((x) => ({ x: x.t, y: x.e2eP99 })),
        },
        {
          label: 'webhook ack p99',
          color: COLORS[1]!,
          points: s.filter((x) => x.ackP99 > 0).map((x) => ({ x: x.t, y: x.ackP99 })),
        },
      ],
      limit: { y: 1000, label: '1 s' },
    });
  }
  const steps = (group: string, label: string, color: string): Series => ({
    label,
    color,
    markers: true,
    points: results.phases
      .filter((p) => p.group === group && p.result.mode === 'open' && group !== 'sustained')
      .map((p) => ({ x: p.result.offered, y: p.result.e2e.p99 })),
  });
  const stepSeries = [
    steps('search', 'engine', COLORS[0]!),
    steps('reference', 'Temporal reference', COLORS[2]!),
    steps('bare', 'bare pipeline', COLORS[4]!),
  ].filter((s) => s.points.length > 0);
  if (stepSeries.length > 0) {
    panels.push({
      title: 'end-to-end p99 by offered rate',
      xLabel: 'messages per second',
      yLabel: 'ms',
      series: stepSeries,
      limit: { y: 1000, label: 'p99 = 1 s' },
      yMax: 5000,
    });
  }
  const roles = ['worker', 'server', 'temporal', 'loadgen'];
  const memory = roles
    .map((role, i) => ({
      label: `${role} RSS`,
      color: COLORS[i]!,
      points: results.memory.samples
        .filter((s) => s.rssMb[role] !== undefined)
        .map((s) => ({ x: s.t, y: s.rssMb[role]! })),
    }))
    .filter((s) => s.points.length > 0);
  if (memory.length > 0)
    panels.push({
      title: 'resident memory over the run',
      xLabel: 'seconds since start',
      yLabel: 'MB',
      series: memory,
      limit: { y: 600, label: '600 MB' },
    });
  const throughput = sustained?.result.series;
  if (throughput) {
    panels.push({
      title: `${sustained.result.name}: messages per second`,
      xLabel: 'seconds into the phase',
      yLabel: 'msg/s',
      series: [
        { label: 'arrivals', color: COLORS[1]!, points: throughput.map((x) => ({ x: x.t, y: x.arrivals })) },
        { label: 'answered', color: COLORS[0]!, points: throughput.map((x) => ({ x: x.t, y: x.completed })) },
      ],
    });
  }
  return panels;
}

/** Writes the run's plot as SVG; returns the file written, or undefined when there is nothing to draw. */
export function writePlot(results: BenchResults, file: string): string | undefined {
  const charts = plotCharts(results);
  if (charts.length === 0) return undefined;
  fs.writeFileSync(file, chartsSvg(charts));
  return file;
}
