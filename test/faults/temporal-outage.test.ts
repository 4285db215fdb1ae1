import { sleep } from '../helpers/wait';
import { startFaultStack, type FaultStack } from './fault-stack';
import { checkLedger } from './ledger';
import { createUsers, newRecord, runLoad, sayFinalHi } from './load';
import { FAULT_TIMEOUT_MS, SIZE } from './mode';

// Fault (c): the Temporal dev server is stopped in the middle of the load and started again on its
// file after the outage. Meanwhile webhooks answer 503 (Meta delivers them again later) and readiness
// is red; afterwards the server and the worker carry on by themselves, without being restarted.

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
    const readiness: unknown[] = [];
    const outage = (async () => {
      await sleep(SIZE.paceMs * 8);
      await stack.stopTemporal();
      const until = Date.now() + SIZE.outageMs;
      while (Date.now() < until) {
        readiness.push((await stack.readiness()).body);
        await sleep(1_000);
      }
      await stack.startTemporal();
    })();
    await Promise.all([runLoad(stack, users, { conversations: users.length, paceMs: SIZE.paceMs }, record), outage]);
    await sayFinalHi(stack, users, record);

    const ledger = await checkLedger(stack, 'temporal-outage', users, { record });
    expect(readiness.length).toBeGreaterThan(0);
    expect(readiness).toContainEqual({ status: 'unavailable', postgres: true, temporal: false });
    // Webhooks that came during the outage were refused with 503, never a 500 or a hang.
    expect(record.webhookAnswers.get(503) ?? 0).toBeGreaterThan(0);
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
