import type { Db } from '../src/db/pool';
import type { WhatsAppClient } from '../src/whatsapp/graph-client';
import type { ConversationSettings } from '../workflows/types';
import { createRecordActivities } from './records';
import { createStoreActivities } from './store';
import { createWhatsAppActivities } from './whatsapp';

export type { DeliverInput, DeliverResult } from './whatsapp';
export type { RecordInboundInput, RecordInboundResult } from './store';
export type { RecordEffect } from './records';

export interface ActivityDeps {
  db: Db;
  whatsapp: WhatsAppClient;
  settings: ConversationSettings;
}

/** Every activity the worker registers, built over injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createStoreActivities(deps.db, deps.settings),
    ...createWhatsAppActivities(deps.db, deps.whatsapp),
    ...createRecordActivities(deps.db, deps.whatsapp),
  };
}

export type Activities = ReturnType<typeof createActivities>;
