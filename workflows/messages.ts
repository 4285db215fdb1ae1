import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { StateName } from './flow/state';
import type { InboundMessage } from './types';

// Message definitions shared by the server and the workflow, so the server never imports workflow logic.

/** One inbound WhatsApp message. A signal: the webhook only needs Temporal to have it durably. */
export const inboundSignal = defineSignal<[InboundMessage]>('inbound');

export interface ConversationView {
  state: StateName;
  registered: boolean;
  /** Messages accepted but not yet handled. */
  pending: number;
}

export const conversationQuery = defineQuery<ConversationView>('conversation');

export const WORKFLOW_ID_PREFIX = 'conversation-';

/** The id of the workflow that owns one phone number's conversation. */
export function conversationWorkflowId(phoneDigits: string): string {
  return `${WORKFLOW_ID_PREFIX}${phoneDigits}`;
}
