import { ApplicationFailure } from '@temporalio/activity';
import { WHATSAPP_REJECTED, type SetAsideReason } from '../domain/failures';
import { permanentReason } from './failures';
import type { ConversationSettings, InboundMessage } from '../domain/types';
import type { Claim, createRecordActivities, RecordEffect } from './records';
import type { createStoreActivities } from './store';
import { currentSettings, type SupportPolicyReader } from './support-policy';
import type { createWhatsAppActivities, DeliverInput } from './whatsapp';

/** One thing a flow step asked for, in order: records written together, or one message sent. */
export type TurnOperation = { kind: 'records'; records: RecordEffect[] } | { kind: 'send'; send: DeliverInput };

/** What caused a step: an inbound message (stored first, under its ingest key), or another event. */
export type TurnCause = { message: InboundMessage; ingestKey: string } | { event: unknown };

export type TurnItem = TurnCause & {
  operations: TurnOperation[];
  /** The flow could not handle this message: it is stored and set aside, and only `operations` (a notice) follow. */
  setAside?: { reason: SetAsideReason; error: string };
};

export interface TurnInput {
  contactId: string;
  items: TurnItem[];
  /** The conversation's state after the last item, when it changed: saved for the admin list. */
  state?: { state: string; registered: boolean };
}

/** How a message an agent wrote went: accepted with its wamid, or refused for good (with WhatsApp's code). */
export type AgentSendOutcome = { waMessageId: string } | { refusedCode: number | null };

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
  /** The messages agents wrote, in order, when there were any. */
  agentSends?: AgentSendOutcome[];
  /** Chats automatic assignment gave an agent. */
  claims?: Claim[];
}

/**
 * The one executor of flow steps: each item's cause is stored (an inbound message), then the records
 * and sends its step asked for are carried out in order, then the state is saved, all in ONE local
 * activity. The workflow computed the steps beforehand (the flow is pure), so a batch of messages, an
 * agent command, a payment or a timer costs the workflow one activity. Every write is keyed, so a
 * retried attempt repeats nothing that already happened.
 */
export function createTurnActivities(parts: {
  store: ReturnType<typeof createStoreActivities>;
  records: ReturnType<typeof createRecordActivities>;
  whatsapp: ReturnType<typeof createWhatsAppActivities>;
  settings: ConversationSettings;
  /** The support team's policy, handed over with the settings (read at most every few seconds). */
  support?: SupportPolicyReader;
}) {
  return {
    async handleTurn(input: TurnInput): Promise<TurnResult> {
      const { contactId } = input;
      // Started at once, awaited at the end: a cached policy costs nothing, a fresh read overlaps the turn.
      const settings = currentSettings(parts.settings, parts.support);
      // Read failures are handled inside; this keeps an early return from leaving it unobserved.
      settings.catch(() => undefined);
      let refused = 0;
      const agentSends: AgentSendOutcome[] = [];
      const claims: Claim[] = [];
      const result = async (stop: Partial<TurnResult> = {}): Promise<TurnResult> => ({
        settings: await settings,
        refused,
        ...stop,
        ...(agentSends.length > 0 ? { agentSends } : {}),
        ...(claims.length > 0 ? { claims } : {}),
      });
      for (const [index, item] of input.items.entries()) {
        const cause = 'message' in item ? { inbound: item.message } : { event: item.event };
        try {
          if ('message' in item) {
            const { duplicates } = await parts.store.recordInbound({ contactId, items: [item] });
            if (duplicates.length > 0) return result({ duplicateAt: index });
          }
          if (item.setAside) await parts.store.setAside({ contactId, ...item.setAside, item: cause });
          for (const operation of item.operations) {
            if (operation.kind === 'records') {
              const written = await parts.records.applyRecords({ contactId, records: operation.records });
              claims.push(...(written.claims ?? []));
              continue;
            }
            const agent = operation.send.sender === 'agent';
            try {
              const { waMessageId } = await parts.whatsapp.deliverMessage(operation.send);
              if (agent) agentSends.push({ waMessageId });
            } catch (err) {
              // A refusal is final and already on the message's row; anything else is retried.
              if (!(err instanceof ApplicationFailure && err.type === WHATSAPP_REJECTED)) throw err;
              refused++;
              if (agent) agentSends.push({ refusedCode: refusalCode(err) });
            }
          }
        } catch (err) {
          // One item that can never be handled must not hold back the ones behind it.
          const reason = permanentReason(err);
          if (reason === undefined) throw err;
          await parts.store.setAside({ contactId, reason, error: String(err), item: cause });
          return result({ failedAt: index });
        }
      }
      if (input.state) await parts.store.saveConversationState({ contactId, ...input.state });
      return result();
    },
  };
}

function refusalCode(err: ApplicationFailure): number | null {
  const details = err.details?.[0] as { code?: number | null } | undefined;
  return details?.code ?? null;
}
