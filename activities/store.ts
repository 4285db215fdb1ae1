import { log } from '@temporalio/activity';
import { touchInbound, saveConversationState as saveState } from '../src/db/conversations';
import { insertInbound, markFailed, upsertOutbound } from '../src/db/messages';
import type { Db } from '../src/db/pool';
import type { ConversationSettings, InboundMessage, OutboundContent } from '../workflows/types';

export interface RecordInboundInput {
  phone: string;
  items: { message: InboundMessage; ingestKey: string }[];
}

export interface RecordInboundResult {
  /** wamids already stored by an earlier delivery of the same message: they must have no effect. */
  duplicates: string[];
  /** Current product settings, handed to the workflow so it never reads config itself. */
  settings: ConversationSettings;
}

export function createStoreActivities(db: Db, settings: ConversationSettings) {
  return {
    /** Stores a batch of inbound messages in one transaction and moves the conversation's activity time. */
    async recordInbound(input: RecordInboundInput): Promise<RecordInboundResult> {
      const results = await db.withTransaction(async (client) => {
        const stored = await insertInbound(client, input.items);
        const last = input.items[input.items.length - 1]?.message;
        if (last) await touchInbound(client, input.phone, last.profileName, last.sentAt);
        return stored;
      });
      const duplicates = results.filter((r) => r.duplicate).map((r) => r.waMessageId);
      if (duplicates.length > 0) log.info('redelivered messages ignored', { count: duplicates.length });
      return { duplicates, settings };
    },

    async saveConversationState(input: { phone: string; state: string; registered: boolean }): Promise<void> {
      await saveState(db, input.phone, input.state, input.registered);
    },

    /** Marks a message failed when its sending was given up (retries exhausted, not refused by WhatsApp). */
    async abandonMessage(input: {
      phone: string;
      key: string;
      content: OutboundContent;
      sender: 'bot' | 'agent';
      reason: string;
    }): Promise<void> {
      const row = await upsertOutbound(db, input);
      if (row.waMessageId === null && row.status !== 'failed') await markFailed(db, row.id, null, input.reason);
    },
  };
}
