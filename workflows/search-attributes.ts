import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// Custom search attributes shown in the Temporal Web UI. The dev server registers them at start
// (`--search-attribute`); docker-compose registers them with `temporal operator search-attribute create`.
// No phone number goes here: search attributes are stored unencrypted.

export const CONVERSATION_STATE = defineSearchAttributeKey('ConversationState', SearchAttributeType.KEYWORD);
export const REGISTERED = defineSearchAttributeKey('Registered', SearchAttributeType.BOOL);
export const LAST_INBOUND_AT = defineSearchAttributeKey('LastInboundAt', SearchAttributeType.DATETIME);

/** `Name=Type` pairs as the temporal CLI takes them. */
export const SEARCH_ATTRIBUTE_FLAGS: readonly string[] = [
  'ConversationState=Keyword',
  'Registered=Bool',
  'LastInboundAt=Datetime',
];
