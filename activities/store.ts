import { log } from '@temporalio/activity';
import { saveConversationState as saveState } from '../src/db/conversations';
import { appendEvent } from '../src/db/events';
import { quarantineItems } from '../src/db/quarantine';
import { loadStoredConversation } from '../src/db/recovery';
import { storeInbound } from '../src/db/messages';
import type { Db } from '../src/db/pool';
import type { SetAsideReason } from '../domain/failures';
import type { ConversationSettings, InboundMessage, StoredConversation } from '../domain/types';
import { currentSettings, type SupportPolicyReader } from './support-policy';

export interface RecordInboundInput {
  contactId: string;
  items: { message: InboundMessage; ingestKey: string }[];
}

export interface RecordInboundResult {
  /** wamids already stored by an earlier delivery of the same message: they must have no effect. */
  duplicates: string[];
  /** Current product settings, handed to the workflow so it never reads config itself. */
  settings: ConversationSettings;
}

export function createStoreActivities(db: Db, settings: ConversationSettings, support?: SupportPolicyReader) {
  // What the worker registers is written as arrow functions: activities/index.ts picks them off this object.
  return {
    /** Stores a batch of inbound messages, each in one statement with its conversation and event. */
    async recordInbound(input: RecordInboundInput): Promise<RecordInboundResult> {
      const duplicates: string[] = [];
      for (const { message, ingestKey } of input.items) {
        if ((await storeInbound(db, input.contactId, message, ingestKey)).duplicate)
          duplicates.push(message.waMessageId);
      }
      if (duplicates.length > 0) log.info('redelivered messages ignored', { count: duplicates.length });
      return { duplicates, settings: await currentSettings(settings, support) };
    },

    /**
     * What Postgres knows about the conversation, for a run that starts without an earlier run's
     * state, with the current product settings.
     */
    loadConversation: async (input: {
      contactId: string;
    }): Promise<{ settings: ConversationSettings; stored?: StoredConversation }> => {
      const [stored, current] = await Promise.all([
        loadStoredConversation(db, input.contactId),
        currentSettings(settings, support),
      ]);
      return stored === undefined ? { settings: current } : { settings: current, stored };
    },

    /** The current product settings, for a run that has not handled a message yet. */
    loadSettings: async (): Promise<ConversationSettings> => {
      return currentSettings(settings, support);
    },

    saveConversationState: async (input: { contactId: string; state: string; registered: boolean }): Promise<void> => {
      await saveState(db, input.contactId, input.state, input.registered);
    },

    /**
     * Quarantines what a conversation could not handle (an inbound message, an agent action, a payment,
     * a timer), with why, so the conversation goes on and an operator still sees it. Storing it again
     * (a retried attempt) adds nothing.
     */
    setAside: async (input: {
      contactId: string;
      reason: SetAsideReason;
      error: string;
      item: Record<string, unknown>;
    }): Promise<void> => {
      await quarantineItems(db, [
        {
          source: 'conversation',
          reason: input.reason,
          contactId: input.contactId,
          raw: { ...input.item, error: input.error },
        },
      ]);
      // The console's history shows it live.
      await appendEvent(db, { kind: 'set_aside', contactId: input.contactId, payload: { reason: input.reason } });
      log.warn('conversation item set aside', { reason: input.reason });
    },
  };
}
