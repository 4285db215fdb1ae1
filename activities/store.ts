import { log } from '@temporalio/activity';
import { touchInbound, saveConversationState as saveState } from '../src/db/conversations';
import { appendEvent } from '../src/db/events';
import { describeInbound, insertInbound, markFailed, upsertOutbound } from '../src/db/messages';
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
        // Last in the transaction: the event append serialises writers until commit.
        for (const { message } of input.items.filter((_, i) => !stored[i]!.duplicate)) {
          await appendEvent(client, { kind: 'message', phone: input.phone, payload: inboundEvent(message) });
        }
        return stored;
      });
      const duplicates = results.filter((r) => r.duplicate).map((r) => r.waMessageId);
      if (duplicates.length > 0) log.info('redelivered messages ignored', { count: duplicates.length });
      return { duplicates, settings };
    },

    /** The current product settings, for a run that has not handled a message yet. */
    async loadSettings(): Promise<ConversationSettings> {
      return settings;
    },

    async saveConversationState(input: { phone: string; state: string; registered: boolean }): Promise<void> {
      await db.withTransaction(async (client) => {
        await saveState(client, input.phone, input.state, input.registered);
        await appendEvent(client, { kind: 'state', phone: input.phone, payload: { state: input.state, registered: input.registered } });
      });
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

function inboundEvent(message: InboundMessage): Record<string, unknown> {
  const { type, body } = describeInbound(message.content);
  return { direction: 'inbound', sender: 'user', waMessageId: message.waMessageId, type, body, at: new Date(message.sentAt).toISOString() };
}
