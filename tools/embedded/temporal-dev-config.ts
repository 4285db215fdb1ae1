// Dynamic config of the one-machine Temporal server (`npm start`, the tests, the bench): what the
// CLI's dev server used to set for us, what this product measured, and what Worker Versioning needs.

/** key → value; written to the server's dynamic config file, each value without constraints. */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  // The dev server's own defaults (temporal CLI v1.5.1, commands.server.go and devserver/server.go):
  // persistence limits raised, a larger history cache and visibility rate for one busy host.
  'frontend.persistenceMaxQPS': 10_000,
  'history.persistenceMaxQPS': 45_000,
  'history.hostLevelCacheMaxSize': 8096,
  'frontend.namespaceRPS.visibility': 100,
  // Unlike the dev server, which sets it true: every search-attribute lookup then read the cluster
  // metadata from the database, under one lock, so that Elasticsearch attributes show at once. On SQL visibility a
  // registered attribute is a namespace alias of a fixed column and the metadata never changes, yet
  // each signal-with-start and upsert paid that read on the one SQLite connection. Measured (BENCHMARKS.md,
  // issue 27): webhook ack p99 at 40/s 124 → 67 ms, Temporal's CPU per message −5 %.
  'system.forceSearchAttributesCacheRefreshOnRead': false,
  // One machine, one worker: a single task-queue partition hands every task to the poller that waits,
  // instead of leaving tasks on a partition nobody polls until a forwarder moves them. Measured here
  // (bench, 300 new conversations at 30/s): end-to-end p99 29.1 s → 15.0 s, worst first-task wait 30 s → 15 s.
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
  // Worker Versioning (Worker Deployments, Pinned workflows, upgrade on continue-as-new). Server 1.32
  // has these on by default; named here so a later default change cannot switch them off unseen.
  'system.enableDeploymentVersions': true,
  'frontend.workerVersioningWorkflowAPIs': true,
  'system.enableSendTargetVersionChanged': true,
  // How soon a version no longer current is reported drained once its last pinned run closes (an old
  // version's worker stops only then). Temporal's defaults (3 min grace for visibility to catch up, then
  // a look every 3 min) suit a cluster's Elasticsearch; one machine's SQLite visibility trails by a second.
  'matching.wv.VersionDrainageStatusVisibilityGracePeriod': '10s',
  'matching.wv.VersionDrainageStatusRefreshInterval': '5s',
};
