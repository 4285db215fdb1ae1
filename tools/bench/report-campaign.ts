import type { BenchResults } from './report';

// The campaign group's section of the report: the campaign's duration against the ideal, its busiest
// second, exactly-once, and the conversations' latencies without and beside it.

type Print = (line: string) => void;

export function printCampaign(results: BenchResults, print: Print): void {
  const c = results.campaign;
  if (c === undefined) return;
  const o = c.options;
  const w = c.watch;
  const s = (v: number | null) => (v === null ? '–' : `${v} s`);
  print(
    `### Campaign ${c.id}: ${c.recipients} recipients at ${o.rate}/s, WHATSAPP_MPS ${o.mps}, beside ${o.conversationRate}/s of conversations`,
  );
  print(
    `duration from the POST: first send ${s(c.firstSendS)}, last send ${s(c.lastSendS)}, done ${s(c.doneS)} (polled each second); ideal ${c.idealS} s`,
  );
  print(
    `sends at the Graph fake: ${w.sends} to ${w.recipients} students, ${w.duplicates} twice (${c.exactlyOnce ? 'exactly once' : 'NOT exactly once'}); busiest 1-s window: campaign ${w.busiestSecond}, all sends ${w.busiestSecondAllSends}; 130429 answers ${w.throughputRefusals}`,
  );
  print(
    `statuses posted ${w.statusesPosted} (${w.statusErrors} not 200); final status ${c.status}, counts ${Object.entries(
      c.counts,
    )
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
  );
  const rows = [c.baselinePhase, c.duringPhase]
    .map((name) => results.phases.find((p) => p.result.name === name))
    .filter((p) => p !== undefined);
  for (const p of rows) {
    const r = p.result;
    print(
      `${r.name}: ${r.measuredS.toFixed(0)} s measured, webhook ack p50/p99 ${r.ack.p50}/${r.ack.p99} ms, end-to-end p50/p99/max ${r.e2e.p50}/${r.e2e.p99}/${r.e2e.max} ms`,
    );
  }
  print('');
}
