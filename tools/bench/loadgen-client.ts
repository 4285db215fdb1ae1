import path from 'node:path';
import type { FromLoadGenerator, PhaseResult, PhaseSpec, ToLoadGenerator } from './protocol';
import { forkBenchChild, type BenchChild } from './stack';

// The orchestrator's side of the load generator (load-generator.ts, a process of its own): forks it,
// and turns its IPC messages into promises (a phase's result, the admin probe's answer).

export interface LoadGenerator {
  child: BenchChild;
  graphBaseUrl: string;
  send(message: ToLoadGenerator): void;
  runPhase(spec: PhaseSpec): Promise<PhaseResult>;
  probeAdmin(url: string, token: string): Promise<{ available: boolean; detail: string }>;
}

export async function startLoadGenerator(
  env: NodeJS.ProcessEnv,
  logDir: string,
  say: (line: string) => void,
): Promise<LoadGenerator> {
  let graphBaseUrl = '';
  const waiting: ((m: FromLoadGenerator) => boolean)[] = [];
  const child = await forkBenchChild({
    name: 'loadgen',
    script: path.join(__dirname, 'load-generator.ts'),
    env,
    logDir,
    onMessage: (raw) => {
      const m = raw as FromLoadGenerator;
      if (m.type === 'ready') graphBaseUrl = m.graphBaseUrl;
      if (m.type === 'progress') say(m.line);
      const index = waiting.findIndex((w) => w(m));
      if (index !== -1) waiting.splice(index, 1);
    },
  });
  const send = (message: ToLoadGenerator): void => {
    if (child.child.connected) child.child.send(message);
  };
  const expect = <T>(pick: (m: FromLoadGenerator) => T | undefined): Promise<T> =>
    new Promise((resolve, reject) => {
      const onExit = (): void => reject(new Error('the load generator exited; see its log'));
      child.child.once('exit', onExit);
      waiting.push((m) => {
        const value = pick(m);
        if (value === undefined) return false;
        child.child.off('exit', onExit);
        resolve(value);
        return true;
      });
    });
  return {
    child,
    graphBaseUrl,
    send,
    runPhase(spec) {
      const done = expect((m) => (m.type === 'phase-done' ? m.result : undefined));
      send({ type: 'phase', spec });
      return done;
    },
    probeAdmin(url, token) {
      const done = expect((m) => (m.type === 'admin-probe' ? { available: m.available, detail: m.detail } : undefined));
      send({ type: 'probe-admin', url, token });
      return done;
    },
  };
}
