import { waitFor } from '../helpers/wait';
import { startFaultStack, type FaultStack } from './fault-stack';
import { killServer } from './faults';
import { checkLedger } from './ledger';
import { createUsers, newRecord, runLoad, sayFinalHi } from './load';
import { FAULT_TIMEOUT_MS, SIZE } from './mode';

// Fault (b): the server process is SIGKILLed right after it acknowledged webhooks, with more webhooks
// and agent commands on their way. Whatever got no answer is delivered again once it is back (the
// load posts until a 200, as Meta does), and a sample of what it had acknowledged is delivered again
// too: Meta redelivers when it did not hear the 200.

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
}, 120_000);
afterAll(() => stack?.stop(), 60_000);

test(
  `the server SIGKILLed ${SIZE.serverKills} times right after acknowledging webhooks, then redelivered to: nothing lost, nothing sent twice`,
  async () => {
    const users = createUsers(stack.settings, SIZE.conversations);
    const record = newRecord();
    let acks = 0;
    record.onAck = () => (acks += 1);
    const redelivered: (number | 'unreachable')[] = [];
    let loading = true;
    const killing = (async () => {
      for (let kill = 0; kill < SIZE.serverKills && loading; kill++) {
        const target = acks + 4 + Math.floor(Math.random() * 6);
        await waitFor(async () => acks >= target || !loading, `${target} acknowledged webhooks`, 120_000);
        redelivered.push(...(await killServer(stack, record, kill)));
      }
    })();
    await runLoad(stack, users, { paceMs: SIZE.paceMs }, record);
    loading = false;
    await killing;
    await sayFinalHi(stack, users, record);

    const ledger = await checkLedger(stack, 'server-kill', users, { record });
    expect(redelivered.length).toBeGreaterThan(0);
    // Everything delivered again is taken (200) and changes nothing: the ledger has no double.
    expect(redelivered.filter((status) => status !== 200)).toEqual([]);
    // The kills hit traffic: some posts got no answer and were delivered again.
    expect(record.webhookAnswers.get('unreachable') ?? 0).toBeGreaterThan(0);
    expect([...record.webhookAnswers.keys()].filter((s) => s !== 200 && s !== 'unreachable')).toEqual([]);
    expect(ledger.problems).toEqual([]);
    expect(ledger.finalHiAnswered).toBe(users.length);
    expect(ledger.agentCommandsDeliveredOnce).toBe(ledger.agentCommands200);
  },
  FAULT_TIMEOUT_MS,
);
