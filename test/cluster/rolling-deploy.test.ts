import path from 'node:path';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import type { ProductProcess } from '../../tools/cluster/product-processes';
import { conversationSettings } from '../../src/config';
import { DEV_SERVER_DYNAMIC_CONFIG } from '../../tools/embedded/temporal-dev-config';
import { bundleBuildId } from '../../src/temporal/deployment';
import { drainVersion, listVersions, waitUntilDrained, type VersionReport } from '../../src/temporal/versions';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import { expectExactLedger, NO_TIMERS, postRound, script, workflowIdOf, type Plan } from '../helpers/cluster-load';
import { newPhone } from '../helpers/fixtures';
import { ScriptedUser } from '../helpers/scripted-user';
import { REPO_ROOT } from '../helpers/spawn';
import { variantDist } from '../helpers/variant-dist';
import { sleep, waitFor } from '../helpers/wait';

// A rolling deploy on the cluster, under the scripted load (SPEC §9, "Deploys need no patches"): two
// workers of build A (dist/) serve the load; two workers of build B (the variant bundle: one extra timer
// per signal, so neither build replays the other's histories) start and make B current; the operator
// drains A, waits until Temporal reports it drained, and only then stops A's workers; the load goes on
// through all of it. Half the users fall quiet before B starts, so only the drain can move them.

const { WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND } = temporal.api.enums.v1.WorkflowTaskFailedCause;

/** The one-machine drainage timing (seconds, not Temporal's 3 + 3 minutes): the test waits on it. */
const DRAINAGE = Object.fromEntries(
  Object.entries(DEV_SERVER_DYNAMIC_CONFIG).filter(([key]) => key.startsWith('matching.wv.VersionDrainageStatus')),
);

let t: TestCluster;
let variant: Awaited<ReturnType<typeof variantDist>> | undefined;

beforeAll(async () => {
  variant = await variantDist();
  t = await startTestCluster({ env: NO_TIMERS, dynamicConfig: DRAINAGE });
}, 240_000);

afterAll(async () => {
  await t?.stop();
  variant?.remove();
}, 120_000);

const LOAD_USERS = 16;
/** The rounds quiet users skip: B starts (2), busy runs move (3), A is drained and stopped (4, 5). */
const QUIET_ROUNDS = 4;

interface Run {
  /** The builds whose workers completed the run's workflow tasks. */
  builds: string[];
  /** The pids of the workers that took its workflow tasks. */
  pids: string[];
  /** Failed workflow tasks other than a signal arriving during the task (UNHANDLED_COMMAND, retried at once). */
  failures: string[];
  /** When its last workflow task completed. */
  lastTaskAt: number;
}

