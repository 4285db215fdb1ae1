import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/spawn';
import { variantDist } from '../helpers/variant-dist';
import { sleep } from '../helpers/wait';
import { startFaultStack, type FaultStack } from './fault-stack';
import {
  deploy,
  killServer,
  killWorker,
  postConfusedStatuses,
  postgresCut,
  postgresRestart,
  temporalOutage,
  whatsappStorm,
} from './faults';
import { checkLedger, type Ledger } from './ledger';
import { createUsers, newRecord, runLoad, sayFinalHi, type FaultUser } from './load';

// The soak (`npm run soak -- --minutes 30`): a steady, moderate load of new conversations for the
// whole time while the faults of the suite come one after another on a schedule (a deploy of another
// build, worker and server killed, Temporal and Postgres away, Postgres restarted, a WhatsApp storm,
// confused statuses). At
// the end the ledger over every conversation, and the processes' memory (RSS) every 10 s, are
// written to test/faults/results/soak.json; RELIABILITY.md carries the last figures.

const MINUTES = Number(process.env.SOAK_MINUTES ?? '30');
/** A wave of conversations starts this often; each lasts about half a minute. */
const WAVE_EVERY_MS = 15_000;
const WAVE_SIZE = 4;
const PACE_MS = 1_000;
/** A fault every so often, in the order of SCHEDULE. */
const FAULT_EVERY_MS = 60_000;
const OUTAGE_MS = 20_000;
const RESULTS = path.resolve(__dirname, 'results/soak.json');

let stack: FaultStack;
let variant: Awaited<ReturnType<typeof variantDist>> | undefined;
beforeAll(async () => {
  variant = await variantDist();
  stack = await startFaultStack({ postgres: 'embedded' });
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  variant?.remove();
}, 120_000);

interface FaultRun {
  fault: string;
  at: string;
  seconds: number;
  note?: unknown;
}

type Fault = (stack: FaultStack, record: ReturnType<typeof newRecord>, crashes: number[]) => Promise<unknown>;

let deploys = 0;
/** Deploys the other build each time: the variant (one extra timer per signal), then the product's dist/ again. */
const deployNext: Fault = (s) => deploy(s, ++deploys % 2 === 1 ? variant!.dir : path.join(REPO_ROOT, 'dist'));

const SCHEDULE: [string, Fault][] = [
  ['deploy', deployNext],
  ['worker-kill', async (s, _, crashes) => crashes.push(await killWorker(s))],
  ['server-kill', (s, record) => killServer(s, record)],
  ['temporal-outage', (s) => temporalOutage(s, OUTAGE_MS)],
  ['postgres-cut', (s) => postgresCut(s, OUTAGE_MS)],
  ['whatsapp-storm', stormFor(45_000)],
  ['postgres-restart', (s) => postgresRestart(s, 5_000)],
  ['confused-statuses', confusedStatusesFor(30_000)],
];

function stormFor(ms: number): Fault {
  return (s) => {
    const until = Date.now() + ms;
    return whatsappStorm(s, { bursts: 2, everyMs: 10_000, storming: () => Date.now() < until });
  };
}

function confusedStatusesFor(ms: number): Fault {
  return async (s) => {
    const answers = new Map<number | 'unreachable', number>();
    let posted = s.fake.sends.length;
    for (const until = Date.now() + ms; Date.now() < until; await sleep(1_000))
      posted = await postConfusedStatuses(s, posted, answers);
    return Object.fromEntries(answers);
  };
}

interface MemorySample {
  at: string;
  rssMb: Record<string, number | undefined>;
}

function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Math.round(Number(kb) / 1024);
  } catch {
    return undefined;
  }
}

test(
  `soak: ${MINUTES} minutes of steady load with the faults on a schedule`,
  async () => {
    const started = Date.now();
    const until = started + MINUTES * 60_000;
    const record = newRecord();
    const users: FaultUser[] = [];
    const crashes: number[] = [];
    const faults: FaultRun[] = [];
    const memory: MemorySample[] = [];
    const loadErrors: string[] = [];

    const sampling = setInterval(() => {
      memory.push({
        at: new Date().toISOString(),
        rssMb: {
          server: rssMb(stack.server.pid),
          worker: rssMb(stack.worker.pid),
          temporal: rssMb(stack.temporalPid()),
        },
      });
    }, 10_000);
    const waves: Promise<void>[] = [];
    const loading = (async () => {
      while (Date.now() < until) {
        const wave = createUsers(stack.settings, WAVE_SIZE);
        users.push(...wave);
        waves.push(
          runLoad(stack, wave, { paceMs: PACE_MS }, record).catch((error: unknown) => {
            loadErrors.push(error instanceof Error ? error.message : String(error));
          }),
        );
        await sleep(WAVE_EVERY_MS);
      }
    })();
    const injecting = (async () => {
      for (let i = 0; ; i++) {
        await sleep(FAULT_EVERY_MS / 2 + Math.random() * (FAULT_EVERY_MS / 2));
        if (Date.now() > until - 30_000) return;
        const [name, fault] = SCHEDULE[i % SCHEDULE.length]!;
        const at = Date.now();
        const note = await fault(stack, record, crashes);
        faults.push({ fault: name, at: new Date(at).toISOString(), seconds: (Date.now() - at) / 1000, note });
      }
    })();

    let ledger: Ledger | undefined;
    try {
      await Promise.all([loading, injecting]);
      await Promise.all(waves);
      await sayFinalHi(stack, users, record);
      ledger = await checkLedger(stack, 'soak', users, { crashes, record, settleMs: 300_000 });
    } finally {
      clearInterval(sampling);
      const peak = (role: string) => Math.max(0, ...memory.map((m) => m.rssMb[role] ?? 0));
      const result = {
        minutes: MINUTES,
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date().toISOString(),
        command: `npm run soak -- --minutes ${MINUTES}`,
        load: { waveEveryMs: WAVE_EVERY_MS, waveSize: WAVE_SIZE, paceMs: PACE_MS },
        faultsInjected: faults.length,
        faults,
        loadErrors,
        ledger,
        memory: {
          firstMb: memory[0]?.rssMb,
          lastMb: memory.at(-1)?.rssMb,
          peakMb: { server: peak('server'), worker: peak('worker'), temporal: peak('temporal') },
          samples: memory,
        },
      };
      fs.mkdirSync(path.dirname(RESULTS), { recursive: true });
      // Plain JSON: prettier cannot be loaded inside jest (it imports itself dynamically), and the
      // results folder is recorded data the format check leaves alone.
      fs.writeFileSync(RESULTS, JSON.stringify(result, null, 2) + '\n');
      process.stderr.write(`soak results: ${RESULTS}\n`);
    }
    expect(loadErrors).toEqual([]);
    expect(ledger.problems).toEqual([]);
    expect(ledger.finalHiAnswered).toBe(users.length);
  },
  (MINUTES + 20) * 60_000,
);
