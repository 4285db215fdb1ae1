import { ApplicationFailure } from '@temporalio/activity';
import { WHATSAPP_REJECTED, type SetAsideReason } from '../domain/failures';
import { permanentReason } from './failures';
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
  /** The flow could not handle this message: it is stored and set aside, and only `operations` (a notice) follow. */
  setAside?: { reason: SetAsideReason; error: string };
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
  /**
   * Index of an item whose handling failed for good (set aside, with why): the items before it were
   * done, nothing after it was, and its own step counts as not having happened.
   */
  failedAt?: number;
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
      const { phone } = input;
      let refused = 0;
      for (const [index, item] of input.items.entries()) {
        try {
          const { duplicates } = await parts.store.recordInbound({ phone, items: [item] });
          if (duplicates.length > 0) return { settings: parts.settings, duplicateAt: index, refused };
          if (item.setAside) await parts.store.setAside({ phone, ...item.setAside, item: { inbound: item.message } });
          for (const operation of item.operations) {
            if (operation.kind === 'records') {
              await parts.records.applyRecords({ phone, records: operation.records });
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
        } catch (err) {
          // One message that can never be handled must not hold back the ones behind it.
          const reason = permanentReason(err);
          if (reason === undefined) throw err;
          await parts.store.setAside({ phone, reason, error: String(err), item: { inbound: item.message } });
          return { settings: parts.settings, failedAt: index, refused };
        }
      }
      if (input.state) await parts.store.saveConversationState({ phone, ...input.state });
      return { settings: parts.settings, refused };
    },
  };
}
