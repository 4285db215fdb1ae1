/** ApplicationFailure type of a send WhatsApp refused for good (131047, 131026, invalid parameters, …). */
export const WHATSAPP_REJECTED = 'WhatsAppRejected';
