import type { Db } from '../src/db/pool';
import type { SupportDefaults } from '../src/db/support-settings';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import type { ConversationSettings } from '../domain/types';
import { createCampaignActivities } from './campaign';
import { createErasureActivities } from './erasure';
import { classifyFailures } from './failures';
import { createRecordActivities } from './records';
import { createRetentionActivities, type RetentionSettings } from './retention';
import { createStoreActivities } from './store';
import { createSupportPolicyReader, type SupportPolicyReader } from './support-policy';
import { createTurnActivities } from './turn';
import { createWhatsAppActivities } from './whatsapp';

export type { DeliverInput, DeliverResult } from './whatsapp';
export type { ErasureActivities } from './erasure';
export type { RecordInboundInput, RecordInboundResult } from './store';
export type { RecordEffect } from './records';
export type { TurnInput, TurnItem, TurnOperation, TurnResult } from './turn';

export interface ActivityDeps {
  db: Db;
  whatsapp: WhatsAppClient;
  settings: ConversationSettings;
  /** RETENTION_*: how long each kind of data is kept; unset, the retention activity prunes nothing. */
  retention?: RetentionSettings;
  /** BUSINESS_HOURS, BUSINESS_TIMEZONE: the start-up defaults readSupportPolicy (src/db/support-settings.ts) falls back to. */
  supportDefaults?: SupportDefaults;
}

/**
 * The parts the turn activity is made of: storing a message, writing records, sending one message.
 * The workflow calls none of them itself; they are built apart for the turn, the bare pipeline of the
 * benchmark and the tests that stub them.
 */
export function createActivityParts(
  deps: ActivityDeps,
  support: SupportPolicyReader = createSupportPolicyReader(deps.db, deps.supportDefaults),
): ActivityParts {
  return {
    store: createStoreActivities(deps.db, deps.settings, support),
    whatsapp: createWhatsAppActivities(deps.db, deps.whatsapp),
    records: createRecordActivities(deps.db, deps.whatsapp),
  };
}

export interface ActivityParts {
  store: ReturnType<typeof createStoreActivities>;
  whatsapp: ReturnType<typeof createWhatsAppActivities>;
  records: ReturnType<typeof createRecordActivities>;
}

/**
 * Every activity the worker registers, built over injected dependencies: what the conversation
 * workflow calls, and the steps of a student's erasure (erasure.ts). Each conversation activity throws
 * a failure no retry can mend as non-retryable, so the workflow sets its item aside instead of retrying
 * it forever. An activity's input only gains optional fields, and an activity stays registered while
 * any supported version still calls it (README, Upgrading): runs of an older version call these until
 * they continue as new onto the current one.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createConversationActivities(deps),
    // Erasure's steps retry every failure: giving up would leave a student half erased.
    ...createErasureActivities(deps.db),
    // Retention's batches are retried as they are: each is bounded and starts from what is still old.
    ...createRetentionActivities(deps.db, deps.retention),
    // A campaign's steps retry every failure: its rows say what was sent, so a retry sends nothing twice.
    ...createCampaignActivities(deps.db, deps.whatsapp),
  };
}

function createConversationActivities(deps: ActivityDeps) {
  // One reader for the worker: the policy is read at most every few seconds, whatever the traffic.
  const support = createSupportPolicyReader(deps.db, deps.supportDefaults);
  const parts = createActivityParts(deps, support);
  const { loadConversation, loadSettings, saveConversationState, setAside } = parts.store;
  return classifyFailures({
    loadConversation,
    loadSettings,
    saveConversationState,
    setAside,
    ...createTurnActivities({
      ...parts,
      settings: deps.settings,
      support,
    }),
  });
}

/** What the conversation workflow calls: the part of `createActivities` its tests stub. */
export type Activities = ReturnType<typeof createConversationActivities>;
