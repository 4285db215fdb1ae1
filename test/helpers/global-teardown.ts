import fs from 'node:fs';

type Stoppable = { stop(): Promise<void> };
const globals = globalThis as typeof globalThis & {
  edubotTest?: { stops: Stoppable[]; dir: string; drop?: () => Promise<void> };
};

export default async function globalTeardown(): Promise<void> {
  const state = globals.edubotTest;
  if (!state) return;
  await state.drop?.().catch((err: unknown) => process.stderr.write(`could not drop test databases: ${String(err)}\n`));
  for (const stoppable of state.stops.reverse()) await stoppable.stop().catch(() => undefined);
  fs.rmSync(state.dir, { recursive: true, force: true });
}
