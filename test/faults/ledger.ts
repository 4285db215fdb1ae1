import fs from 'node:fs';
import path from 'node:path';
import { listMessages } from '../../src/db/messages';
import type { RecordedSend } from '../../tools/sandbox/graph-fake';
import { conversationQuery, conversationWorkflowId } from '../../workflows/messages';
import { contactIdOf } from '../helpers/contacts';
import { sleep } from '../helpers/wait';
import type { FaultStack } from './fault-stack';
import { caughtUp, type AgentCall, type FaultUser, type LoadRecord } from './load';
import { resultsDir } from './results-dir';

// What must hold after every fault, once the load has drained: every accepted inbound message stored
// once and in order, every reply the flow predicts sent once and in order, every agent command that
// got 200 delivered once, every refused reply stored as failed with WhatsApp's code, every
// conversation idle with nothing pending, and the last "hi" of each answered.

export interface Ledger {
  fault: string;
  conversations: number;
  /** Webhook posts and agent commands made, with every retry, by answer. */
  webhookAnswers?: Record<string, number>;
  agentAnswers?: Record<string, number>;
  inboundPosted: number;
  inboundLost: number;
  inboundUnexpected: number;
  repliesExpected: number;
  repliesSent: number;
  repliesLost: number;
  repliesDoubled: number;
  /** Of the doubled: a crash came within CRASH_GAP_MS after WhatsApp accepted the first copy, before its wamid was stored. */
  repliesDoubledInCrashGap: number;
  repliesUnexpected: number;
  refusedExpected: number;
  refusedStored: number;
  agentCommands200: number;
  agentCommandsDeliveredOnce: number;
  conversationsPending: number;
  finalHiAnswered: number;
  problems: string[];
}

/** A SIGKILL this soon after the fake accepted a send can have come before the wamid was stored. */
const CRASH_GAP_MS = 2_000;
const LATE_DUPLICATE_WAIT_MS = 3_000;

/** Waits for every conversation to catch up (bounded), then draws up the ledger and writes it to the results folder. */
export async function checkLedger(
  stack: FaultStack,
  fault: string,
  users: FaultUser[],
  options: {
    crashes?: number[];
    settleMs?: number;
    /** Agent commands that may answer other than 200 (WhatsApp refused the text on purpose). */
    refusalAllowed?: (call: AgentCall) => boolean;
    /** The load's record: any 5xx in it but 503 (and 502, WhatsApp's refusal) is a problem. */
    record?: LoadRecord;
  } = {},
): Promise<Ledger> {
  const settleMs = options.settleMs ?? 120_000;
  await Promise.all(users.map((u) => caughtUp(stack, u, settleMs).catch(() => undefined)));
  // A retried send of a reply already delivered would arrive by now.
  await sleep(LATE_DUPLICATE_WAIT_MS);

  const ledger: Ledger = {
    fault,
    conversations: users.length,
    inboundPosted: 0,
    inboundLost: 0,
    inboundUnexpected: 0,
    repliesExpected: 0,
    repliesSent: 0,
    repliesLost: 0,
    repliesDoubled: 0,
    repliesDoubledInCrashGap: 0,
    repliesUnexpected: 0,
    refusedExpected: 0,
    refusedStored: 0,
    agentCommands200: 0,
    agentCommandsDeliveredOnce: 0,
    conversationsPending: 0,
    finalHiAnswered: 0,
    problems: [],
  };
  for (const user of users)
    await checkConversation(stack, user, ledger, options.crashes ?? [], options.refusalAllowed ?? (() => false));
  if (options.record !== undefined) {
    ledger.webhookAnswers = Object.fromEntries(options.record.webhookAnswers);
    ledger.agentAnswers = Object.fromEntries(options.record.adminAnswers);
    for (const [what, answers] of [
      ['webhook', ledger.webhookAnswers],
      ['agent command', ledger.agentAnswers],
    ] as const) {
      for (const [status, count] of Object.entries(answers))
        // 503 is an outage said honestly; 502 is WhatsApp's refusal, checked per command above.
        if (Number(status) >= 500 && ![502, 503].includes(Number(status)))
          ledger.problems.push(`${count} ${what} answers ${status}`);
    }
  }
  writeResult(fault, ledger);
  return ledger;
}

