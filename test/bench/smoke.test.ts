import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readTestEnvironment } from '../helpers/test-env';

// The benchmark's smoke mode as a test: the whole stack (its own Temporal dev server, a database of its
// own on the run's Postgres cluster, the product's worker and server as processes) driven at a low rate
// by the separate load generator. It asserts correctness only — nothing lost, nothing duplicated, no
// answer missing or extra — never a timing: timings belong to BENCHMARKS.md, not to CI.

const ROOT = path.resolve(__dirname, '../..');

interface SmokePhase {
  result: {
    acked: number;
    unexpectedSends: number;
    missingSends: number;
    expectedSends: number;
    observedSends: number;
    ackErrors: number;
  };
  correctness: {
    ok: boolean;
    problems: string[];
    inboundMissing: number;
    inboundExtra: number;
    statusesStored: number;
    statusesExpected: number;
  };
}

test('the smoke run stores every message once and sends every expected reply once', async () => {
  const env = readTestEnvironment();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-bench-smoke-'));
  try {
    const args = [
      '--require',
      './test/helpers/ts-register.cjs',
      'tools/bench/run.ts',
      '--smoke',
      '--out',
      out,
      '--workflow-bundle',
      env.workflowBundlePath,
    ];
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: {
        ...process.env,
        DATABASE_URL: env.adminDatabaseUrl,
        TEMPORAL_CLI_PATH: env.temporalBinary,
        TEMPORAL_ADDRESS: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`bench --smoke exited with ${code}:\n${output.slice(-4000)}`);

    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as { phases: SmokePhase[] };
    expect(results.phases).toHaveLength(1);
    const [{ result, correctness }] = results.phases as [SmokePhase];
    expect(result.acked).toBeGreaterThan(20);
    expect(correctness.problems).toEqual([]);
    expect(correctness.inboundMissing).toBe(0);
    expect(correctness.inboundExtra).toBe(0);
    expect(result.unexpectedSends).toBe(0);
    expect(result.missingSends).toBe(0);
    expect(result.observedSends).toBe(result.expectedSends);
    expect(correctness.statusesStored).toBe(correctness.statusesExpected);
    // The plot is written beside the results, as SVG.
    expect(fs.readFileSync(path.join(out, 'plot.svg'), 'utf8')).toMatch(
      /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/,
    );
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 120_000);
