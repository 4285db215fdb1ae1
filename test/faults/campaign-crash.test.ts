import fs from 'node:fs';
import path from 'node:path';
import { graphError } from '../../tools/sandbox/graph-fake-http';
import { THROUGHPUT_LIMIT_CODE } from '../../tools/sandbox/graph-fake-throughput';
import { busiestWindow } from '../../tools/bench/stats';
import { crashFigures, feedStatuses, killInSendGap, seedStudents } from '../helpers/campaigns';
import { textWebhook } from '../helpers/fixtures';
import { sleep, waitFor } from '../helpers/wait';
import { startFaultStack, type FaultStack } from './fault-stack';
import { resultsDir } from './results-dir';
import { CAMPAIGN, FULL } from './mode';

// Issue 25's campaign under faults, through the product's own processes: 2,000 students, 50 of whom
// wrote STOP through the webhook first, get a template at 40 a second while the worker is SIGKILLed
// three times (each kill aimed into a send's gap: WhatsApp accepted it, the sender never heard), the
// server once (Meta's status webhooks meanwhile get no answer and are posted again, as Meta retries
// them), and WhatsApp refuses every send with 130429 for a few seconds. Each student gets it exactly
// once, the 50 nothing, and no second of the fake's log holds more than the rate (beyond the
// tolerance below). Meta's `sent` statuses, echoing each send's biz_opaque_callback_data, are played
// by `feedStatuses`: they are what stores the wamid of a send whose sender was killed in the gap.

const RATE = 40;
const STOPPED = 50;
const TEMPLATE = 'homework_reminder';
/** How long WhatsApp refuses every send with 130429. */
const BURST_MS = 3_000;
const THROUGHPUT_REFUSAL = {
  status: 429,
  body: graphError(THROUGHPUT_LIMIT_CODE, 'Rate limit hit', 'Cloud API message throughput has been reached.'),
};
// The campaign paces its requests as they leave the worker (no 1-second window of departures holds
// more than RATE, the last second's sends read back from Postgres after a restart); the fake stamps
// them as they arrive. Between the two lie the HTTP client and two event loops on a 2-core machine
// that also runs the server, Postgres, Temporal and this test, so one request can arrive tens of
// milliseconds later than its neighbour and a window at the fake can hold a send or two more than any
// window at the sender (measured: 42 in three runs of three; 44 in two runs before the activity kept half
// a slot between sends). No bot replies share the budget here (the STOP answers went before the start),
// and no restart can free a slot early: a killed worker's slice is taken up only after its 10 s heartbeat.
// One more than the highest measured (on a machine at load 25), still below the 44 of the fault it found.
const RATE_TOLERANCE = 3;

let stack: FaultStack;
beforeAll(async () => {
  stack = await startFaultStack({
    // The server lists the fake's templates into Postgres when it starts, as production does.
    env: { WHATSAPP_BUSINESS_ACCOUNT_ID: '102000000000001' },
    metaStatuses: false,
  });
}, 120_000);
afterAll(() => stack?.stop(), 60_000);

/** Posts a webhook until the server answers 200, as Meta redelivers. */
async function deliver(body: string): Promise<void> {
  await waitFor(async () => (await stack.postWebhook(body)) === 200, 'a webhook taken', 60_000);
}

