import type { CampaignResult } from './campaign';
import { printCampaign } from './report-campaign';
import { printCost, type PerMessage } from './report-cost';
import type { Correctness } from './correctness';
import type { RunHistory } from './history';
import type { MemorySample } from './monitor';
import type { BenchOptions } from './options';
import type { ProfileSummary } from './profile-summary';
import type { PhaseResult, PhaseSpec } from './protocol';

// The bench's output: the results' shape and the tables printed at the end of a run (report-plot.ts
// draws the plot).

export interface PhaseRecord {
  group: string;
  spec: PhaseSpec;
  result: PhaseResult;
  correctness: Correctness | undefined;
  cpuSeconds: Record<string, number>;
  /** What the phase cost per inbound message (absent when it accepted none). */
  perMessage?: PerMessage;
}

export interface BenchResults {
  label: string;
  command: string;
  startedAt: string;
  durationS: number;
  machine: {
    nproc: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    temporalCli: string;
    temporalSdk: string;
    os: string;
    loadAverageAtStart: number[];
  };
  options: BenchOptions;
  agentReplies: { included: boolean; probe: string };
  phases: PhaseRecord[];
  best: { engine: number | undefined; reference: number | undefined; bare: number | undefined };
  memory: { peakMb: Record<string, number>; samples: MemorySample[] };
  productLogErrors: { worker: number; server: number };
  longHistory?: { phone: string; runs: RunHistory[] };
  profiles?: Record<string, ProfileSummary>;
  campaign?: CampaignResult;
}

type Print = (line: string) => void;

function table(print: Print, header: string[], rows: (string | number)[][]): void {
  print(`| ${header.join(' | ')} |`);
  print(`| ${header.map(() => '---').join(' | ')} |`);
  for (const row of rows) print(`| ${row.join(' | ')} |`);
  print('');
}

const lat = (s: { p50: number; p95: number; p99: number; max: number }): string =>
  `${s.p50} / ${s.p95} / ${s.p99} / ${s.max}`;

export function printReport(results: BenchResults, print: Print): void {
  const m = results.machine;
  print('');
  print(`## EduBot bench: ${results.label} (${results.startedAt}, ${results.durationS} s)`);
  print(
    `${m.nproc} × ${m.cpuModel}, ${m.memoryGb} GB, ${m.os}; Node ${m.node}; ${m.temporalCli.split('\n')[0]}; SDK ${m.temporalSdk}; load average at start ${m.loadAverageAtStart.join(' ')}`,
  );
  print(`command: ${results.command}`);
  print(
    `agent replies through the admin API: ${results.agentReplies.included ? 'in the mix' : `left out (${results.agentReplies.probe})`}`,
  );
  print('');

  printPhases(results, print);
  printCorrectness(results, print);
  printComparison(results, print);
  printMemoryAndCpu(results, print);
  printCost(results, print);
  printScale(results, print);
  printProfiles(results, print);
  printCampaign(results, print);
}

function printPhases(results: BenchResults, print: Print): void {
  print('### Phases (latencies in ms: p50 / p95 / p99 / max)');
  table(
    print,
    [
      'phase',
      'offered',
      'arrived/s',
      'answered/s',
      'webhook ack',
      'end-to-end (first reply)',
      'status ack',
      'skipped',
      'errors',
      'correct',
    ],
    results.phases.map((p) => {
      const r = p.result;
      const offered =
        r.mode === 'closed' ? `${r.offered} users` : r.mode === 'open' ? `${r.offered}/s` : `${r.offered}/s ${r.mode}`;
      const ack = r.targetKind === 'temporal' ? `${lat(r.ack)} (signal-with-start)` : lat(r.ack);
      return [
        r.name,
        offered,
        (r.issued / r.measuredS).toFixed(1),
        r.throughput.toFixed(1),
        ack,
        lat(r.e2e),
        r.statusesPosted > 0 ? lat(r.statusAck) : '–',
        r.skipped,
        r.ackErrors + r.statusErrors,
        correctCell(p),
      ];
    }),
  );
}

function printCorrectness(results: BenchResults, print: Print): void {
  const checked = results.phases.filter((p) => p.correctness !== undefined);
  if (checked.length > 0) {
    print('### Correctness after each phase drained');
    table(
      print,
      [
        'phase',
        'inbound accepted',
        'stored missing / extra',
        'redelivered',
        'bot messages expected / sent',
        'unexpected / missing',
        'statuses stored / posted',
        'pending (sampled)',
      ],
      checked.map((p) => {
        const c = p.correctness!;
        const r = p.result;
        return [
          r.name,
          r.acked,
          `${c.inboundMissing} / ${c.inboundExtra}`,
          r.redeliveries,
          `${r.expectedSends} / ${r.observedSends}`,
          `${c.sendsUnexpected} / ${c.sendsMissing}`,
          `${c.statusesStored} / ${c.statusesExpected}`,
          `${c.workflowsWithPending} of ${c.workflowsChecked}`,
        ];
      }),
    );
  }
}

