import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Agent, StateName } from '../domain/conversation';
import type { AgentCommandFailureCode } from '../domain/failures';
import type { ContactRequestContent, InboundMessage, MediaContent, TemplateContent } from '../domain/types';
import type { Priority } from '../domain/support-policy';

// Message definitions shared by the server and the workflow, so the server never imports workflow logic.

/** One inbound WhatsApp message. A signal: the webhook only needs Temporal to have it durably. */
export const inboundSignal = defineSignal<[InboundMessage]>('inbound');

/** The payment provider confirmed a payment of this conversation (signed webhook). */
export const paymentConfirmedSignal = defineSignal<[PaymentConfirmation]>('paymentConfirmed');

/**
 * Wakes an idle run so that it sees a newer Worker Deployment Version has become current and continues
 * as new onto it (`npm run admin -- drain`). Carries nothing; a run already on the current version ignores it.
 */
export const checkVersionSignal = defineSignal('checkVersion');

/**
 * The conversation's priority changed (`PUT .../priority`, sent after conversations.priority is written):
 * the workflow keeps it and re-plans the open chat's SLA deadlines for it.
 */
export const prioritySignal = defineSignal<[{ priority: Priority }]>('priority');

export interface PaymentConfirmation {
  reference: string;
  amount: number;
}

/** What an agent asks of a conversation through the admin API. */
export interface AgentCommand {
  /**
   * `assign` takes the open chat (or, with `to`, hands it over); `unassign` gives it back; `claim` asks
   * automatic assignment for an agent for a chat nobody holds; `request_contact_info` asks a student
   * known only by BSUID for their phone number.
   */
  action: 'start' | 'send' | 'end' | 'assign' | 'unassign' | 'claim' | 'template' | 'request_contact_info';
  /** The agent's name, as the audit log and the transcript show it. */
  agent: string;
  /** The person acting (absent from commands of versions that did not name people). */
  agentId?: number;
  /** Whether the person acts with the admin role: an admin may act in a chat someone else holds. */
  admin?: boolean;
  /** For `assign`: the agent to hand the chat to (the admin API checks the role). */
  to?: Agent;
  message?: string;
  /**
   * For `template`: the approved template, checked and rendered by the admin API. For `send`: a file
   * the agent attached, sent before `message` (which is then optional). For `request_contact_info`:
   * the request (always carried: a version that does not know the action refuses a command with
   * content it does not expect, rather than reading it as another action).
   */
  content?: TemplateContent | MediaContent | ContactRequestContent;
  /** Idempotency key: a command with a key already handled returns the first answer again. */
  requestId: string;
  /** What the request asked for, echoed in its answer, so a key reused for another request is told apart. */
  fingerprint?: string;
}

/** A failure's `state` is set when the command changed the conversation nonetheless (a refused opening line). */
export type AgentCommandResult = (
  | { ok: true; state: StateName; waMessageId?: string; at: number; holder?: Agent | null }
  | {
      ok: false;
      code: AgentCommandFailureCode;
      message: string;
      whatsappCode?: number;
      state?: StateName;
      /** For `held_by_other` and `already_held`: who holds the chat. */
      holder?: Agent;
    }
) & { fingerprint?: string };

/**
 * An update, not a signal: the admin API answers only once the workflow has decided, and for a send
 * only once WhatsApp accepted or refused the message, so the HTTP answer is the truth.
 */
export const agentCommandUpdate = defineUpdate<AgentCommandResult, [AgentCommand]>('agentCommand');

export interface ConversationView {
  state: StateName;
  registered: boolean;
  /** Events accepted but not yet handled. */
  pending: number;
  /** True while the workflow is handling events (between taking them and finishing their effects). */
  busy: boolean;
  chatSessionKey?: string;
}

export const conversationQuery = defineQuery<ConversationView>('conversation');

export const WORKFLOW_ID_PREFIX = 'conversation-';

/** The id of the workflow that owns one contact's conversation: it holds no phone number. */
export function conversationWorkflowId(contactId: string): string {
  return `${WORKFLOW_ID_PREFIX}${contactId}`;
}
