import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { stopAtFileEnd } from './cleanup';

export const REPO_ROOT = path.resolve(__dirname, '../..');
const TS_REGISTER = path.join(REPO_ROOT, 'test/helpers/ts-register.cjs');

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output contains `text`; rejects if the process exits first or time runs out. */
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
}

/** Runs one of the repository's TypeScript files in a node process of its own. */
export function spawnTs(file: string, env: NodeJS.ProcessEnv, args: string[] = []): Spawned {
  const child = spawn(process.execPath, ['--require', TS_REGISTER, path.join(REPO_ROOT, file), ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // A process the test did not stop (it failed first) is killed when the file ends.
  stopAtFileEnd(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await exited;
  });
  return {
    child,
    output: () => output,
    exited,
    waitForOutput(text, timeoutMs = 60_000) {
      const matches = () => (typeof text === 'string' ? output.includes(text) : text.test(output));
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => finish(new Error(`timed out waiting for ${String(text)}; output:\n${output.slice(-2000)}`)),
          timeoutMs,
        );
        const check = () => matches() && finish();
        const onExit = (code: number | null) =>
          finish(new Error(`process exited (${code}) before ${String(text)}; output:\n${output.slice(-2000)}`));
        function finish(err?: Error) {
          clearTimeout(timer);
          child.stdout.off('data', check);
          child.stderr.off('data', check);
          child.off('exit', onExit);
          if (err) reject(err);
          else resolve();
        }
        child.stdout.on('data', check);
        child.stderr.on('data', check);
        child.once('exit', onExit);
        check();
      });
    },
  };
}
