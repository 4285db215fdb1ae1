import { sleep, waitFor } from '../helpers/wait';
import { startFaultStack, type FaultStack } from './fault-stack';
import { postgresCut, postgresRestart } from './faults';
import { checkLedger } from './ledger';
import { createUsers, newRecord, runLoad, sayFinalHi, type LoadRecord } from './load';
import { FAULT_TIMEOUT_MS, SIZE } from './mode';

// Fault (d): Postgres goes away under load, twice. First it becomes unreachable through the TCP
// proxy in front of it (open connections reset, new ones refused) for the outage; then it is really
// restarted (an embedded cluster of this file's, stopped and started on its data). Readiness goes red
// and back to green by itself, and every write the conversations needed is done once it is back.

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({ postgres: 'embedded' });
}, 120_000);
afterAll(() => stack?.stop(), 60_000);

const red = { status: 'unavailable', postgres: false, temporal: true };

async function expectGreenAgain(record: LoadRecord): Promise<void> {
  await waitFor(async () => (await stack.readiness()).status === 200, 'readiness to be green again', 30_000);
  expect([...record.webhookAnswers.keys()].filter((s) => s !== 200 && s !== 503)).toEqual([]);
}

test(
  `Postgres unreachable for ${SIZE.outageMs / 1000} s through the proxy, then restarted, under load: readiness red and back, nothing lost`,
  async () => {
    const users = createUsers(stack.settings, SIZE.conversations);
    const record = newRecord();
    const outages = (async () => {
      await sleep(SIZE.paceMs * 6);
      const cut = await postgresCut(stack, SIZE.outageMs);
      expect(cut).toContainEqual(red);
      await expectGreenAgain(record);
      const restart = await postgresRestart(stack, SIZE.outageMs / 4);
      expect(restart).toContainEqual(red);
      await expectGreenAgain(record);
    })();
    await Promise.all([runLoad(stack, users, { paceMs: SIZE.paceMs }, record), outages]);
    await sayFinalHi(stack, users, record);

    const ledger = await checkLedger(stack, 'postgres-outage', users, { record });
    expect(stack.server.running() && stack.worker.running()).toBe(true);
    expect(ledger.problems).toEqual([]);
    expect(ledger.finalHiAnswered).toBe(users.length);
    expect(ledger.agentCommandsDeliveredOnce).toBe(ledger.agentCommands200);
  },
  FAULT_TIMEOUT_MS,
);
