import { CAMPAIGN_CLASS, CAMPAIGN_PHONE_PREFIX, seedCampaignClass } from './campaign-seed';
import type { CampaignOptions } from './options';
import type { CampaignWatchReport, FromLoadGenerator } from './protocol';
import type { PhaseDriver } from './run-phases';
import type { BenchStack, Product } from './run-stack';

// The campaign group (`--only campaign`, issue 25): a class of students seeded straight into Postgres,
// the product's template catalogue listed from the Graph fake, then the usual conversations at 20/s
// alone (the baseline) and again while an admin sends a campaign to the whole class at 80/s through the
// real admin API. The load generator watches the campaign's sends at the Graph fake (campaign-watch.ts);
// this module times the campaign from the POST to its last send and to `done`, and checks that every
// student got it exactly once.

const TEMPLATE = { name: 'homework_reminder', language: 'en', parameters: { '1': '{first_name}', '2': 'Mathematics' } };
const POLL_MS = 1000;
const WARMUP_S = 10;

export interface CampaignResult {
  id: string;
  options: CampaignOptions;
  /** Students in the class, and the recipients the POST answered. */
  seeded: number;
  recipients: number;
  /** recipients / rate: what the campaign would take at exactly its rate. */
  idealS: number;
  postedAt: string;
  /** Seconds from the POST to the first and last send the Graph fake accepted, and to `done` (polled each second). */
  firstSendS: number | null;
  lastSendS: number | null;
  doneS: number | null;
  status: string;
  counts: Record<string, number>;
  failuresByCode: Record<string, number>;
  watch: CampaignWatchReport;
  exactlyOnce: boolean;
  /** The conversations' phases: without the campaign, and beside it (measured from the POST to `done`). */
  baselinePhase?: string;
  duringPhase: string;
}

export async function runCampaign(
  driver: Pick<PhaseDriver, 'runPhase'>,
  stack: BenchStack,
  product: Product,
  options: CampaignOptions,
  statuses: boolean,
  say: (line: string) => void,
): Promise<CampaignResult> {
  const admin = adminClient(product);
  const seeded = await seedCampaignClass(stack.postgres.url, options.recipients);
  say(`campaign: ${seeded} students seeded in ${CAMPAIGN_CLASS}; waiting for the template catalogue`);
  await until(async () => {
    const body = (await admin('GET', '/api/admin/templates')) as { templates?: { name: string }[] };
    return body.templates?.some((t) => t.name === TEMPLATE.name) === true;
  }, 60_000);
  const target = product.engineTarget;
  const rate = options.conversationRate;
  const open = (durationS: number) => ({ mode: 'open' as const, rate, durationS, warmupS: WARMUP_S, poisson: true });
  const pool = { conversations: Math.max(50, rate * 5) };
  let baselinePhase: string | undefined;
  if (options.baselineS > 0) {
    baselinePhase = `conversations@${rate}`;
    await driver.runPhase(baselinePhase, 'campaign', target, open(options.baselineS), pool);
  }

  stack.loadgen.send({
    type: 'campaign-watch',
    prefix: CAMPAIGN_PHONE_PREFIX,
    url: target.url,
    appSecret: target.appSecret,
    statuses,
  });
  const idealS = options.recipients / options.rate;
  // A cap only: the arrivals end when the campaign is done.
  const capS = Math.max(120, Math.ceil(idealS * 5));
  const duringPhase = `conversations@${rate}+campaign@${options.rate}`;
  const phase = driver.runPhase(duringPhase, 'campaign', target, open(capS), pool);
  // Awaited below; a failure meanwhile must not go unhandled.
  phase.catch(() => undefined);
  await sleep(WARMUP_S * 1000);
  const posted = Date.now();
  const created = (await admin('POST', '/api/admin/campaigns', {
    name: `bench ${options.recipients} at ${options.rate}/s`,
    template: TEMPLATE,
    audience: { class: CAMPAIGN_CLASS },
    ratePerSecond: options.rate,
  })) as { id?: string; recipients?: number };
  if (created.id === undefined) throw new Error(`the campaign was not created: ${JSON.stringify(created)}`);
  const id = created.id;
  say(`campaign ${id}: ${created.recipients} recipients at ${options.rate}/s (WHATSAPP_MPS ${options.mps})`);
  // The conversations stop at their cap; a campaign still running then is waited for (10 min more) and timed.
  const doneAt = await waitUntilDone(admin, id, posted + (capS + 600) * 1000, say);
  stack.loadgen.send({ type: 'end-arrivals' });
  await phase;

  // The statuses of the last sends are still being posted: wait for them before the final counts.
  let watch = await watchReport(stack);
  for (let i = 0; i < 60 && watch.statusPending > 0; i++) {
    await sleep(1000);
    watch = await watchReport(stack);
  }
  const final = (await admin('GET', `/api/admin/campaigns/${id}`)) as {
    status: string;
    counts: Record<string, number>;
    failuresByCode?: Record<string, number>;
  };
  const since = (at: number | null | undefined) => (at == null ? null : Math.round((at - posted) / 100) / 10);
  const recipients = created.recipients ?? 0;
  return {
    id,
    options,
    seeded,
    recipients,
    idealS,
    postedAt: new Date(posted).toISOString(),
    firstSendS: since(watch.firstAt),
    lastSendS: since(watch.lastAt),
    doneS: since(doneAt),
    status: final.status,
    counts: final.counts,
    failuresByCode: final.failuresByCode ?? {},
    watch,
    exactlyOnce: watch.recipients === recipients && watch.duplicates === 0,
    ...(baselinePhase === undefined ? {} : { baselinePhase }),
    duringPhase,
  };
}

/** Polls the campaign each second until it is done (or cancelled) or `deadline`; when, or undefined. */
async function waitUntilDone(
  admin: ReturnType<typeof adminClient>,
  id: string,
  deadline: number,
  say: (line: string) => void,
): Promise<number | undefined> {
  let lastSaid = Date.now();
  while (Date.now() < deadline) {
    const body = (await admin('GET', `/api/admin/campaigns/${id}`).catch(() => ({}))) as {
      status?: string;
      counts?: Record<string, number>;
    };
    if (body.status === 'done' || body.status === 'cancelled') return Date.now();
    if (Date.now() - lastSaid >= 10_000) {
      lastSaid = Date.now();
      say(`campaign ${id}: ${body.status ?? 'not answered'}, ${JSON.stringify(body.counts ?? {})}`);
    }
    await sleep(POLL_MS);
  }
  say(`campaign ${id}: not done by its deadline; the figures are of what it sent`);
  return undefined;
}

function watchReport(stack: BenchStack): Promise<CampaignWatchReport> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the load generator did not report the campaign')), 10_000);
    const onMessage = (m: FromLoadGenerator): void => {
      if (m.type !== 'campaign-report') return;
      clearTimeout(timer);
      stack.loadgen.child.child.off('message', onMessage);
      resolve(m.report);
    };
    stack.loadgen.child.child.on('message', onMessage);
    stack.loadgen.send({ type: 'campaign-report' });
  });
}

/** The admin API as an admin calls it; the answer's JSON, whatever its status (callers check the shape). */
function adminClient(product: Product): (method: string, route: string, body?: unknown) => Promise<unknown> {
  const { adminUrl, adminToken } = product.engineTarget;
  return async (method, route, body) => {
    const answer = await fetch(`${adminUrl}${route}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(30_000),
    });
    return await answer.json();
  };
}

async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`gave up after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(POLL_MS);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
