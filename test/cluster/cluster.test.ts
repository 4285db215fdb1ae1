import fs from 'node:fs';
import path from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { ProductProcess } from '../../tools/cluster/product-processes';
import { conversationSettings } from '../../src/config';
import { requirePayloadKeys, temporalDataConverter } from '../../src/temporal/connect';
import { CONVERSATION_STATE, LAST_INBOUND_AT, REGISTERED } from '../../workflows/search-attributes';
import { startTestCluster, type TestCluster } from '../helpers/cluster';
import {
  deliver,
  expectExactLedger,
  fullName,
  NO_TIMERS,
  postRound,
  script,
  workflowIdOf,
} from '../helpers/cluster-load';
import { newPhone } from '../helpers/fixtures';
import { ScriptedUser } from '../helpers/scripted-user';
import { REPO_ROOT } from '../helpers/spawn';
import { sleep, waitFor } from '../helpers/wait';

// The product as production runs it: Temporal's own server (four services, one process each, four
// history shards, Postgres persistence and visibility), two start:server and two start:worker
// processes. A scripted load goes through both servers while a worker is killed and started again;
// then the ledger, the visibility queries and the replay of the recorded histories are checked.

let t: TestCluster;

beforeAll(async () => {
  t = await startTestCluster({ env: NO_TIMERS });
}, 240_000);

afterAll(() => t?.stop(), 120_000);

const LOAD_USERS = 16;
/** Every conversation the test started: visibility must list them and no other. */
const everyone: ScriptedUser[] = [];
/** WhatsApp time (seconds) just before the load's first message. */
let loadStart = 0;

/**
 * Kills `worker` while the emulator holds sends open, unanswered: its sends in flight are then lost
 * before WhatsApp accepted them, and are sent again by the other worker. (A crash between WhatsApp's
 * answer and the stored wamid is the one gap the Graph API leaves open; the wait keeps it out.)
 */
async function crash(worker: ProductProcess): Promise<void> {
  const emulator = t.cluster.emulator;
  emulator.pauseSends();
  try {
    await emulator.waitForHeldSend(30_000);
    await sleep(500);
    await worker.kill('SIGKILL');
    // The emulator learns that the killed worker's connections closed a moment after the process
    // exits; answering its held sends before that would count them as delivered to nobody.
    await sleep(500);
  } finally {
    emulator.resumeSends();
  }
}

