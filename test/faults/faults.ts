import path from 'node:path';
import type { RecordedSend } from '../../tools/sandbox/graph-fake';
import { graphError } from '../../tools/sandbox/graph-fake-http';
import { messagesWebhookBody } from '../../tools/sandbox/graph-fake-status';
import { bundleBuildId } from '../../src/temporal/deployment';
import { drainVersion, listVersions, makeVersionCurrent, waitUntilDrained } from '../../src/temporal/versions';
import { newWamid } from '../helpers/fixtures';
import { sleep, waitFor } from '../helpers/wait';
import type { FaultStack } from './fault-stack';
import type { LoadRecord } from './load';

// The faults themselves, as the fault tests and the soak inject them into a running stack.

export const RATE_LIMIT = { status: 400, body: graphError(130429, 'Rate limit hit') };
export const PAIR_RATE_LIMIT = {
  status: 400,
  body: graphError(131056, '(Business Account, Consumer Account) pair rate limit hit'),
};
export const OUTSIDE_WINDOW = { status: 400, body: graphError(131047, 'Re-engagement message') };
export const SERVER_ERROR = { status: 500, body: graphError(2, 'Service temporarily unavailable') };
/** Longer than the worker's Graph client waits (10 s). */
export const SLOWER_THAN_TIMEOUT_MS = 11_000;

/** SIGKILLs the worker and starts it again; returns when the kill happened. */
export async function killWorker(stack: FaultStack): Promise<number> {
  const at = Date.now();
  await stack.worker.kill('SIGKILL');
  await stack.worker.start();
  return at;
}

/**
 * A deploy under load: a worker of the compiled product in `dist` starts beside the stack's worker;
 * once it polls its version is made current (by itself when it is new, by the operator's `current`
 * when it was current before, as a deploy back to an earlier build is); the old version is drained and,
 * once Temporal reports it drained, its worker stopped. From then on the new worker is the stack's
 * worker, which later faults kill. Returns the build ids, how many runs the drain woke and how long it took.
 */
export async function deploy(stack: FaultStack, dist: string) {
  const { client } = stack;
  const to = bundleBuildId({ codePath: path.join(dist, 'workflow-bundle.js') });
  const from = (await listVersions(client)).find((v) => v.status === 'current')?.buildId;
  if (from === undefined || from === to) throw new Error(`nothing to deploy: ${to} is already current`);
  const started = Date.now();
  const worker = await stack.startWorker({ dist });
  const statusOf = async (buildId: string) => (await listVersions(client)).find((v) => v.buildId === buildId)?.status;
  await waitFor(async () => (await statusOf(to)) !== undefined, 'the new build polling', 60_000);
  if ((await statusOf(to)) !== 'current') await makeVersionCurrent(client, to);
  await waitFor(async () => (await statusOf(to)) === 'current', 'the new build current', 60_000);
  const woken = await drainVersion(client, from);
  await waitUntilDrained(client, from, { timeoutMs: 180_000, intervalMs: 1_000 });
  await stack.worker.stop();
  stack.worker = worker;
  return { from, to, woken, seconds: (Date.now() - started) / 1000 };
}

/**
 * SIGKILLs the server the moment it acknowledged webhooks, starts it again, and delivers a third of
 * what it had acknowledged once more (Meta redelivers when it did not hear the 200); returns the
 * answers to those redeliveries. What it left unanswered the load posts again by itself.
 */
export async function killServer(stack: FaultStack, record: LoadRecord, nth = 0): Promise<(number | 'unreachable')[]> {
  const acknowledged = record.acknowledged.length;
  await stack.server.kill('SIGKILL');
  await stack.server.start();
  const sample = record.acknowledged.slice(0, acknowledged).filter((_, i) => i % 3 === nth % 3);
  const answers: (number | 'unreachable')[] = [];
  for (const body of sample) answers.push(await stack.postWebhook(body));
  return answers;
}

