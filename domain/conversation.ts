// The names a conversation's parts share: its states, the people and profiles the flow keeps, its
// durable timers and its SLA outcomes. Plain data, shared by the flow, the workflow, the activities and
// the server.

/** The conversation states, in the flow's order: also the `ConversationState` search attribute. */
export const STATE_NAMES = [
  'INITIAL',
  'IDLE',
  'REGISTERED',
  'REGISTERING_NAME',
  'REGISTERING_EMAIL',
  'REGISTERING_CLASS',
  'HOMEWORK_SUBJECT',
  'HOMEWORK_TYPE',
  'HOMEWORK_CONTENT',
  'HOMEWORK_SUBMITTED',
  'PAYMENT_PENDING',
  'CHAT_SUPPORT_ACTIVE',
] as const;

export type StateName = (typeof STATE_NAMES)[number];

/** The durable timers a conversation can have running; each firing carries the token it was started with. */
export type TimerName =
  | 'flow_idle'
  | 'payment'
  | 'chat_reminder'
  | 'chat_close'
  /** A chat asked for outside business hours reaches the team at the opening. */
  | 'chat_available'
  | 'sla_first_response_warning'
  | 'sla_first_response'
  | 'sla_resolution_warning'
  | 'sla_resolution';

/** A person answering chats, as the admin API names them. */
export interface Agent {
  agentId: number;
  name: string;
}

export interface Profile {
  fullName: string;
  email: string;
  className: string;
}

/** SLA outcome of one clock. */
export type SlaOutcome = 'met' | 'breached';
