import type { Deadlines } from './deadlines';
import { initialFlowState, type FlowState } from './flow/state';
import type { AgentCommandResult, PaymentConfirmation } from './messages';
import type { ConversationSettings, InboundMessage } from '../domain/types';

// What a conversation hands from one run to the next at continue-as-new. From release 1.0.0 a run is
// pinned to the build it started on and moves to a newer build only by continuing as new, so this
// snapshot (and the activities' inputs) is all that crosses versions: a newer build must read every
// snapshot version an older build still running can write. Each change of its shape gets a new
// version number and a migration from the one before, with a unit test (test/workflows/snapshot.test.ts).

export const SNAPSHOT_VERSION = 1;

/** The part of the state the admin list and the Temporal UI show. */
export type ShownState = Pick<FlowState, 'name' | 'registered'>;

/** Plain JSON: Map and Set do not survive the payload converter. */
export interface ConversationSnapshot {
  version: typeof SNAPSHOT_VERSION;
  flow: FlowState;
  /** Recent wamids, oldest first: a redelivery of any of them is ignored without touching Postgres. */
  recentIds: string[];
  /** Messages accepted by a signal but not yet handled when the run continued as new. */
  pending: InboundMessage[];
  /** Payment confirmations accepted but not yet handled. */
  payments: PaymentConfirmation[];
  deadlines: Deadlines;
  /** Epoch ms of the user's last message: WhatsApp refuses free-form messages 24 hours after it. */
  lastInboundAt?: number;
  /** Answers to recent agent commands by idempotency key, so a retried request gets the same answer. */
  answered: { requestId: string; result: AgentCommandResult }[];
  /** The product settings last handed over by an activity, so a new run needs no activity to start. */
  settings?: ConversationSettings;
  /** What the conversations row and the search attributes already show, so a new run does not write them again. */
  shown: { saved?: ShownState; published?: ShownState; publishedInboundAt?: number };
}

/** Where a conversation starts that has no earlier run (before Postgres tells what it knows). */
export function emptySnapshot(): ConversationSnapshot {
  return {
    version: SNAPSHOT_VERSION,
    flow: initialFlowState(),
    recentIds: [],
    pending: [],
    payments: [],
    deadlines: {},
    answered: [],
    shown: {},
  };
}

/**
 * The snapshots written before release 1.0.0 (no version): most fields optional, and a `sequence` in
 * the flow state that numbered ids before they came from their causes.
 */
interface SnapshotV0 {
  version?: undefined;
  flow: Partial<FlowState> & { sequence?: number };
  recentIds?: string[];
  pending?: InboundMessage[];
  payments?: PaymentConfirmation[];
  deadlines?: Deadlines;
  lastInboundAt?: number;
  answered?: ConversationSnapshot['answered'];
  settings?: ConversationSettings;
  shown?: ConversationSnapshot['shown'];
}

/** Thrown for a snapshot this build cannot read: the workflow task fails and waits for a build that can. */
export class UnreadableSnapshotError extends Error {
  override name = 'UnreadableSnapshotError';
}

/** Reads a snapshot of any version still supported, migrated to the current one. */
export function readSnapshot(raw: unknown): ConversationSnapshot {
  if (typeof raw !== 'object' || raw === null || !('flow' in raw))
    throw new UnreadableSnapshotError('a conversation snapshot carries its flow state');
  const version = (raw as { version?: unknown }).version;
  if (version === undefined) return fromV0(raw as SnapshotV0);
  if (version === SNAPSHOT_VERSION) return raw as ConversationSnapshot;
  throw new UnreadableSnapshotError(
    `conversation snapshot version ${JSON.stringify(version)} is not one this build reads (it reads up to ${SNAPSHOT_VERSION})`,
  );
}

function fromV0(old: SnapshotV0): ConversationSnapshot {
  const { sequence: _numbered, ...flow } = old.flow;
  return {
    version: 1,
    flow: { ...initialFlowState(), ...flow },
    recentIds: old.recentIds ?? [],
    pending: old.pending ?? [],
    payments: old.payments ?? [],
    deadlines: old.deadlines ?? {},
    ...(old.lastInboundAt === undefined ? {} : { lastInboundAt: old.lastInboundAt }),
    answered: old.answered ?? [],
    ...(old.settings === undefined ? {} : { settings: old.settings }),
    // Absent before: the row and the search attributes are written once, as they were then.
    shown: old.shown ?? {},
  };
}
