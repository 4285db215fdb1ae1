import { SEARCH_ATTRIBUTE_FLAGS } from '../../workflows/search-attributes';

// The command line of `temporal server start-dev` (CLI v1.5.1 flags).

/**
 * `--dynamic-config-value` pairs (value = JSON) for throughput on one machine. The dev server
 * already raises the persistence QPS limits; entries here come with a benchmark that shows them.
 */
export const DEV_SERVER_DYNAMIC_CONFIG: Readonly<Record<string, string | number | boolean>> = {
  // One machine, one worker: a single task-queue partition hands every task to the poller that waits,
  // instead of leaving tasks on a partition nobody polls until a forwarder moves them. Measured here
  // (bench, 300 new conversations at 30/s): end-to-end p99 29.1 s → 15.0 s, worst first-task wait 30 s → 15 s.
  'matching.numTaskqueueReadPartitions': 1,
  'matching.numTaskqueueWritePartitions': 1,
};

/** The CLI arguments for one start; exported for tests and for the README. */
export function devServerArgs(options: {
  port: number;
  uiPort?: number;
  headless?: boolean;
  namespace: string;
  dbFile?: string;
}): string[] {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port)];
  if (options.headless === true) args.push('--headless');
  else if (options.uiPort !== undefined) args.push('--ui-port', String(options.uiPort));
  // `default` always exists; naming it again is harmless but noisy in the server log.
  if (options.namespace !== 'default') args.push('--namespace', options.namespace);
  args.push('--log-level', 'warn');
  if (options.dbFile !== undefined) args.push('--db-filename', options.dbFile, ...sqlitePragmaArgs());
  for (const flag of SEARCH_ATTRIBUTE_FLAGS) args.push('--search-attribute', flag);
  args.push(...dynamicConfigArgs());
  return args;
}

/**
 * WAL lets readers (visibility queries, the UI) proceed during writes; synchronous=normal drops an
 * fsync per commit, which is safe with WAL (a power cut can lose the last commits, never corrupt).
 * The CLI accepts pragmas without a file too, but they mean nothing for an in-memory database.
 */
export function sqlitePragmaArgs(): string[] {
  return ['--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal'];
}

export function dynamicConfigArgs(): string[] {
  return Object.entries(DEV_SERVER_DYNAMIC_CONFIG).flatMap(([key, value]) => [
    '--dynamic-config-value',
    `${key}=${JSON.stringify(value)}`,
  ]);
}