async function checkConversation(
  stack: FaultStack,
  user: FaultUser,
  ledger: Ledger,
  crashes: number[],
  refusalAllowed: (call: AgentCall) => boolean,
) {
  const problem = (text: string) => ledger.problems.push(`${user.kind} ${user.phone}: ${text}`);
  // Every user had a message acknowledged, so the load learnt the contact it was resolved to.
  const contactId = user.contactId ?? (await contactIdOf(stack.db, user.phone));
  const rows = await listMessages(stack.db, contactId);

  const inbound = rows.filter((m) => m.direction === 'inbound').map((m) => m.waMessageId ?? '');
  ledger.inboundPosted += user.posted.length;
  const lost = user.posted.filter((id) => !inbound.includes(id));
  const unexpected = inbound.filter((id) => !user.posted.includes(id));
  ledger.inboundLost += lost.length;
  ledger.inboundUnexpected += unexpected.length;
  if (lost.length > 0) problem(`${lost.length} accepted messages not stored`);
  if (unexpected.length > 0) problem(`${unexpected.length} stored messages never sent`);
  if (lost.length === 0 && unexpected.length === 0 && JSON.stringify(inbound) !== JSON.stringify(user.posted))
    problem('inbound messages stored out of order');

  const sends = stack.fake.sendsTo(user.phone);
  const stored = new Set(rows.flatMap((m) => (m.direction === 'outbound' && m.waMessageId ? [m.waMessageId] : [])));
  const replies = compareReplies(user, sends, stored, crashes);
  ledger.repliesExpected += user.expected.length;
  ledger.repliesSent += sends.length;
  ledger.repliesLost += replies.missing;
  ledger.repliesDoubled += replies.doubled;
  ledger.repliesDoubledInCrashGap += replies.doubledInGap;
  ledger.repliesUnexpected += replies.unexpected;
  if (replies.missing > 0) problem(`${replies.missing} expected replies never sent`);
  if (replies.doubled > 0)
    problem(
      `${replies.doubled} replies sent twice (${replies.doubledInGap} in the crash gap), first ${replies.firstDoubled ?? ''}`,
    );
  if (replies.unexpected > 0)
    problem(`${replies.unexpected} replies not expected at that point, first ${replies.firstUnexpected ?? ''}`);
  if (replies.missing === 0) ledger.finalHiAnswered += 1;
  const unstored = sends.filter((s) => !stored.has(s.waMessageId)).length - replies.doubledInGap;
  if (unstored > 0) problem(`${unstored} sends WhatsApp accepted have no stored wamid`);

  const failed = rows.filter((m) => m.direction === 'outbound' && m.status === 'failed');
  ledger.refusedExpected += user.refused.length;
  ledger.refusedStored += failed.length;
  if (failed.length !== user.refused.length)
    problem(`${failed.length} replies stored as failed, ${user.refused.length} refused by WhatsApp`);

  for (const call of user.agentCalls.filter((c) => c.status !== 200 && !refusalAllowed(c)))
    problem(`agent ${call.action} ${call.key} answered ${call.status} ${call.error ?? ''}`);
  for (const call of user.agentCalls.filter((c) => c.status === 200)) {
    ledger.agentCommands200 += 1;
    const copies = sends.filter((s) => s.waMessageId === call.waMessageId).length;
    if (copies === 1) ledger.agentCommandsDeliveredOnce += 1;
    else problem(`agent ${call.action} ${call.key} answered 200 with a wamid WhatsApp holds ${copies} times`);
  }

  const view = await stack.client.workflow
    .getHandle(conversationWorkflowId(contactId))
    .query(conversationQuery)
    .catch((error: unknown) => (error instanceof Error ? error.message : String(error)));
  if (typeof view === 'string' || view.busy || view.pending > 0) {
    ledger.conversationsPending += 1;
    problem(`conversation not idle: ${typeof view === 'string' ? view : `pending ${view.pending}`}`);
  }
}

/**
 * Walks the fake's sends against the replies the flow predicts: a send equal to the next expected one
 * advances, one equal to the reply just matched is a double, anything else is unexpected.
 */
function compareReplies(user: FaultUser, sends: RecordedSend[], stored: Set<string>, crashes: number[]) {
  const key = (content: unknown) => JSON.stringify(content);
  let next = 0;
  let doubled = 0;
  let doubledInGap = 0;
  let unexpected = 0;
  let firstUnexpected: string | undefined;
  let firstDoubled: string | undefined;
  for (const [i, send] of sends.entries()) {
    if (next < user.expected.length && key(send.content) === key(user.expected[next])) {
      next += 1;
      continue;
    }
    if (next > 0 && key(send.content) === key(user.expected[next - 1])) {
      doubled += 1;
      const first = sends[i - 1]!;
      firstDoubled ??= `${clip(send.content)} at ${new Date(first.at).toISOString()} and ${new Date(send.at).toISOString()}`;
      const lostWamid = !stored.has(first.waMessageId);
      if (lostWamid && crashes.some((at) => at >= first.at && at - first.at <= CRASH_GAP_MS)) doubledInGap += 1;
      continue;
    }
    unexpected += 1;
    firstUnexpected ??= `${clip(send.content)} where ${clip(user.expected[next])} was expected`;
  }
  return { missing: user.expected.length - next, doubled, doubledInGap, unexpected, firstUnexpected, firstDoubled };
}

function clip(content: unknown): string {
  return JSON.stringify(content ?? null).slice(0, 160);
}

function writeResult(fault: string, ledger: Ledger): void {
  fs.writeFileSync(path.join(resultsDir(), `${fault}.json`), `${JSON.stringify(ledger, null, 2)}\n`);
  const { problems, ...figures } = ledger;
  process.stderr.write(
    `ledger ${JSON.stringify(figures)}${problems.length > 0 ? `\n  ${problems.join('\n  ')}` : ''}\n`,
  );
}
