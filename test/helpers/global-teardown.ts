import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

// Stops what the global setup started, then guards the exit: a run that leaves a process or an open
// handle behind fails loudly instead of keeping jest (and CI) waiting forever.

type Stoppable = { stop(): Promise<void> };

/** What the global setup started, kept on globalThis: setup and teardown are loaded as separate modules. */
export interface SharedState {
  stops: Stoppable[];
  dir: string;
  drop?: () => Promise<void>;
}

export const globals = globalThis as typeof globalThis & { edubotTest?: SharedState };

/** How long jest may take to exit once everything is stopped before the guard calls it a leak. */
const EXIT_GRACE_MS = 15_000;

export default async function globalTeardown(): Promise<void> {
  const state = globals.edubotTest;
  if (!state) return;
  globals.edubotTest = undefined;
  await state.drop?.().catch((err: unknown) => process.stderr.write(`could not drop test databases: ${String(err)}\n`));
  for (const stoppable of state.stops.reverse()) await stoppable.stop().catch(() => undefined);
  fs.rmSync(state.dir, { recursive: true, force: true });
  guardExit();
}

function guardExit(): void {
  const leftovers = childProcesses();
  if (leftovers.length > 0) {
    process.exitCode = 1;
    process.stderr.write(
      `\nthe test run left processes behind (now killed):\n${leftovers.map((p) => `  ${p.pid} ${p.command}`).join('\n')}\n`,
    );
    for (const { pid } of leftovers) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  }
  // Unreferenced: it fires only if something else still keeps the process alive.
  setTimeout(() => {
    process.stderr.write(
      `\njest had not exited ${EXIT_GRACE_MS / 1000} s after the last test; still open: ${process.getActiveResourcesInfo().join(', ')}\n`,
    );
    process.exit(1);
  }, EXIT_GRACE_MS).unref();
}

/** The processes this one started that are still running (jest runs the files in band, in this process). */
function childProcesses(): { pid: number; command: string }[] {
  const out = execFileSync('ps', ['-o', 'pid=,args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(.*)$/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ pid: Number(m[1]), command: m[2]! }))
    .filter(({ command }) => !command.startsWith('ps '));
}
