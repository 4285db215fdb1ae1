import { listMessages } from '../../src/db/messages';
import type { RecordedSend } from '../../src/sandbox/graph-fake';
import { messagesWebhookBody } from '../../src/sandbox/graph-fake-status';
import { newWamid } from '../helpers/fixtures';
import { sleep } from '../helpers/wait';
import { startFaultStack, type FaultStack } from './fault-stack';
import { checkLedger } from './ledger';
import { createUsers, newRecord, runLoad, sayFinalHi } from './load';
import { FAULT_TIMEOUT_MS, SIZE } from './mode';

// Fault (f): delivery statuses as a confused or hostile sender posts them, while the load runs. For
// every reply the bot sends: read, delivered and sent in one batch (backwards), the same batch again,
// a delivered with a timestamp no clock holds, and a status name WhatsApp does not have; beside them
// statuses for ids nobody sent, with an error code past any integer column and a NUL as recipient.
// Every webhook answers 200; each reply ends as read, never moved back; the conversations go on.

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack();
}, 120_000);
afterAll(() => stack?.stop(), 60_000);

const PHONE_NUMBER_ID = '106000000000001';

function statuses(items: Record<string, unknown>[]): string {
  return JSON.stringify(messagesWebhookBody(PHONE_NUMBER_ID, { statuses: items }));
}

/** The webhooks posted for one accepted send, in the order they are posted. */
function confusedStatuses(send: RecordedSend): string[] {
  const at = Math.floor(send.at / 1000);
  const of = (status: string, timestamp: unknown = String(at)) => ({
    id: send.waMessageId,
    status,
    timestamp,
    recipient_id: send.to,
  });
  const backwards = statuses([of('read'), of('delivered'), of('sent')]);
  const unknown = newWamid();
  return [
    backwards,
    backwards,
    statuses([of('delivered', '99999999999999999999')]),
    statuses([of('teleported')]),
    statuses([
      { id: unknown, status: 'delivered', timestamp: String(at), recipient_id: send.to },
      {
        id: `${unknown}x`,
        status: 'failed',
        timestamp: '-1',
        recipient_id: '\u0000',
        errors: [{ code: 2 ** 53, title: 'x'.repeat(10_000), message: '\u0000' }],
      },
    ]),
  ];
}

test(
  'statuses out of order, duplicated, for unknown ids and with absurd values, under load: all 200, none moves a message back',
  async () => {
    const users = createUsers(stack.settings, SIZE.conversations);
    const record = newRecord();
    const answers = new Map<number | 'unreachable', number>();
    let posted = 0;
    let loading = true;
    const storm = (async () => {
      while (loading || posted < stack.fake.sends.length) {
        for (const send of stack.fake.sends.slice(posted)) {
          posted += 1;
          for (const body of confusedStatuses(send)) {
            const status = await stack.postWebhook(body);
            answers.set(status, (answers.get(status) ?? 0) + 1);
          }
        }
        await sleep(SIZE.paceMs);
      }
    })();
    try {
      await runLoad(stack, users, { conversations: users.length, paceMs: SIZE.paceMs }, record);
      await sayFinalHi(stack, users, record);
    } finally {
      loading = false;
      await storm;
    }

    const ledger = await checkLedger(stack, 'statuses', users, { record });
    expect(ledger.problems).toEqual([]);
    expect(ledger.finalHiAnswered).toBe(users.length);
    expect(posted).toBe(stack.fake.sends.length);
    expect(Object.fromEntries(answers)).toEqual({ 200: posted * 5 });
    // Read came first and stays: the later delivered and sent reports change nothing.
    for (const user of users) {
      const outbound = (await listMessages(stack.db, user.phone)).filter((m) => m.direction === 'outbound');
      expect(outbound.map((m) => m.status)).toEqual(outbound.map(() => 'read'));
    }
    // The status name WhatsApp does not have is set aside with why, visible to an admin.
    const quarantine = await stack.admin('GET', '/api/admin/quarantine');
    expect(quarantine.status).toBe(200);
    const reasons = (quarantine.body as { items: { reason: string }[] }).items.map((item) => item.reason);
    expect(reasons).toContain('unknown_status');
    process.stderr.write(`quarantined after the status storm (first page): ${JSON.stringify(countBy(reasons))}\n`);
  },
  FAULT_TIMEOUT_MS,
);

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}
