import { ApplicationFailure } from '@temporalio/activity';
import { WHATSAPP_REJECTED } from '../domain/failures';
import type { ConversationSettings, InboundMessage } from '../domain/types';
import type { createRecordActivities, RecordEffect } from './records';
import type { createStoreActivities } from './store';
import type { createWhatsAppActivities, DeliverInput } from './whatsapp';

/** One thing a flow step asked for, in order: records written together, or one message sent. */
export type TurnOperation = { kind: 'records'; records: RecordEffect[] } | { kind: 'send'; send: DeliverInput };

export interface TurnItem {
  message: InboundMessage;
  ingestKey: string;
  operations: TurnOperation[];
}

export interface TurnInput {
  phone: string;
  items: TurnItem[];
  /** The conversation's state after the last item, when it changed: saved for the admin list. */
  state?: { state: string; registered: boolean };
}

export interface TurnResult {
  settings: ConversationSettings;
  /** Index of the first item that was a redelivery of a message handled before: nothing from it on was done. */
  duplicateAt?: number;
  /** Messages WhatsApp refused for good (their rows say why). */
  refused: number;
}

/**
 * A batch of inbound messages handled in ONE local activity: each message is stored, then the
 * records and sends its flow step asked for are carried out in order, then the state is saved. The
 * workflow computed the steps beforehand (the flow is pure), so a batch costs the workflow one
 * activity instead of one per store, record and send. Every write is keyed, so a retried attempt
 * repeats nothing that already happened.
 */
export function createTurnActivities(parts: {
  store: ReturnType<typeof createStoreActivities>;
  records: ReturnType<typeof createRecordActivities>;
  whatsapp: ReturnType<typeof createWhatsAppActivities>;
  settings: ConversationSettings;
}) {
  return {
    async handleTurn(input: TurnInput): Promise<TurnResult> {
      let refused = 0;
      for (const [index, item] of input.items.entries()) {
        const { duplicates } = await parts.store.recordInbound({ phone: input.phone, items: [item] });
        if (duplicates.length > 0) return { settings: parts.settings, duplicateAt: index, refused };
        for (const operation of item.operations) {
          if (operation.kind === 'records') {
            await parts.records.applyRecords({ phone: input.phone, records: operation.records });
            continue;
          }
          try {
            await parts.whatsapp.deliverMessage(operation.send);
          } catch (err) {
            // A refusal is final and already on the message's row; anything else is retried.
            if (!(err instanceof ApplicationFailure && err.type === WHATSAPP_REJECTED)) throw err;
            refused++;
          }
        }
      }
      if (input.state) await parts.store.saveConversationState({ phone: input.phone, ...input.state });
      return { settings: parts.settings, refused };
    },
  };
}
