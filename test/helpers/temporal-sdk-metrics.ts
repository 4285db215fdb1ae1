// The Temporal SDK worker metrics the dashboard (deploy/grafana/edubot.json) and the README name, as the
// worker's endpoint (TEMPORAL_METRICS_ADDRESS) serves them: Core SDK names prefixed `temporal_`, durations
// in seconds. test/temporal/worker-telemetry.test.ts finds each of them in a running worker's scrape.

/** Served once the worker has polled and handled a conversation's messages. */
export const TEMPORAL_WORKER_METRICS = [
  'temporal_workflow_task_schedule_to_start_latency',
  'temporal_workflow_task_execution_latency',
  'temporal_workflow_task_replay_latency',
  'temporal_sticky_cache_hit',
  'temporal_sticky_cache_size',
  'temporal_worker_task_slots_used',
  'temporal_worker_task_slots_available',
  'temporal_num_pollers',
  'temporal_local_activity_execution_latency',
  'temporal_request_latency',
] as const;

/** Served from their first occurrence on: a transient activity failure, an eviction, a cache miss. */
export const TEMPORAL_WORKER_EVENT_METRICS = [
  'temporal_local_activity_execution_failed',
  'temporal_sticky_cache_total_forced_eviction',
  'temporal_sticky_cache_miss',
] as const;

/**
 * Recorded only when a workflow task fails (non-determinism after a deploy, a bug in workflow code): the
 * conversation stalls until it is fixed. Named in Temporal's SDK metrics reference; a healthy run never
 * serves it, so no test scrapes it.
 */
export const TEMPORAL_WORKER_FAILURE_METRICS = ['temporal_workflow_task_execution_failed'] as const;
