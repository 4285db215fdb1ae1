import { POLLER_MEMORY_MS, pollersMissing, type Poller } from '../../src/temporal/worker-pollers';

// The worker container's health check decides from the pollers Temporal reports; the query itself
// needs a Temporal server and is left to the stack.

const NOW = Date.UTC(2026, 0, 1, 12);
const poller = (identity: string, agoMs: number | undefined): Poller => ({
  identity,
  lastAccessMs: agoMs === undefined ? undefined : NOW - agoMs,
});

describe('pollersMissing', () => {
  it('finds nothing missing when this host polled for both kinds of task', () => {
    const pollers = { workflow: [poller('1@worker-a', 1_000)], activity: [poller('1@worker-a', 65_000)] };
    expect(pollersMissing(pollers, 'worker-a', NOW)).toEqual([]);
  });

  it('names the kind this host has not polled for', () => {
    const pollers = { workflow: [poller('1@worker-a', 1_000)], activity: [poller('1@worker-b', 1_000)] };
    expect(pollersMissing(pollers, 'worker-a', NOW)).toEqual(['activity']);
  });

  it('does not count another replica whose hostname merely starts like this one', () => {
    const pollers = { workflow: [poller('1@worker-ab', 1_000)], activity: [poller('7@worker-ab', 1_000)] };
    expect(pollersMissing(pollers, 'worker-a', NOW)).toEqual(['workflow', 'activity']);
  });

  it('counts a poll only within the time Temporal remembers pollers', () => {
    const at = (agoMs: number | undefined) => ({
      workflow: [poller('1@worker-a', agoMs)],
      activity: [poller('1@worker-a', 0)],
    });
    expect(pollersMissing(at(POLLER_MEMORY_MS), 'worker-a', NOW)).toEqual([]);
    expect(pollersMissing(at(POLLER_MEMORY_MS + 1), 'worker-a', NOW)).toEqual(['workflow']);
    expect(pollersMissing(at(undefined), 'worker-a', NOW)).toEqual(['workflow']);
  });

  it('finds everything missing when nobody polls', () => {
    expect(pollersMissing({ workflow: [], activity: [] }, 'worker-a', NOW)).toEqual(['workflow', 'activity']);
  });
});