/** Readiness answers, one a second, while `outage` runs: the body, or `unreachable` for no answer in time. */
export async function watchReadiness(stack: FaultStack, outage: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  let done = false;
  const watching = (async () => {
    while (!done) {
      const { status, body } = await stack.readiness();
      seen.push(status === 'unreachable' ? status : body);
      await sleep(1_000);
    }
  })();
  try {
    await outage();
  } finally {
    done = true;
    await watching;
  }
  return seen;
}

/** The Temporal dev server away for `ms`, then started again on its file; readiness seen meanwhile. */
export function temporalOutage(stack: FaultStack, ms: number): Promise<unknown[]> {
  return watchReadiness(stack, async () => {
    await stack.stopTemporal();
    await sleep(ms);
    await stack.startTemporal();
  });
}

/** Postgres unreachable through the proxy for `ms`; readiness seen meanwhile. */
export function postgresCut(stack: FaultStack, ms: number): Promise<unknown[]> {
  return watchReadiness(stack, async () => {
    await stack.proxy.cut();
    await sleep(ms);
    await stack.proxy.restore();
  });
}

/** The embedded Postgres stopped, down for `ms`, and started again; readiness seen meanwhile. */
export function postgresRestart(stack: FaultStack, ms: number): Promise<unknown[]> {
  return watchReadiness(stack, () => stack.restartPostgres(ms));
}

/**
 * A WhatsApp storm for as long as `storming()` holds: 30 % of sends answer HTTP 500, and `bursts`
 * times a burst of rate limits (130429, then 131056 the next time), every other one with an answer
 * slower than the client's timeout. Few enough bursts that retries backing off outlast them.
 */
export async function whatsappStorm(
  stack: FaultStack,
  options: { bursts: number; everyMs: number; storming: () => boolean },
): Promise<void> {
  stack.fake.setStorm({ errorRate: 0.3, failure: SERVER_ERROR });
  try {
    for (let round = 0; round < options.bursts && options.storming(); round++) {
      await sleep(options.everyMs);
      stack.fake.failNext(3, round % 2 === 0 ? RATE_LIMIT : PAIR_RATE_LIMIT);
      if (round % 2 === 1) stack.fake.failNext(1, { delayMs: SLOWER_THAN_TIMEOUT_MS });
    }
    while (options.storming()) await sleep(200);
  } finally {
    stack.fake.setStorm(undefined);
  }
}

function statusesBody(items: Record<string, unknown>[]): string {
  return JSON.stringify(messagesWebhookBody('106000000000001', { statuses: items }));
}

/**
 * The status webhooks a confused or hostile sender posts for one accepted send, in order: read,
 * delivered and sent in one batch (backwards), that batch again, a delivered with a timestamp no clock
 * holds, a status name WhatsApp does not have, and statuses for ids nobody sent with an error code past
 * any integer column and a NUL as recipient.
 */
export function confusedStatuses(send: RecordedSend): string[] {
  const at = Math.floor(send.at / 1000);
  const of = (status: string, timestamp: unknown = String(at)) => ({
    id: send.waMessageId,
    status,
    timestamp,
    recipient_id: send.to,
  });
  const backwards = statusesBody([of('read'), of('delivered'), of('sent')]);
  const unknown = newWamid();
  return [
    backwards,
    backwards,
    statusesBody([of('delivered', '99999999999999999999')]),
    statusesBody([of('teleported')]),
    statusesBody([
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

/** Posts the confused statuses of every send from `from` on; returns how many sends it covered. */
export async function postConfusedStatuses(
  stack: FaultStack,
  from: number,
  answers: Map<number | 'unreachable', number>,
): Promise<number> {
  const sends = stack.fake.sends.slice(from);
  for (const send of sends) {
    for (const body of confusedStatuses(send)) {
      const status = await stack.postWebhook(body);
      answers.set(status, (answers.get(status) ?? 0) + 1);
    }
  }
  return from + sends.length;
}