test(
  `a campaign to ${CAMPAIGN.students} students at ${RATE}/s: the worker SIGKILLed 3 times, the server once, a 130429 burst; each student gets it once, STOP nobody`,
  async () => {
    const students = await seedStudents(stack.db, CAMPAIGN.students, { className: 'Faults' });
    const stopping = students.slice(0, STOPPED);
    let statusRetries = 0;
    const statuses = feedStatuses(stack.fake, async (body) => {
      const status = await stack.postWebhook(body);
      if (status !== 200) statusRetries += 1;
      return status;
    });

    // STOP through the real webhook, and every one of them stored, before the campaign is created.
    await Promise.all(stopping.map((s) => deliver(textWebhook(s.phone, 'STOP').body)));
    const ids = stopping.map((s) => s.contactId);
    await waitFor(
      async () => {
        const { rows } = await stack.db.query<{ n: string }>(
          'select count(*) as n from conversations where contact_id = any($1) and campaign_opted_out_at is not null',
          [ids],
        );
        return Number(rows[0]!.n) === STOPPED;
      },
      'the STOPs stored',
      60_000,
    );
    await stack.fake.waitFor(() => stack.fake.sends.length >= STOPPED, 60_000, 'the STOPs answered');
    const campaignSends = () =>
      stack.fake.sends.filter((s) => s.content.kind === 'template' && s.content.name === TEMPLATE);

    const started = Date.now();
    const created = await waitFor(
      async () => {
        const answer = await stack.admin('POST', '/api/admin/campaigns', {
          name: 'faults',
          template: { name: TEMPLATE, language: 'en', parameters: { '1': '{first_name}', '2': 'Physics' } },
          audience: { class: 'Faults' },
          ratePerSecond: RATE,
        });
        // The server may still be listing the templates it found at its start.
        return answer.status === 201 ? (answer.body as { id: string; recipients: number }) : undefined;
      },
      'the campaign created',
      30_000,
    );
    const recipients = CAMPAIGN.students - STOPPED;
    expect(created.recipients).toBe(recipients);

    // The faults, each once the campaign has sent a share of its recipients (and a little more, at random).
    const at = async (share: number) => {
      const target = Math.floor(share * recipients + Math.random() * 50);
      await stack.fake.waitFor(() => campaignSends().length >= target, 180_000, `${target} campaign sends`);
    };
    const killWorker = async () => {
      await killInSendGap(stack.fake, () => stack.worker.kill('SIGKILL'));
      await stack.worker.start();
    };
    const log: string[] = [];
    const note = (what: string) => log.push(`${what} at ${campaignSends().length} sends, ${Date.now() - started} ms`);
    await at(0.12);
    await killWorker();
    note('worker killed');
    await at(0.3);
    await stack.server.kill('SIGKILL');
    await stack.server.start();
    note('server killed');
    await at(0.42);
    await killWorker();
    note('worker killed');
    await at(0.58);
    stack.fake.setStorm({ errorRate: 1, failure: THROUGHPUT_REFUSAL });
    await sleep(BURST_MS);
    stack.fake.setStorm(undefined);
    note('130429 burst');
    await at(0.72);
    await killWorker();
    note('worker killed');
    const killedAt = campaignSends().length;
    expect(killedAt).toBeLessThan(recipients);

    const done = await waitFor(
      async () => {
        const { status, body } = await stack.admin('GET', `/api/admin/campaigns/${created.id}`);
        const campaign = body as { status: string; counts: Record<string, number> };
        return status === 200 && campaign.status === 'done' ? campaign : undefined;
      },
      'the campaign done',
      240_000,
    );
    const seconds = (Date.now() - started) / 1000;
    await stack.fake.waitFor(() => statuses.fed === stack.fake.sends.length, 30_000, 'every status posted');
    await statuses.stop();
    expect(done.counts).toMatchObject({ queued: 0, sent: recipients, failed: 0, skipped: 0 });

    // The figures first, so a failure below still shows them; the times (ms from the campaign's
    // creation, no numbers) go to the fault results folder for a closer look.
    const sends = campaignSends();
    const perStudent = new Map<string, number>();
    for (const send of sends) perStudent.set(send.to, (perStudent.get(send.to) ?? 0) + 1);
    const requests = stack.fake.attempts.filter((a) => a.at >= started);
    const refused = requests.filter((a) => a.outcome === 'failed' && a.code === THROUGHPUT_LIMIT_CODE);
    const busiest = busiestWindow(sends.map((s) => s.at));
    const busiestRequests = busiestWindow(requests.map((a) => a.at));
    const { claimedAgain, rescued } = await crashFigures(stack.db, created.id);
    const figures = [
      `campaign fault test (${FULL ? 'full' : 'short'}): ${recipients} recipients in ${seconds.toFixed(1)} s`,
      ...log,
      `busiest second: ${busiest} accepted sends, ${busiestRequests} send requests (rate ${RATE})`,
      `${refused.length} send(s) refused with 130429, ${claimedAgain} recipient(s) claimed again`,
      `${rescued} wamid(s) stored by a status, ${statusRetries} status post(s) posted again`,
    ];
    console.warn(figures.join('\n'));
    fs.writeFileSync(
      path.join(resultsDir(), 'campaign-crash.json'),
      `${JSON.stringify({ figures, sends: sends.map((s) => s.at - started), requests: requests.map((a) => ({ ...a, to: undefined, at: a.at - started })) })}\n`,
    );

    // 1. Every student who did not STOP got it exactly once; 4. those who did got nothing, and have no recipient row.
    expect(students.slice(STOPPED).filter((s) => perStudent.get(s.phone) !== 1)).toEqual([]);
    expect(stopping.filter((s) => perStudent.has(s.phone))).toEqual([]);
    expect(sends).toHaveLength(recipients);
    const rows = await stack.db.query(
      'select 1 from campaign_recipients where campaign_id = $1 and contact_id = any($2)',
      [created.id, ids],
    );
    expect(rows.rowCount).toBe(0);

    // 2. No 1-second window of accepted sends above the rate, beyond the tolerance.
    expect(busiest).toBeLessThanOrEqual(RATE + RATE_TOLERANCE);

    // 3. The burst was met and absorbed: its refused students got it once all the same.
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.filter((a) => perStudent.get(a.to!) !== 1)).toEqual([]);

    // The server's kill hit the statuses, and each kill of the worker landed in a send's gap.
    expect(statusRetries).toBeGreaterThan(0);
    expect(rescued).toBeGreaterThanOrEqual(3);
  },
  CAMPAIGN.timeoutMs,
);
