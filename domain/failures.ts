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
