/** ApplicationFailure type of a send WhatsApp refused for good (131047, 131026, invalid parameters, …). */
export const WHATSAPP_REJECTED = 'WhatsAppRejected';

/**
 * ApplicationFailure type of an activity that failed in a way no retry can mend: Postgres refused the
 * values, WhatsApp refused for good to hand over a photo, or the code threw on what it was given. Its
 * details carry the quarantine reason; the workflow sets the item aside and goes on.
 */
export const PERMANENT_FAILURE = 'PermanentFailure';

/** Why a conversation set an item aside (a subset of the quarantine's reasons). */
export type SetAsideReason = 'store_refused' | 'media_unavailable' | 'step_failed' | 'failed';

/**
 * Every code an agent's chat command can fail with, in one list: the flow refuses some actions, the
 * conversation workflow adds what only it can tell, and the admin API what only it can tell. The unions
 * below are subsets of it, so a code is spelled once and each layer's subset is checked against it.
 */
export const CHAT_COMMAND_FAILURE_CODES = [
  'conversation_not_found',
  'not_in_chat_support',
  'chat_already_active',
  'outside_customer_service_window',
  'whatsapp_rejected',
  'invalid_message',
  'set_aside',
  'idempotency_key_reused',
  'held_by_other',
  'already_held',
  'agent_not_found',
] as const;

/** A chat command's failure as the admin API answers it (each has its HTTP status). */
export type ChatCommandFailureCode = (typeof CHAT_COMMAND_FAILURE_CODES)[number];

/** `Codes`, each one of `All`: a misspelt code fails the type check instead of dropping out of the union. */
type SubsetOf<All extends string, Codes extends All> = Codes;

/**
 * The failures the conversation workflow answers an agent command with: the admin API finds the
 * conversation and the agent, and checks the idempotency key, before it asks.
 */
export type AgentCommandFailureCode = SubsetOf<
  ChatCommandFailureCode,
  | 'not_in_chat_support'
  | 'chat_already_active'
  | 'outside_customer_service_window'
  | 'whatsapp_rejected'
  | 'invalid_message'
  | 'set_aside'
  | 'held_by_other'
  | 'already_held'
>;

/**
 * Why the pure flow refuses an agent's action; the workflow adds WhatsApp's window and refusals and the
 * commands it had to set aside.
 */
export type RejectionCode = SubsetOf<
  AgentCommandFailureCode,
  'not_in_chat_support' | 'chat_already_active' | 'invalid_message' | 'held_by_other' | 'already_held'
>;
