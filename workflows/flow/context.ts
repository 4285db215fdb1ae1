import type { ConversationSettings } from '../../domain/types';
import type { Agent } from '../../domain/conversation';
import type { Effect } from '../../domain/effects';
import type { RejectionCode } from '../../domain/failures';
import type { FlowState } from './state';

/** What the workflow tells the flow about the event besides the event itself. */
export interface FlowContext {
  settings: ConversationSettings;
  /** Epoch ms of the event, from the workflow clock: the flow never reads the time itself. */
  now: number;
  /** The student's contact id (`ct_…`); part of every reference so references are unique across students. */
  contactId: string;
  /**
   * What caused the event, unique for the conversation's whole life (`in/<wamid>`, `agent/<request id>`,
   * `timer/<name>/<token>`, `payment/<reference>`, `restore/<run id>`): the ids the step makes derive from it.
   */
  cause: string;
  /** Epoch ms of the student's last message, when the workflow knows it: WhatsApp's 24-hour window runs from it. */
  lastInboundAt?: number;
}

/** Why an agent action was refused; the admin API turns it into 409/400. */
export interface Rejection {
  code: RejectionCode;
  message: string;
  /** For `held_by_other` and `already_held`: who holds the chat. */
  holder?: Agent;
}

/**
 * The outcome of one event. With a `rejection` the state is returned unchanged (the same object) and
 * `effects` is empty, so the caller can answer the agent without anything having happened.
 */
export interface StepResult {
  state: FlowState;
  effects: Effect[];
  rejection?: Rejection;
}
