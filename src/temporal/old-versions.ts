import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Logger } from '../logger';
import { BUILD_ID_PATTERN, describeDeployment } from './deployment';
import { drainVersion, pinnedRunsQuery, waitUntilDrained } from './versions';

// One machine upgrades too (`npm start`, SPEC §9). A conversation's run is Pinned to the build it started
// on and moves to the current build only by running one more workflow task on its own build. On a
// cluster the old build's workers stay up until drained; on one machine the old build is gone once the
// user pulls the new one. So `npm start` keeps each build's workflow bundle under DATA_DIR, and at start
// runs a worker of every stored build that still has open pinned runs beside its own, wakes those runs
// (`checkVersion`) so each continues as new onto the current build, and once Temporal reports the old
// build drained stops its worker and deletes its bundle.

/** Where `npm start` keeps the bundle of each build it ran: `<dataDir>/workflow-bundles/<build id>.js`. */
export function bundleStore(dataDir: string): string {
  return path.join(dataDir, 'workflow-bundles');
}

/** Keeps the running build's bundle (written once, atomically: a half-written bundle never runs). */
export function storeBundle(dataDir: string, buildId: string, bundle: { code: string } | { codePath: string }): void {
  const dir = bundleStore(dataDir);
  const file = path.join(dir, `${buildId}.js`);
  if (fs.existsSync(file)) return;
  fs.mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  if ('code' in bundle) fs.writeFileSync(partial, bundle.code);
  else fs.copyFileSync(bundle.codePath, partial);
  fs.renameSync(partial, file);
}

/** The build ids of the stored bundles. */
export function storedBuildIds(dataDir: string): string[] {
  const dir = bundleStore(dataDir);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.js'))
    .map((name) => name.slice(0, -'.js'.length))
    .filter((buildId) => BUILD_ID_PATTERN.test(buildId));
}

/** A worker of an old build, polling as that build's version (runtime.ts's runWorker). */
export interface OldWorker {
  stop(): Promise<void>;
}

export interface OldVersionsOptions {
  client: Client;
  dataDir: string;
  /** The running build: its bundle is never touched. */
  currentBuildId: string;
  /** Whether the running build's version is the deployment's current one: only then may old ones drain. */
  isCurrent: boolean;
  /** Runs a worker of `buildId` on the stored bundle; resolves once it polls. */
  startWorker(buildId: string, bundle: { codePath: string }): Promise<OldWorker>;
  logger: Logger;
  /** Between two drains of a version that has not drained yet (default 5 minutes). */
  redrainMs?: number;
}

export interface OldVersions {
  /** Stops the old builds' workers; their bundles stay for the next start. */
  stop(): Promise<void>;
}

/**
 * Retires the stored builds other than the running one: a build with no open pinned run loses its
 * bundle now; one with open runs gets a worker, and, when the running build is current, is drained,
 * then its worker stopped and its bundle deleted once Temporal reports it drained.
 */
export function retireOldVersions(options: OldVersionsOptions): OldVersions {
  const { client, dataDir, currentBuildId, logger } = options;
  const abort = new AbortController();
  const workers = new Set<OldWorker>();

  async function retire(buildId: string): Promise<void> {
    const bundle = { codePath: path.join(bundleStore(dataDir), `${buildId}.js`) };
    const attrs = { buildId };
    if ((await openRuns(client, buildId)) === 0 && !(await routed(client, buildId))) {
      fs.rmSync(bundle.codePath, { force: true });
      logger.info('old build has no open conversations: bundle removed', attrs);
      return;
    }
    abort.signal.throwIfAborted();
    const worker = await options.startWorker(buildId, bundle);
    if (abort.signal.aborted) {
      // Stopped while it started: stop() did not see it.
      await worker.stop();
      abort.signal.throwIfAborted();
    }
    workers.add(worker);
    logger.info('old build has open conversations: its worker runs beside the current one', {
      ...attrs,
      openRuns: await openRuns(client, buildId),
    });
    if (!options.isCurrent) {
      // The running build is not current (an operator moved the deployment): old builds are theirs to drain.
      logger.warn('running build is not current: old build kept running, not drained', attrs);
      return;
    }
    for (;;) {
      abort.signal.throwIfAborted();
      const woken = await drainVersion(client, buildId);
      logger.info('old build drained: its conversations were woken to move on', { ...attrs, woken });
      try {
        await waitUntilDrained(client, buildId, { timeoutMs: options.redrainMs ?? 300_000, signal: abort.signal });
        break;
      } catch (error) {
        abort.signal.throwIfAborted();
        // Not drained yet (a run busy in a long retry, or one visibility had not listed): wake them again.
        logger.warn('old build not drained yet: waking its conversations again', { ...attrs, error });
      }
    }
    // Temporal's drainage status and the count come from visibility: both must say no run is left.
    if ((await openRuns(client, buildId)) !== 0) throw new Error(`version ${buildId} reported drained with open runs`);
    workers.delete(worker);
    await worker.stop();
    fs.rmSync(bundle.codePath, { force: true });
    logger.info('old build drained and retired: worker stopped, bundle removed', attrs);
  }

  const old = storedBuildIds(dataDir).filter((buildId) => buildId !== currentBuildId);
  // In the background: the current build serves new conversations meanwhile.
  void Promise.all(
    old.map((buildId) =>
      retire(buildId).catch((error: unknown) => {
        // Nothing is deleted on the way to an error: the bundle stays, and the next start tries again.
        if (!abort.signal.aborted) logger.error('old build not retired', { buildId, error });
      }),
    ),
  );

  return {
    async stop() {
      abort.abort();
      await Promise.all([...workers].map((worker) => worker.stop()));
      workers.clear();
    },
  };
}

/** Open runs pinned to the version: Temporal's own drainage test (versions.ts). */
async function openRuns(client: Client, buildId: string): Promise<number> {
  return (await client.workflow.count(pinnedRunsQuery(buildId))).count;
}

/** Whether new conversations may still go to the version (current or ramping): then it must keep running. */
async function routed(client: Client, buildId: string): Promise<boolean> {
  const routing = (await describeDeployment(client.workflowService, client.options.namespace))?.info.routingConfig;
  return (
    routing?.currentDeploymentVersion?.buildId === buildId || routing?.rampingDeploymentVersion?.buildId === buildId
  );
}
