import { sleep } from '../helpers/wait';
import { startFaultStack, type FaultStack } from './fault-stack';
import { killWorker } from './faults';
import { checkLedger } from './ledger';
import { createUsers, newRecord, runLoad, sayFinalHi } from './load';
import { FAULT_TIMEOUT_MS, SIZE } from './mode';

// Fault (a): the worker process is SIGKILLed at random moments while conversations register, hand in
// homework and chat with an agent, five times, and started again each time. Whatever it was doing —
// a turn half stored, a send in flight, an agent's command waiting — is taken up by the next worker.

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
}, 120_000);
afterAll(() => stack?.stop(), 60_000);

test(
  `the worker SIGKILLed ${SIZE.workerKills} times at random moments under load: nothing lost, nothing sent twice, every conversation answers`,
  async () => {
    const users = createUsers(stack.settings, SIZE.conversations);
    const record = newRecord();
    const crashes: number[] = [];
    const pids = new Set<number | undefined>([stack.worker.pid]);
    const killing = (async () => {
      for (let i = 0; i < SIZE.workerKills; i++) {
        await sleep(500 + Math.random() * 2_500);
        crashes.push(await killWorker(stack));
        pids.add(stack.worker.pid);
      }
    })();
    await Promise.all([runLoad(stack, users, { paceMs: SIZE.paceMs }, record), killing]);
    await sayFinalHi(stack, users, record);

    const ledger = await checkLedger(stack, 'worker-kill', users, { crashes, record });
    expect(pids.size).toBe(SIZE.workerKills + 1);
    expect(ledger.problems).toEqual([]);
    expect(ledger.inboundLost).toBe(0);
    expect(ledger.repliesDoubled).toBe(0);
    expect(ledger.finalHiAnswered).toBe(users.length);
    expect(ledger.agentCommands200).toBeGreaterThan(0);
    expect(ledger.agentCommandsDeliveredOnce).toBe(ledger.agentCommands200);
  },
  FAULT_TIMEOUT_MS,
);
