import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/spawn';

// The benchmark's smoke mode against Temporal's own cluster (--cluster, two servers, two workers):
// correctness only, as in test/bench/smoke.test.ts, and the processes that ran show in its figures.
// DATABASE_URL's Postgres is used when set, an embedded one otherwise.

interface SmokeResults {
  phases: {
    result: {
      acked: number;
      unexpectedSends: number;
      missingSends: number;
      expectedSends: number;
      observedSends: number;
    };
    correctness: { problems: string[]; inboundMissing: number; statusesStored: number; statusesExpected: number };
  }[];
  memory: { peakMb: Record<string, number> };
  machine: { temporalCli: string };
}

test('a bench smoke run on the cluster over two servers and two workers stores and answers everything once', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-bench-cluster-'));
  try {
    const args = ['--require', './test/helpers/ts-register.cjs', 'tools/bench/run.ts', '--smoke', '--cluster'];
    args.push('--servers', '2', '--workers', '2', '--out', out);
    const child = spawn(process.execPath, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, TEMPORAL_ADDRESS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`bench --smoke --cluster exited with ${code}:\n${output.slice(-4000)}`);

    const results = JSON.parse(fs.readFileSync(path.join(out, 'results.json'), 'utf8')) as SmokeResults;
    const [phase] = results.phases;
    expect(phase!.result.acked).toBeGreaterThan(20);
    expect(phase!.correctness.problems).toEqual([]);
    expect(phase!.correctness.inboundMissing).toBe(0);
    expect(phase!.result.unexpectedSends).toBe(0);
    expect(phase!.result.missingSends).toBe(0);
    expect(phase!.result.observedSends).toBe(phase!.result.expectedSends);
    expect(phase!.correctness.statusesStored).toBe(phase!.correctness.statusesExpected);
    expect(Object.keys(results.memory.peakMb)).toEqual(
      expect.arrayContaining(['server', 'server-2', 'worker', 'worker-2', 'temporal-frontend', 'temporal-history']),
    );
    expect(results.machine.temporalCli).toBe('temporal version 1.32.0');
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 240_000);
