import { listMessages } from '../../src/db/messages';
import { conversationWorkflowId } from '../../workflows/messages';
import type { TestCluster } from './cluster';
import { contactIdOf } from './contacts';
import type { ScriptedUser, PlannedWebhook } from './scripted-user';
import { sleep, waitFor } from './wait';

// The cluster tests' scripted load: users whose messages are written in advance, posted round by round
// over both servers (with redeliveries, as Meta makes them), and the ledger that checks what came of
// them: every accepted message stored once and in order, every reply the flow owes sent once and in order.

/** Timers that never fire during a test: every bot message then answers a user's message. */
export const NO_TIMERS = {
  FLOW_IDLE_TIMEOUT: '24h',
  CHAT_IDLE_REMINDER: '24h',
  CHAT_IDLE_TIMEOUT: '24h',
  PAYMENT_TIMEOUT: '24h',
} as const;

export interface Step {
  webhook: PlannedWebhook;
  /** 2: Meta delivers the same webhook again, to the other server. */
  copies: 1 | 2;
}

/** A user's steps by round: `undefined` where the user sends nothing that round. */
export type Plan = (Step | undefined)[];

/** Half the users register, half chat; some send two messages in one webhook, some get a redelivery. */
export function script(user: ScriptedUser, i: number): Step[] {
  const one = (webhook: PlannedWebhook, copies: 1 | 2 = 1): Step => ({ webhook, copies });
  const steps = [one(user.webhook(user.text('hi')))];
  if (i % 2 === 0) {
    steps.push(one(user.webhook(user.tap('register')), i % 4 === 2 ? 2 : 1));
    steps.push(one(user.webhook(user.text(fullName(user.phone)))));
    steps.push(one(user.webhook(user.text(`s${user.phone}@example.com`))));
    steps.push(one(user.webhook(user.text('Grade 10'))));
    steps.push(one(user.webhook(user.text('thanks'))));
  } else {
    steps.push(one(user.webhook(user.text('hello')), i % 4 === 3 ? 2 : 1));
    steps.push(
      i % 4 === 1
        ? one(user.webhook(user.text('good morning'), user.text('what can you do?')))
        : one(user.webhook(user.text('good morning'))),
    );
    steps.push(one(user.webhook(user.text('ok'))));
    steps.push(one(user.webhook(user.text('hey there'))));
    steps.push(one(user.webhook(user.text('thanks'))));
  }
  return steps;
}

/** A name the registration accepts (letters only), different for every number. */
export function fullName(phone: string): string {
  const letters = [...phone.slice(-4)].map((d) => String.fromCharCode(97 + Number(d))).join('');
  return `Ada ${letters[0]!.toUpperCase()}${letters.slice(1)}`;
}

/**
 * The id of the workflow of a user's conversation: `conversation-<contact id>`, the contact the webhook
 * resolved the user's phone to (which the id never shows). The shadow flow learns the contact id too.
 */
export async function workflowIdOf(t: TestCluster, user: ScriptedUser): Promise<string> {
  user.contactId ??= await contactIdOf(t.db, user.phone);
  const workflowId = conversationWorkflowId(user.contactId);
  expect(workflowId).not.toContain(user.phone);
  return workflowId;
}

/** Posts until a server accepts (200), alternating servers as a load balancer's retries would. */
export async function deliver(
  t: TestCluster,
  webhook: PlannedWebhook,
  server: number,
  accepted: Set<string>,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const status = await t.postWebhook((server + attempt) % 2, webhook.body);
    if (status === 200) {
      for (const id of webhook.wamids) accepted.add(id);
      return;
    }
    await sleep(500);
  }
  throw new Error(`no server accepted webhook ${webhook.wamids.join(', ')}`);
}

/** Posts every user's step of `round` at once, each user's copies in turn, spread over both servers. */
export async function postRound(
  t: TestCluster,
  users: ScriptedUser[],
  plans: Plan[],
  round: number,
  accepted: Set<string>,
): Promise<void> {
  await Promise.all(
    users.map(async (_, i) => {
      const step = plans[i]![round];
      if (step === undefined) return;
      for (let copy = 0; copy < step.copies; copy++) await deliver(t, step.webhook, (round + i + copy) % 2, accepted);
    }),
  );
}

/**
 * Waits for every reply the users are owed, then checks the ledger: every reply sent once, in the order
 * the flow produced them; every accepted message stored once, in the order sent; each stored reply the
 * one WhatsApp took.
 */
export async function expectExactLedger(
  t: TestCluster,
  users: ScriptedUser[],
  plans: Plan[],
  accepted: Set<string>,
): Promise<void> {
  const emulator = t.cluster.emulator;
  await waitFor(
    async () => users.every((u) => emulator.sendsTo(u.phone).length >= u.expected.length),
    'every expected reply',
    180_000,
  );
  // Late duplicates (a retried send of a reply already delivered) would arrive by now.
  await sleep(3_000);

  for (const [i, user] of users.entries()) {
    expect(emulator.sendsTo(user.phone).map((s) => s.content)).toEqual(user.expected);
    const rows = await listMessages(t.db, user.contactId!);
    const inbound = rows.filter((m) => m.direction === 'inbound').map((m) => m.waMessageId);
    const posted = plans[i]!.flatMap((s) => s?.webhook.wamids ?? []);
    expect(inbound).toEqual(posted);
    expect(posted.every((id) => accepted.has(id))).toBe(true);
    const outbound = rows.filter((m) => m.direction === 'outbound').map((m) => m.waMessageId);
    expect(outbound).toEqual(emulator.sendsTo(user.phone).map((s) => s.waMessageId));
  }
}