/** Every run of a conversation, first to last, followed back through continue-as-new from the latest. */
async function runsOf(workflowId: string): Promise<Run[]> {
  const runs: Run[] = [];
  let runId: string | undefined = (await t.client.workflow.getHandle(workflowId).describe()).runId;
  while (runId !== undefined) {
    const history: temporal.api.history.v1.IHistory = await t.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    const builds = new Set<string>();
    const pids = new Set<string>();
    const failures: string[] = [];
    let lastTaskAt = 0;
    for (const event of events) {
      const completed = event.workflowTaskCompletedEventAttributes;
      if (completed) {
        builds.add(completed.deploymentVersion?.buildId ?? '(none)');
        lastTaskAt = Math.max(lastTaskAt, optionalTsToMs(event.eventTime) ?? 0);
      }
      const pid = event.workflowTaskStartedEventAttributes?.identity?.split('@')[0];
      if (pid) pids.add(pid);
      const failed = event.workflowTaskFailedEventAttributes;
      if (failed && failed.cause !== WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND)
        failures.push(`${failed.cause}: ${failed.failure?.message}`);
    }
    runs.unshift({ builds: [...builds], pids: [...pids], failures, lastTaskAt });
    runId = events[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  }
  return runs;
}

/** The version of the conversation's latest run, as Temporal reports it. */
async function buildOf(user: ScriptedUser): Promise<string | undefined> {
  const { raw } = await t.client.workflow.getHandle(await workflowIdOf(t, user)).describe();
  return raw.workflowExecutionInfo?.versioningInfo?.deploymentVersion?.buildId ?? undefined;
}

/** Waits until every user's latest run has completed a workflow task on `buildId`. */
function allOn(users: ScriptedUser[], buildId: string, what: string): Promise<true> {
  return waitFor(async () => (await Promise.all(users.map(buildOf))).every((b) => b === buildId), what, 30_000);
}

const statusOf = (versions: VersionReport[], buildId: string) => versions.find((v) => v.buildId === buildId)?.status;

describe('a rolling deploy on the Temporal cluster', () => {
  it('moves every conversation from two workers of A to two of B under load; A stops once drained; the ledger stays exact', async () => {
    const started = Date.now();
    const buildA = bundleBuildId({ codePath: path.join(REPO_ROOT, 'dist', 'workflow-bundle.js') });
    const buildB = bundleBuildId({ codePath: path.join(variant!.dir, 'workflow-bundle.js') });
    expect(buildB).not.toBe(buildA);

    const settings = conversationSettings(t.config);
    const now = Math.floor(Date.now() / 1000);
    const users = Array.from({ length: LOAD_USERS }, () => new ScriptedUser(newPhone(), settings, now));
    // A registering and a chatting user in every four fall quiet after their first two messages.
    const isQuiet = (i: number) => i % 4 < 2;
    const quiet = users.filter((_, i) => isQuiet(i));
    const busy = users.filter((_, i) => !isQuiet(i));
    const plans: Plan[] = users.map((user, i) => {
      const steps = script(user, i);
      return isQuiet(i) ? [...steps.slice(0, 2), ...Array<undefined>(QUIET_ROUNDS), ...steps.slice(2)] : steps;
    });
    const accepted = new Set<string>();
    const workersA = [...t.cluster.workers];
    const pidsA = workersA.map((w) => w.pid);
    let workersB: ProductProcess[] = [];
    const figures = { bCurrentMs: 0, woken: 0, drainedMs: 0, stoppedAfterDrainedMs: 0 };
    let drainedAt = 0;
    let aStoppedAt = 0;

    const startB = async () => {
      const at = Date.now();
      workersB = await Promise.all([1, 2].map(() => t.cluster.startWorker({ dist: variant!.dir })));
      await waitFor(
        async () => {
          const versions = await listVersions(t.client);
          return statusOf(versions, buildB) === 'current' && statusOf(versions, buildA) === 'draining';
        },
        'B current and A draining',
        60_000,
      );
      figures.bCurrentMs = Date.now() - at;
    };
    const drainA = async () => {
      const at = Date.now();
      figures.woken = await drainVersion(t.client, buildA);
      await waitUntilDrained(t.client, buildA, { timeoutMs: 120_000, intervalMs: 500 });
      drainedAt = Date.now();
      figures.drainedMs = drainedAt - at;
      // What the operator sees before stopping A: nothing left on it.
      const versions = await listVersions(t.client);
      expect(versions.find((v) => v.buildId === buildA)).toMatchObject({ status: 'drained', openRuns: 0 });
      await Promise.all(workersA.map((w) => w.stop()));
      aStoppedAt = Date.now();
      figures.stoppedAfterDrainedMs = aStoppedAt - drainedAt;
    };

    const rounds = Math.max(...plans.map((p) => p.length));
    let draining: Promise<void> | undefined;
    for (let round = 0; round < rounds; round++) {
      if (round === 2 + QUIET_ROUNDS) {
        await draining;
        // A drained and its workers gone before the quiet users speak again: the drain moved them.
        expect(workersA.some((w) => w.running())).toBe(false);
        await allOn(quiet, buildB, 'every quiet conversation on B');
      }
      const posting = postRound(t, users, plans, round, accepted);
      if (round === 2) await startB();
      if (round === 4) {
        // The busy users go on posting while Temporal works out that A is drained.
        draining = drainA();
        draining.catch(() => undefined);
      }
      await posting;
      if (round === 0) await Promise.all(users.map((u) => workflowIdOf(t, u)));
      if (round === 1) await allOn(users, buildA, 'every conversation on A');
      // Their first message since B became current, handled on A, and the run moves on at its idle point.
      if (round === 3) await allOn(busy, buildB, 'every busy conversation on B');
      await sleep(1_000);
    }
    // The drain found only the quiet users' runs on A: the busy ones had moved by themselves.
    expect(figures.woken).toBe(quiet.length);
    expect(users.filter((u) => u.flow.name === 'REGISTERED' && u.flow.registered)).toHaveLength(LOAD_USERS / 2);

    await expectExactLedger(t, users, plans, accepted);

    const runs = await Promise.all(users.map(async (u) => runsOf(await workflowIdOf(t, u))));
    // Each run on one build; each conversation's runs on A, then on B, its last run on B.
    const paths = runs.map((r) => r.map((run) => run.builds.join('+')).filter((b, i, all) => b !== all[i - 1]));
    expect(paths).toEqual(users.map(() => [buildA, buildB]));
    expect(runs.flat().flatMap((run) => run.failures)).toEqual([]);
    // A's workers served none after they stopped, and stopped only once A was drained.
    const lastOnA = Math.max(...runs.flat().flatMap((run) => (run.builds.includes(buildA) ? [run.lastTaskAt] : [])));
    expect(lastOnA).toBeLessThanOrEqual(drainedAt);
    expect(drainedAt).toBeGreaterThan(0);
    expect(aStoppedAt).toBeGreaterThanOrEqual(drainedAt);
    // Every worker of both builds took tasks.
    const pids = new Set(runs.flat().flatMap((run) => run.pids));
    const workerPids = [...pidsA, ...workersB.map((w) => w.pid)].map(String);
    expect(workerPids.filter((pid) => pids.has(pid))).toEqual(workerPids);
    expect(workersB.every((w) => w.running())).toBe(true);

    const moved = runs.filter((r) => r.length >= 2).length;
    process.stderr.write(
      `rolling deploy: ${JSON.stringify({
        buildA,
        buildB,
        conversations: users.length,
        moved,
        movedAtNextMessage: busy.length,
        runs: runs.reduce((n, r) => n + r.length, 0),
        ...figures,
        totalMs: Date.now() - started,
      })}\n`,
    );
  }, 420_000);
});