function printComparison(results: BenchResults, print: Print): void {
  const closed = (group: string): PhaseResult | undefined =>
    results.phases.find((p) => p.group === group && p.result.mode === 'closed')?.result;
  const engineClosed = closed('closed');
  const referenceClosed = closed('reference');
  const bareClosed = closed('bare');
  const { engine, reference, bare } = results.best;
  if (
    engine !== undefined ||
    reference !== undefined ||
    bare !== undefined ||
    engineClosed ||
    referenceClosed ||
    bareClosed
  ) {
    print('### Engine vs references (same run, same machine)');
    const ratio = (a: number | undefined, b: number | undefined): string =>
      a !== undefined && b !== undefined && b > 0 ? `${Math.round((a / b) * 100)} %` : '–';
    const fmt = (v: number | undefined): string => (v === undefined ? '–' : String(v));
    table(
      print,
      ['figure', 'engine', 'Temporal reference', 'bare pipeline', 'engine / reference', 'engine / bare'],
      [
        [
          'highest open-loop rate with e2e p99 ≤ 1 s (msg/s)',
          fmt(engine),
          fmt(reference),
          fmt(bare),
          ratio(engine, reference),
          ratio(engine, bare),
        ],
        [
          `closed-loop ceiling (msg/s answered)`,
          engineClosed?.throughput.toFixed(1) ?? '–',
          referenceClosed?.throughput.toFixed(1) ?? '–',
          bareClosed?.throughput.toFixed(1) ?? '–',
          ratio(engineClosed?.throughput, referenceClosed?.throughput),
          ratio(engineClosed?.throughput, bareClosed?.throughput),
        ],
      ],
    );
  }
}

function printMemoryAndCpu(results: BenchResults, print: Print): void {
  print('### Memory and CPU');
  const peak = results.memory.peakMb;
  print(
    `peak RSS (MB): ${Object.entries(peak)
      .map(([role, mb]) => `${role} ${mb}`)
      .join(', ')}`,
  );
  const busiest = results.phases.filter((p) => p.correctness?.busiestHistoryLength !== undefined);
  for (const p of busiest)
    print(
      `busiest workflow of ${p.result.name}: ${p.result.busiestMessages} messages, history length ${p.correctness!.busiestHistoryLength} events`,
    );
  print(
    `error lines in the product's logs: worker ${results.productLogErrors.worker}, server ${results.productLogErrors.server}`,
  );
  print('');
  table(
    print,
    ['phase', 'CPU seconds by process (share of 2 cores over the phase)'],
    results.phases.map((p) => {
      const wall = (p.result.endedAt - p.result.startedAt) / 1000;
      const cores = results.machine.nproc;
      const cells = Object.entries(p.cpuSeconds)
        .filter(([, s]) => s > 0)
        .sort((a, b) => b[1] - a[1])
        .map(([role, s]) => `${role} ${s} (${Math.round((s / (wall * cores)) * 100)} %)`);
      return [p.result.name, cells.join(', ')];
    }),
  );
}

function printScale(results: BenchResults, print: Print): void {
  const scale = results.phases.find((p) => p.result.mode === 'scale');
  if (scale?.result.byWarmth) {
    print('### Scale run: latency of the first reply by how warm the conversation was (ms)');
    table(
      print,
      ['conversation', 'count', 'p50', 'p95', 'p99', 'max'],
      Object.entries(scale.result.byWarmth).map(([warmth, s]) => [warmth, s.count, s.p50, s.p95, s.p99, s.max]),
    );
    const worker = results.memory.samples.filter((s) => s.phase === 'scale' && s.rssMb['worker'] !== undefined);
    if (worker.length > 0) {
      const every = Math.max(1, Math.floor(worker.length / 10));
      print(
        `worker RSS over the scale run (MB): ${worker
          .filter((_, i) => i % every === 0)
          .map((s) => `${Math.round(s.t)} s ${s.rssMb['worker']}`)
          .join(', ')}`,
      );
      print('');
    }
  }
  if (results.longHistory) {
    print(`### Long-lived conversation ${results.longHistory.phone}: one row per run`);
    table(
      print,
      ['run', 'status', 'history events', 'history size (KB)'],
      results.longHistory.runs.map((r, i) => [
        i + 1,
        r.status,
        r.historyLength,
        r.historySizeBytes === undefined ? '–' : Math.round(r.historySizeBytes / 1024),
      ]),
    );
  }
}

function printProfiles(results: BenchResults, print: Print): void {
  if (results.profiles) {
    print('### CPU profiles (share of busy JS time by category)');
    for (const [name, p] of Object.entries(results.profiles)) {
      print(
        `${name}: ${p.threads} thread(s), busy ${Math.round(p.busyMs / 1000)} s, idle ${Math.round(p.idleMs / 1000)} s`,
      );
      print(
        `  ${Object.entries(p.shares)
          .map(([c, s]) => `${c} ${s} %`)
          .join(', ')}`,
      );
      print(
        `  hottest: ${p.top
          .slice(0, 6)
          .map((t) => `${t.frame} ${t.ms} ms`)
          .join('; ')}`,
      );
    }
    print('');
  }
}

function correctCell(p: PhaseRecord): string {
  if (p.correctness === undefined)
    return p.result.missingSends === 0 && p.result.unexpectedSends === 0 ? 'yes (no store)' : 'NO';
  return p.correctness.ok ? 'yes' : `NO: ${p.correctness.problems.join('; ')}`;
}
