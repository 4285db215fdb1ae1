import type { Db } from '../src/db/pool';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import type { ConversationSettings } from '../domain/types';
import { classifyFailures } from './failures';
import { createRecordActivities } from './records';
import { createStoreActivities } from './store';
import { createTurnActivities } from './turn';
import { createWhatsAppActivities } from './whatsapp';

export type { DeliverInput, DeliverResult } from './whatsapp';
export type { RecordInboundInput, RecordInboundResult } from './store';
export type { RecordEffect } from './records';
export type { TurnInput, TurnItem, TurnOperation, TurnResult } from './turn';

export interface ActivityDeps {
  db: Db;
  whatsapp: WhatsAppClient;
  settings: ConversationSettings;
}

/**
 * Every activity the worker registers, built over injected dependencies. Each throws a failure no retry
 * can mend as non-retryable, so the workflow sets its item aside instead of retrying it forever.
 */
export function createActivities(deps: ActivityDeps) {
  const store = createStoreActivities(deps.db, deps.settings);
  const whatsapp = createWhatsAppActivities(deps.db, deps.whatsapp);
  const records = createRecordActivities(deps.db, deps.whatsapp);
  return classifyFailures({
    ...store,
    ...whatsapp,
    ...records,
    ...createTurnActivities({ store, records, whatsapp, settings: deps.settings }),
  });
}

export type Activities = ReturnType<typeof createActivities>;