describe('the product on a Temporal cluster with two servers and two workers', () => {
  it('runs a scripted load over both servers through a worker crash: every message stored once, every reply sent once, in order', async () => {
    const settings = conversationSettings(t.config);
    loadStart = Math.floor(Date.now() / 1000);
    const users = Array.from({ length: LOAD_USERS }, () => new ScriptedUser(newPhone(), settings, loadStart));
    everyone.push(...users);
    const plans = users.map(script);
    const accepted = new Set<string>();
    const [killed, survivor] = t.cluster.workers as [ProductProcess, ProductProcess];
    const killedPid = killed.pid;

    const rounds = Math.max(...plans.map((p) => p.length));
    for (let round = 0; round < rounds; round++) {
      const posting = postRound(t, users, plans, round, accepted);
      if (round === 2) await crash(killed);
      await posting;
      // Each user's contact exists once a first message was accepted: the shadow flows learn its id.
      if (round === 0) await Promise.all(users.map((u) => workflowIdOf(t, u)));
      if (round === 4) await killed.start();
      await sleep(1_000);
    }
    expect(killed.running()).toBe(true);
    expect(survivor.running()).toBe(true);
    expect(users.filter((u) => u.flow.name === 'REGISTERED' && u.flow.registered)).toHaveLength(LOAD_USERS / 2);

    await expectExactLedger(t, users, plans, accepted);

    // Both workers ran conversations, and those the killed one held went on in another process.
    const byConversation = await Promise.all(
      users.map(async (user) => {
        const history = await t.client.workflow.getHandle(await workflowIdOf(t, user)).fetchHistory();
        const pids = (history.events ?? []).flatMap(
          (e) => e.workflowTaskStartedEventAttributes?.identity?.split('@')[0] ?? [],
        );
        return new Set(pids);
      }),
    );
    expect(byConversation.some((pids) => pids.has(String(killedPid)))).toBe(true);
    expect(byConversation.some((pids) => pids.has(String(survivor.pid)))).toBe(true);
    expect(byConversation.some((pids) => pids.has(String(killedPid)) && pids.size > 1)).toBe(true);
  }, 420_000);

  it('finds exactly the right conversations by ConversationState, Registered and LastInboundAt', async () => {
    const settings = conversationSettings(t.config);
    // Message times days apart per group, within the 30 days WhatsApp's timestamps are believed.
    const day = 86_400;
    const now = Math.floor(Date.now() / 1000);
    const groups = {
      registered: { base: now - 3 * day, users: [] as ScriptedUser[] },
      idle: { base: now - 2 * day, users: [] as ScriptedUser[] },
      registering: { base: now - day, users: [] as ScriptedUser[] },
    };
    for (const [name, group] of Object.entries(groups)) {
      for (let i = 0; i < 3; i++) {
        const user = new ScriptedUser(newPhone(), settings, group.base + i * 60);
        const steps = [user.webhook(user.text('hi'))];
        if (name !== 'idle') steps.push(user.webhook(user.tap('register')));
        if (name === 'registered') {
          steps.push(user.webhook(user.text(fullName(user.phone))));
          steps.push(user.webhook(user.text(`s${user.phone}@example.com`)));
          steps.push(user.webhook(user.text('Grade 10')));
        }
        for (const [k, step] of steps.entries()) {
          await deliver(t, step, k % 2, new Set());
          if (k === 0) await workflowIdOf(t, user);
        }
        group.users.push(user);
      }
    }
    everyone.push(...Object.values(groups).flatMap((g) => g.users));
    expect(groups.registered.users.every((u) => u.flow.name === 'REGISTERED' && u.flow.registered)).toBe(true);
    expect(groups.registering.users.every((u) => u.flow.name === 'REGISTERING_NAME')).toBe(true);

    const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
    const workflowIds = new Map<ScriptedUser, string>();
    for (const user of everyone) workflowIds.set(user, await workflowIdOf(t, user));
    const ids = (users: ScriptedUser[]) => users.map((u) => workflowIds.get(u)!).sort();
    const inGroup = (g: { base: number }) =>
      `LastInboundAt >= "${iso(g.base)}" AND LastInboundAt < "${iso(g.base + 3_600)}"`;
    const old = `LastInboundAt < "${iso(now - day / 2)}"`;
    const load = everyone.slice(0, LOAD_USERS);
    const cases: [string, string[]][] = [
      [`ConversationState = "REGISTERED" AND ${old}`, ids(groups.registered.users)],
      [`Registered = false AND ${old}`, ids([...groups.idle.users, ...groups.registering.users])],
      [inGroup(groups.idle), ids(groups.idle.users)],
      [`ConversationState = "REGISTERING_NAME" AND Registered = false`, ids(groups.registering.users)],
      // The load's conversations too: the cluster holds nothing else.
      [`ConversationState = "REGISTERED"`, ids(everyone.filter((u) => u.flow.name === 'REGISTERED'))],
      [
        `ConversationState = "IDLE" AND LastInboundAt >= "${iso(loadStart)}"`,
        ids(load.filter((u) => u.flow.name === 'IDLE')),
      ],
    ];
    for (const [query, expected] of cases) {
      expect(expected.length).toBeGreaterThan(0);
      // Visibility is written after the workflow task: poll until it shows, or the deadline passes.
      await waitFor(
        async () => {
          const found: string[] = [];
          for await (const execution of t.client.workflow.list({ query })) found.push(execution.workflowId);
          return JSON.stringify(found.sort()) === JSON.stringify(expected);
        },
        `visibility to list exactly ${expected.length} conversations for ${query}`,
        30_000,
      ).catch(async (error: unknown) => {
        const shown = await Promise.all(
          expected.map(async (id) => {
            const { typedSearchAttributes: a } = await t.client.workflow.getHandle(id).describe();
            return `${id}: ${a.get(CONVERSATION_STATE)} ${a.get(REGISTERED)} ${a.get(LAST_INBOUND_AT)?.toISOString()}`;
          }),
        );
        throw new Error(`${String(error)}\nexpected:\n${shown.join('\n')}`);
      });
    }
  }, 180_000);

  it('replays every history recorded on the cluster with the workflow bundle the workers ran', async () => {
    expect(everyone.length).toBeGreaterThan(LOAD_USERS);
    const histories: HistoryAndWorkflowId[] = [];
    for (const user of everyone) {
      const workflowId = await workflowIdOf(t, user);
      // A closed history ends where the workflow stopped, with no task in flight.
      await t.client.workflow.getHandle(workflowId).terminate('recorded for replay');
      for await (const run of t.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
        histories.push({
          workflowId,
          history: await t.client.workflow.getHandle(workflowId, run.runId).fetchHistory(),
        });
      }
    }
    expect(histories.length).toBeGreaterThanOrEqual(everyone.length);
    const bundle = { codePath: path.join(REPO_ROOT, 'dist/workflow-bundle.js') };
    expect(fs.existsSync(bundle.codePath)).toBe(true);
    const errors: unknown[] = [];
    // The histories hold encrypted payloads: the replayer decodes them with the cluster's key, as the workers do.
    const dataConverter = temporalDataConverter(requirePayloadKeys(t.config.temporalSecurity));
    for await (const result of Worker.runReplayHistories({ workflowBundle: bundle, dataConverter }, histories)) {
      if (result.error) errors.push(result.error);
    }
    expect(errors).toEqual([]);
  }, 120_000);
});
