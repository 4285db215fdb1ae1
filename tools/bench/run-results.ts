import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import type { Client } from '@temporalio/client';
import { workflowIdOfPhone } from './history';
import type { Correctness } from './correctness';
import type { PhaseResult, PhaseSpec } from './protocol';
import type { BenchResults, PhaseRecord } from './report';
import type { PerMessage } from './report-cost';

// The run's verdicts and records: whether a step passes, the one-line summary of a phase, the machine
// it ran on, the results as written to results.json, and the slowest conversation's history.

const P99_BOUND_MS = 1000;

/** A step passes when its end-to-end p99 is within 1 s and it kept up without losing anything. */
export function passes(r: PhaseRecord): boolean {
  const res = r.result;
  return (
    res.e2e.p99 <= P99_BOUND_MS &&
    res.skipped === 0 &&
    res.missingSends === 0 &&
    res.ackErrors === 0 &&
    res.throughput >= res.offered * 0.9 &&
    (r.correctness?.ok ?? true)
  );
}

export function describeArrivals(a: PhaseSpec['arrivals']): string {
  if (a.mode === 'open') return `open loop, ${a.rate}/s for ${a.durationS} s after ${a.warmupS} s warm-up`;
  if (a.mode === 'closed')
    return `closed loop, ${a.concurrency} users for ${a.durationS} s after ${a.warmupS} s warm-up`;
  if (a.mode === 'scale') return `${a.conversations} conversations × ${a.touches} at ${a.rate}/s, then a second pass`;
  return `one conversation, ${a.messages} messages at ${a.rate}/s`;
}

export function summaryLine(r: PhaseRecord): string {
  const x = r.result;
  const ok = r.correctness ? (r.correctness.ok ? 'correct' : `PROBLEMS: ${r.correctness.problems.join('; ')}`) : '';
  return (
    `${x.name}: ${x.throughput.toFixed(1)}/s answered, ack p50/p99 ${x.ack.p50}/${x.ack.p99} ms, ` +
    `e2e p50/p99/max ${x.e2e.p50}/${x.e2e.p99}/${x.e2e.max} ms, skipped ${x.skipped}, errors ${x.ackErrors}, ${ok}`
  );
}

export function machine(binary: string): BenchResults['machine'] {
  let temporalVersion = 'unknown';
  try {
    temporalVersion = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // Reported as unknown.
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed version, read at run time
  const sdk = (require('@temporalio/worker/package.json') as { version: string }).version;
  return {
    nproc: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGb: Math.round(os.totalmem() / 1024 ** 3),
    node: process.version,
    temporalCli: temporalVersion,
    temporalSdk: sdk,
    os: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** The results as results.json holds them: the accepted wamids (kept for the store check) as a count. */
export function stripWamids(results: BenchResults): unknown {
  return {
    ...results,
    phases: results.phases.map((p) => ({ ...p, result: { ...p.result, wamids: p.result.wamids.length } })),
  };
}

/** The slowest conversation's history, event by event, to see where its time went. */
export async function dumpHistory(client: Client, databaseUrl: string, phone: string, file: string): Promise<void> {
  try {
    const workflowId = await workflowIdOfPhone(databaseUrl, phone);
    if (workflowId === undefined) return;
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    const start = Number(history.events?.[0]?.eventTime?.seconds ?? 0) * 1000;
    const events = (history.events ?? []).map((e) => {
      const t = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.round((e.eventTime?.nanos ?? 0) / 1e6);
      return { id: Number(e.eventId), type: e.eventType, ms: t - start };
    });
    fs.writeFileSync(file, JSON.stringify({ phone, events }, null, 1));
  } catch {
    // Diagnostics only.
  }
}

const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * A phase's cost per inbound message (issue 27): every process's CPU, the product's Postgres statements
 * and Graph calls over the whole phase (warm-up and drain included) divided by the inbound messages it
 * accepted (redeliveries not counted; the agents' commands are part of the cost, not of the count), and
 * the history events per inbound message of the sampled conversations.
 */
export function perMessage(
  result: PhaseResult,
  cpuSeconds: Record<string, number>,
  statements: Record<string, number>,
  correctness: Correctness | undefined,
): PerMessage | undefined {
  const inbound = result.acked;
  if (inbound === 0) return undefined;
  const cpuMs = Object.fromEntries(
    Object.entries(cpuSeconds)
      .filter(([, s]) => s > 0)
      .map(([role, s]) => [role, round((s * 1000) / inbound)]),
  );
  const productMs = Object.entries(cpuSeconds)
    .filter(([role]) => role !== 'loadgen')
    .reduce((sum, [, s]) => sum + s, 0);
  const pgStatements = Object.fromEntries(Object.entries(statements).map(([role, n]) => [role, round(n / inbound, 2)]));
  const graph = result.graph;
  const sample = correctness?.historySample;
  return {
    inbound,
    cpuMs,
    cpuMsAllButLoadgen: round((productMs * 1000) / inbound),
    pgStatements,
    pgStatementsTotal: round(Object.values(statements).reduce((a, b) => a + b, 0) / inbound, 2),
    ...(graph === undefined
      ? {}
      : {
          graphCalls: {
            requests: round(graph.requests / inbound, 2),
            sends: round(graph.sends / inbound, 2),
            reads: round(graph.reads / inbound, 2),
            typingIndicators: round(graph.typingIndicators / inbound, 2),
          },
        }),
    ...(sample && sample.inbound > 0
      ? { historyEventsPerMessage: round(sample.events / sample.inbound, 2), historySample: sample }
      : {}),
  };
}
