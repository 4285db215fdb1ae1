// Conversation states of the specification (§4): also the `ConversationState` search attribute.

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

/** Everything the flow remembers about one conversation. Plain JSON: it is carried across continue-as-new. */
export interface FlowState {
  name: StateName;
  registered: boolean;
}

export function initialFlowState(): FlowState {
  return { name: 'INITIAL', registered: false };
}
