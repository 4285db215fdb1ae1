import { sleep } from '../helpers/wait';
import { startFaultStack, type FaultStack } from './fault-stack';
import { temporalOutage } from './faults';
import { checkLedger } from './ledger';
import { createUsers, newRecord, runLoad, sayFinalHi } from './load';
import { FAULT_TIMEOUT_MS, SIZE } from './mode';

// Fault (c): the Temporal dev server is stopped in the middle of the load and started again on its
// file after the outage. Meanwhile readiness is red and webhooks answer 503 (Meta delivers them again
// later) or, in a short outage, wait within the Temporal client's retries and answer 200 once it is
// back; afterwards the server and the worker carry on by themselves, without being restarted.

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
}, 120_000);
afterAll(() => stack?.stop(), 60_000);

test(
  `Temporal stopped for ${SIZE.outageMs / 1000} s under load and restarted on its file: webhooks answer 503 meanwhile, everything recovers by itself`,
  async () => {
    const users = createUsers(stack.settings, SIZE.conversations);
    const record = newRecord();
    const [serverPid, workerPid] = [stack.server.pid, stack.worker.pid];
    let readiness: unknown[] = [];
    const outage = (async () => {
      await sleep(SIZE.paceMs * 8);
      readiness = await temporalOutage(stack, SIZE.outageMs);
    })();
    await Promise.all([runLoad(stack, users, { paceMs: SIZE.paceMs }, record), outage]);
    await sayFinalHi(stack, users, record);

    const ledger = await checkLedger(stack, 'temporal-outage', users, { record });
    expect(readiness.length).toBeGreaterThan(0);
    // Red while Temporal is away: 503 naming Temporal, or no answer within a probe's patience.
    expect(
      readiness.filter((r) => r === 'unreachable' || (r as { temporal?: boolean }).temporal === false),
    ).not.toEqual([]);
    // A webhook during the outage is refused with 503 or held until Temporal is back, never a 500.
    expect([...record.webhookAnswers.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect((await stack.readiness()).status).toBe(200);
    expect([stack.server.pid, stack.worker.pid]).toEqual([serverPid, workerPid]);
    expect(stack.server.running() && stack.worker.running()).toBe(true);
    expect(ledger.problems).toEqual([]);
    expect(ledger.finalHiAnswered).toBe(users.length);
    expect(ledger.agentCommandsDeliveredOnce).toBe(ledger.agentCommands200);
  },
  FAULT_TIMEOUT_MS,
);
