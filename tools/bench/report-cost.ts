import type { BenchResults } from './report';

// The report's cost table (issue 27): per inbound message, each process's CPU, the product's Postgres
// statements, Graph calls and history events, phase by phase.

type Print = (line: string) => void;

export interface PerMessage {
  inbound: number;
  /** CPU ms per inbound message by process, and over all of them but the load generator. */
  cpuMs: Record<string, number>;
  cpuMsAllButLoadgen: number;
  /** Postgres statements (round trips) per inbound message by product process, and in all. */
  pgStatements: Record<string, number>;
  pgStatementsTotal: number;
  /** Graph API requests per inbound message, by kind. */
  graphCalls?: { requests: number; sends: number; reads: number; typingIndicators: number };
  historyEventsPerMessage?: number;
  historySample?: { workflows: number; events: number; inbound: number };
}

export function printCost(results: BenchResults, print: Print): void {
  const rows = results.phases.filter((p) => p.perMessage !== undefined);
  if (rows.length === 0) return;
  print('### Per inbound message (whole phase: warm-up and drain included; agent commands are cost, not count)');
  const header = [
    'phase',
    'inbound',
    'CPU ms by process',
    'CPU ms, all but loadgen',
    'PG statements (server, worker …)',
    'Graph requests (sends / reads / typing)',
    'history events',
  ];
  print(`| ${header.join(' | ')} |`);
  print(`| ${header.map(() => '---').join(' | ')} |`);
  for (const p of rows) {
    const m = p.perMessage!;
    const cpu = Object.entries(m.cpuMs)
      .sort((a, b) => b[1] - a[1])
      .map(([role, ms]) => `${role} ${ms}`)
      .join(', ');
    const statements = Object.entries(m.pgStatements)
      .map(([role, n]) => `${role} ${n}`)
      .join(', ');
    const g = m.graphCalls;
    const graph = g === undefined ? '–' : `${g.requests} (${g.sends} / ${g.reads} / ${g.typingIndicators})`;
    const cells = [
      p.result.name,
      m.inbound,
      cpu,
      m.cpuMsAllButLoadgen,
      statements === '' ? '–' : `${m.pgStatementsTotal}: ${statements}`,
      graph,
      m.historyEventsPerMessage ?? '–',
    ];
    print(`| ${cells.join(' | ')} |`);
  }
  print('');
}
