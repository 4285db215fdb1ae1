import type { ServerResponse } from 'node:http';
import { createFaultPlan, type FaultPlan } from './graph-fake-faults';
import { createMediaUploads, type MediaUploads, type StoredMedia } from './graph-fake-media';
import { createStatusNotifier, type StatusNotifier } from './graph-fake-status';
import { createFakeTemplates, type FakeTemplates } from './graph-fake-templates';
import { createThroughputLimit, type ThroughputLimit } from './graph-fake-throughput';
import type { GraphFakeFailure, GraphFakeOptions, RecordedSend } from './graph-fake-types';

// Everything the Graph fake remembers between requests, shared by its routes (which write it) and
// its control methods (which read and steer it), with the two waits every request may meet: a
// sleep (latency, a delayed failure, a late answer) and a hold (pauseSends). Both end at once on
// close, so no request outlives the fake.

export interface FakeState {
  readonly options: GraphFakeOptions;
  /** The API version the routes answer under, e.g. `v22.0`. */
  readonly version: string;
  readonly sends: RecordedSend[];
  readonly reads: string[];
  readonly typingIndicators: string[];
  /** Failures queued for the next mark-read or typing requests. */
  readonly readFailures: GraphFakeFailure[];
  readonly faults: FaultPlan;
  /** Downloadable media by id: planted by addMedia, or uploaded. */
  readonly media: Map<string, StoredMedia>;
  readonly uploads: MediaUploads;
  readonly templates: FakeTemplates;
  readonly throughput: ThroughputLimit;
  readonly notifier: StatusNotifier | undefined;
  requests: number;
  aborted: number;
  latencyMs: number;
  answerDelayMs: number;
  paused: boolean;
  /** Accepted sends so far, which makes each wamid unique. */
  sequence: number;
  /** Send requests held by pauseSends. */
  readonly heldCount: number;
  sleep(ms: number): Promise<void>;
  /** Waits until resume() or until the client of `res` goes away. */
  hold(res: ServerResponse): Promise<void>;
  /** Stops holding sends and releases the held ones. */
  resume(): void;
  /** Ends every sleep and hold now, for close. */
  wakeAll(): void;
  /** Forgets what reset() promises (GraphFake.reset), in place, so arrays callers hold stay live. */
  reset(): void;
}

export function createFakeState(options: GraphFakeOptions): FakeState {
  const media = new Map<string, StoredMedia>();
  const held = new Set<() => void>();
  const sleepers = new Set<() => void>();

  const state: FakeState = {
    options,
    version: options.apiVersion ?? 'v22.0',
    sends: [],
    reads: [],
    typingIndicators: [],
    readFailures: [],
    faults: createFaultPlan(),
    media,
    uploads: createMediaUploads(media),
    templates: createFakeTemplates(),
    throughput: createThroughputLimit(options.messagesPerSecond),
    notifier: options.statusCallback ? createStatusNotifier(options.statusCallback) : undefined,
    requests: 0,
    aborted: 0,
    latencyMs: 0,
    answerDelayMs: 0,
    paused: false,
    sequence: 0,
    get heldCount() {
      return held.size;
    },
    sleep(ms) {
      return new Promise((resolve) => {
        const done = (): void => {
          clearTimeout(timer);
          sleepers.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        sleepers.add(done);
      });
    },
    hold(res) {
      return new Promise<void>((resolve) => {
        const release = (): void => {
          held.delete(release);
          res.off('close', release);
          resolve();
        };
        held.add(release);
        res.once('close', release);
      });
    },
    resume() {
      state.paused = false;
      for (const release of [...held]) release();
    },
    wakeAll() {
      state.resume();
      for (const wake of [...sleepers]) wake();
    },
    reset() {
      state.sends.length = 0;
      state.reads.length = 0;
      state.typingIndicators.length = 0;
      state.readFailures.length = 0;
      state.faults.reset();
      media.clear();
      state.uploads.reset();
      state.templates.reset();
      state.requests = 0;
      state.aborted = 0;
      state.latencyMs = 0;
      state.answerDelayMs = 0;
      state.throughput.set(options.messagesPerSecond);
      state.resume();
    },
  };
  return state;
}
