import {
  closeChatSession,
  noteChatAvailable,
  noteChatFirstResponse,
  noteUserChatMessage,
  openChatSession,
  rateChatSession,
  recordSlaEvent,
  setChatHolder,
  setChatSla,
} from '../src/db/chat-sessions';
import { claimAgent } from '../src/db/assignment';
import { setCampaignOptOut } from '../src/db/campaign-opt-out';
import { insertHomework, type HomeworkSubmission } from '../src/db/homework';
import { storeUserMedia } from '../src/db/media';
import { confirmPayment, createPayment, expirePayment } from '../src/db/payments';
import type { Db } from '../src/db/pool';
import { saveProfile, setSubscription } from '../src/db/users';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import type { Effect } from '../domain/effects';

/** The flow's effects that only write records (sends and timers are carried out by the workflow itself). */
export type RecordEffect = Exclude<Effect, { type: 'send' | 'startTimer' | 'cancelTimer' }>;

/** A chat automatic assignment gave an agent. */
export interface Claim {
  sessionKey: string;
  holder: { agentId: number; name: string };
}

/** What writing records learned that the workflow must know: the agents chats were given to. */
export interface RecordsResult {
  claims?: Claim[];
}

export function createRecordActivities(db: Db, whatsapp: WhatsAppClient) {
  return {
    /**
     * Writes consecutive record effects of one step in one transaction, so a step's records are all
     * there or none are. Every write is keyed (reference, session key, contact), so a retry is a no-op.
     * Photos are downloaded from WhatsApp first, outside the transaction: the Graph media URL expires.
     */
    async applyRecords(input: { contactId: string; records: RecordEffect[] }): Promise<RecordsResult> {
      const mediaRows = new Map<string, number>();
      for (const record of input.records) {
        if (record.type === 'saveHomework' && record.submission.kind === 'image') {
          const { mediaId, mimeType } = record.submission;
          // Streamed into chunks: a photo is never whole in the worker's memory.
          const stored = await storeUserMedia(db, whatsapp, mediaId, mimeType === undefined ? {} : { mimeType });
          mediaRows.set(mediaId, stored.id);
        }
      }
      const claims: Claim[] = [];
      await db.withTransaction(async (client) => {
        for (const record of input.records) {
          if (record.type !== 'claimAgent') {
            await applyRecord(client, input.contactId, record, mediaRows);
            continue;
          }
          const holder = await claimAgent(client, input.contactId, {
            key: `${input.contactId}/${record.id}`,
            sessionKey: record.sessionKey,
            capacity: record.capacity,
          });
          if (holder) claims.push({ sessionKey: record.sessionKey, holder });
        }
      });
      return claims.length > 0 ? { claims } : {};
    },
  };
}

async function applyRecord(
  client: Parameters<Parameters<Db['withTransaction']>[0]>[0],
  contactId: string,
  record: Exclude<RecordEffect, { type: 'claimAgent' }>,
  mediaRows: Map<string, number>,
): Promise<void> {
  switch (record.type) {
    case 'saveProfile':
      return saveProfile(client, contactId, record.profile);
    case 'saveHomework': {
      const { submission } = record;
      const stored: HomeworkSubmission =
        submission.kind === 'text'
          ? submission
          : { kind: 'image', mediaRowId: mediaRows.get(submission.mediaId)!, caption: submission.caption };
      return insertHomework(client, {
        contactId,
        reference: record.reference,
        subject: record.subject,
        submission: stored,
      });
    }
    case 'createPayment':
      return createPayment(client, {
        contactId,
        reference: record.reference,
        planName: record.planName,
        amount: record.amount,
      });
    case 'confirmPayment':
      await confirmPayment(client, record.reference, record.activeUntil);
      return setSubscription(client, contactId, record.activeUntil);
    case 'expirePayment':
      return expirePayment(client, record.reference);
    case 'openChat':
      return openChatSession(client, contactId, record.sessionKey, record.startedBy, {
        ...(record.availableAt === undefined ? {} : { availableAt: record.availableAt }),
        ...(record.sla === undefined ? {} : { sla: record.sla }),
      });
    case 'chatUserMessage':
      return noteUserChatMessage(client, record.sessionKey);
    case 'closeChat':
      return closeChatSession(client, record.sessionKey, record.endedBy, record);
    case 'chatFirstResponse':
      return noteChatFirstResponse(client, record.sessionKey, record.businessSeconds, record.sla);
    case 'chatSla':
      return setChatSla(client, record.sessionKey, record);
    case 'slaEvent':
      return recordSlaEvent(client, contactId, record);
    case 'chatAvailable':
      return noteChatAvailable(client, contactId);
    case 'recordRating':
      return rateChatSession(client, record.sessionKey, record.rating);
    case 'campaignOptOut':
      return setCampaignOptOut(client, contactId, record.optedOut ? new Date(record.at) : null);
    case 'setHolder':
      return setChatHolder(client, contactId, {
        key: `${contactId}/${record.id}`,
        sessionKey: record.sessionKey,
        holder: record.holder,
        by: record.by,
      });
  }
}
