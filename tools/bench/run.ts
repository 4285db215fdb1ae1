import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { connectTemporalClient } from '../../src/temporal/connect';
import { parseOptions } from './options';
import { summarizeProfiles, type ProfileSummary } from './profile-summary';
import { printReport, type BenchResults } from './report';
import { writePlot } from './report-plot';
import { PhaseDriver, type Best } from './run-phases';
import { machine, stripWamids } from './run-results';
import { NAMESPACE, startBenchStack, startProduct } from './run-stack';
import type { Stoppable } from './stack';

// `npm run bench`: starts the stack (Temporal's server, Postgres, the product's worker and server as
// processes of their own, the Graph API fake inside a separate load-generator process; run-stack.ts) and
// runs the phases the options ask for (run-phases.ts): the sustained open-loop run, the search for the
// highest rate with end-to-end p99 ≤ 1 s, the same search on the Temporal reference and on the bare
// pipeline, closed-loop ceilings, or the scale run. Prints tables; writes results.json and plot.svg to --out.

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  const logger = createLogger('warn', { role: 'bench' });
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-bench-'));
  // The embedded Postgres runs as the `postgres` user when we are root: it must be able to enter.
  fs.chmodSync(work, 0o755);
  const stops: Stoppable[] = [];
  const say = (line: string): void =>
    void process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
  const started = Date.now();

  try {
    const stack = await startBenchStack(options, { work, out }, stops, logger, say);
    const product = await startProduct(stack, options, say);
    const { connection, client } = await connectTemporalClient(
      loadConfig(stack.baseEnv).temporalSecurity,
      stack.temporal.address,
      NAMESPACE,
    );
    const driver = new PhaseDriver(stack, product, client, options, out, say);
    let best: Best = { engine: undefined, reference: undefined, bare: undefined };
    let longHistory: BenchResults['longHistory'];
    if (options.scale) longHistory = await driver.scaleRun();
    else best = await driver.rateRun();

    stack.monitor.phase = 'stopping';
    const errorsOf = (role: string) =>
      Object.entries(stack.children)
        .filter(([name]) => name === role || name.startsWith(`${role}-`))
        .reduce((sum, [, child]) => sum + (child?.errors() ?? 0), 0);
    const errors = { worker: errorsOf('worker'), server: errorsOf('server') };
    await connection.close();
    for (const name of Object.keys(stack.children)) await stack.stopChild(name);
    stack.monitor.stop();
    let profiles: Record<string, ProfileSummary> | undefined;
    if (options.profile) profiles = summarizeProfiles(path.join(out, 'profiles'));

    const results: BenchResults = {
      label: options.label,
      command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
      startedAt: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      machine: machine(stack.binary),
      options: { ...options },
      agentReplies: { included: product.agentReplies, probe: product.agentDetail },
      phases: driver.records,
      best,
      memory: { peakMb: stack.monitor.peakMb, samples: stack.monitor.samples },
      productLogErrors: errors,
      ...(longHistory ? { longHistory } : {}),
      ...(profiles ? { profiles } : {}),
      ...(driver.campaign ? { campaign: driver.campaign } : {}),
    };
    fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(stripWamids(results), null, 1));
    const plot = writePlot(results, path.join(out, 'plot.svg'));
    printReport(results, (line) => process.stdout.write(line + '\n'));
    say(`results: ${path.join(out, 'results.json')}${plot ? `, plot: ${plot}` : ''}; logs: ${path.join(out, 'logs')}`);
    const failed = driver.records.filter((r) => r.correctness !== undefined && !r.correctness.ok);
    if (driver.campaign && !driver.campaign.exactlyOnce) {
      say('CAMPAIGN NOT EXACTLY ONCE: see campaign.watch in the results');
      return 1;
    }
    if (failed.length > 0) {
      say(`CORRECTNESS FAILED in ${failed.map((r) => r.result.name).join(', ')}`);
      return 1;
    }
    return 0;
  } finally {
    for (const s of stops.reverse()) await s.stop().catch((err: unknown) => say(`stop failed: ${String(err)}`));
    // Keep the logs with the results; the databases and the bundle go.
    fs.mkdirSync(path.join(out, 'logs'), { recursive: true });
    for (const file of fs.readdirSync(work).filter((f) => f.endsWith('.log')))
      fs.copyFileSync(path.join(work, file), path.join(out, 'logs', file));
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
