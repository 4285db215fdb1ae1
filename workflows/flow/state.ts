import type { Agent, Profile, SlaOutcome, StateName, TimerName } from '../../domain/conversation';
import type { Priority } from '../../domain/support-policy';

/**
 * Everything the flow remembers about one conversation. Plain JSON: it is carried across
 * continue-as-new, so no Map, Set, Date or class instance ever goes in here (times are epoch ms).
 */
export interface FlowState {
  name: StateName;
  registered: boolean;
  /** The saved profile of a registered student. */
  profile?: Profile;
  /** Registration or profile update in progress; `updating` when it edits an existing profile. */
  draft?: { updating: boolean; fullName?: string; email?: string };
  /** Homework submission in progress. */
  homework?: { subject?: string; kind?: 'text' | 'image' };
  /** A payment offered or pending. `reference` is set once the user confirmed and a payment was recorded. */
  payment?: { reference?: string; amount: number; link?: string };
  /** References of payments that timed out, newest last: a confirmation that arrives late still counts. */
  expiredPayments?: string[];
  /** Epoch ms until which the subscription is active. */
  subscriptionActiveUntil?: number;
  /** Homework submitted so far (the workflow is the only writer, so this count is exact). */
  homeworkCount: number;
  /** The open chat with a human agent. */
  chat?: {
    sessionKey: string;
    startedBy: string;
    startedAt: number;
    /** The one acknowledgement per chat has been sent. */
    acknowledged: boolean;
    /** An agent has written in this chat (or opened it), so the user needs no acknowledgement any more. */
    agentReplied?: boolean;
    /** The agent who holds the chat: only they (or an admin) may send in it or end it. */
    holder?: Agent;
    /**
     * When the chat reached the team (epoch ms): its start, or the next opening for a chat asked for
     * outside business hours (absent in chats of versions before business hours: their start).
     */
    availableAt?: number;
    /** The SLA clocks of a chat the student asked for (absent: no clock runs). */
    sla?: ChatSla;
  };
  /** The student wrote STOP (at `since`, epoch ms): no campaign messages until they write START. */
  campaignOptOut?: { since: number };
  /** A chat ended and its rating was asked for; the next 1–5 answer is stored on that session. */
  awaitingRating?: { sessionKey: string };
  /** The conversation's priority (PUT …/priority); absent: normal. */
  priority?: Priority;
  /** Token of each running timer; a firing whose token differs is stale and ignored. */
  timers: Partial<Record<TimerName, string>>;
}

/**
 * The SLA clocks of an open chat: the instants computed when the chat opened (or its priority changed),
 * kept as computed, since the time zone rules a later build reads may differ. Epoch ms.
 */
export interface ChatSla {
  priority: Priority;
  firstResponseDueAt?: number;
  resolutionDueAt?: number;
  /** Set once breached (and for the first response, once met). */
  firstResponse?: SlaOutcome;
  resolution?: 'breached';
  /** The clocks whose warning was given. */
  warned?: ('first_response' | 'resolution')[];
  /** A breach escalated the chat (top of the queue, admins told). */
  escalated?: boolean;
}

export function initialFlowState(): FlowState {
  return { name: 'INITIAL', registered: false, homeworkCount: 0, timers: {} };
}
