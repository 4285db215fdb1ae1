import { listMessages } from '../../src/db/messages';
import type { SendAttempt } from '../../tools/sandbox/graph-fake';
import { contactIdOf } from '../helpers/contacts';
import { sleep } from '../helpers/wait';
import { startFaultStack, type FaultStack } from './fault-stack';
import { OUTSIDE_WINDOW, SLOWER_THAN_TIMEOUT_MS, whatsappStorm } from './faults';
import { checkLedger } from './ledger';
import { createUsers, newRecord, runLoad, sayFinalHi } from './load';
import { FAULT_TIMEOUT_MS, FULL, SIZE } from './mode';

// Fault (e): WhatsApp storms. Through the whole load 30 % of sends answer HTTP 500; every few seconds
// a burst of rate limits (130429) and pair rate limits (131056) comes, and answers slower than the
// client's 10-second timeout; one number is refused with 131047 (outside the 24-hour window) until the
// storm is over. Transient failures are retried with backoff and never doubled; the refusals are
// stored on the messages and returned to the agent.

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
}, 120_000);
afterAll(() => stack?.stop(), 60_000);

test(
  'a WhatsApp storm under load (30 % HTTP 500, rate-limit bursts, answers past the timeout, one number refused): backoff, no reply sent twice, refusals stored and answered',
  async () => {
    const users = createUsers(stack.settings, SIZE.conversations);
    // A chat, so the agent meets the refusal too.
    const refused = users.find((u) => u.kind === 'chat')!;
    refused.refusing = true;
    stack.fake.refuse(refused.phone, OUTSIDE_WINDOW);
    const record = newRecord();
    let storming = true;
    // The storm blows for a while and passes, as storms do; the load goes on through and after it.
    const stormUntil = Date.now() + (FULL ? 60_000 : 25_000);
    const storm = whatsappStorm(stack, {
      bursts: FULL ? 4 : 2,
      everyMs: SIZE.paceMs * 10,
      storming: () => storming && Date.now() < stormUntil,
    });
    try {
      await runLoad(stack, users, { paceMs: SIZE.paceMs }, record);
      // The storm passes and the number is reachable again before the last "hi".
      await sleep(SLOWER_THAN_TIMEOUT_MS);
    } finally {
      storming = false;
      await storm;
    }
    stack.fake.refuse(refused.phone, undefined);
    refused.refusing = false;
    await sayFinalHi(stack, users, record);

    const ledger = await checkLedger(stack, 'whatsapp-storm', users, {
      record,
      refusalAllowed: (call) =>
        call.status === 502 && call.whatsappCode === 131047 && refused.agentCalls.includes(call),
    });
    expect(ledger.problems).toEqual([]);
    expect(ledger.finalHiAnswered).toBe(users.length);

    const attempts = stack.fake.attempts;
    const failed = attempts.filter((a) => a.outcome === 'failed');
    expect(failed.filter((a) => a.status === 500).length).toBeGreaterThan(5);
    expect(failed.filter((a) => a.code === 130429).length).toBeGreaterThan(0);
    expect(failed.filter((a) => a.code === 131056).length).toBeGreaterThan(0);
    expect(attempts.filter((a) => a.outcome === 'dropped').length).toBeGreaterThan(0);
    // Backoff: after a failure the next try to the same number waits (the retry policy starts at 1 s).
    expect(Math.min(...retryGaps(attempts))).toBeGreaterThanOrEqual(500);

    // The refusal is on every reply to that number that WhatsApp refused, and in the agent's answer.
    const rows = await listMessages(stack.db, await contactIdOf(stack.db, refused.phone));
    const failedRows = rows.filter((m) => m.direction === 'outbound' && m.status === 'failed');
    expect(failedRows.length).toBe(refused.refused.length);
    expect(failedRows.every((m) => m.errorCode === 131047)).toBe(true);
    expect(refused.agentCalls.map((c) => [c.status, c.whatsappCode])).toContainEqual([502, 131047]);
    expect(stack.fake.attempts.filter((a) => a.to === refused.phone && a.code === 131047).length).toBe(
      refused.refused.length,
    );
  },
  FAULT_TIMEOUT_MS,
);

/** For every failed or dropped send, the time until the next request to the same number. */
function retryGaps(attempts: SendAttempt[]): number[] {
  const gaps: number[] = [];
  for (const [i, attempt] of attempts.entries()) {
    if (attempt.outcome === 'accepted' || attempt.code === 131047) continue;
    const next = attempts.slice(i + 1).find((a) => a.to === attempt.to);
    if (next !== undefined) gaps.push(next.at - attempt.at);
  }
  return gaps;
}
