import http from 'node:http';
import { asyncLocalStorage } from '@temporalio/activity';
import { createActivityParts, type ActivityParts, type RecordEffect } from '../../activities';
import { conversationSettings, type Config } from '../../src/config';
import { resolveContacts } from '../../src/db/contacts';
import { recordStatus } from '../../src/db/messages';
import { createDb } from '../../src/db/pool';
import type { Logger } from '../../src/logger';
import type { Running } from '../../src/runtime';
import { createGraphClient } from '../../src/whatsapp/graph-client';
import { parseWebhook } from '../../src/whatsapp/parse-webhook';
import { verifySignature } from '../../src/whatsapp/signature';
import type { Effect } from '../../domain/effects';
import { initialFlowState, type FlowState } from '../../workflows/flow/state';
import { inboundCause } from '../../workflows/flow/ids';
import { step } from '../../workflows/flow/step';
import type { InboundMessage } from '../../domain/types';

// The bare pipeline: what the engine does for a message minus Temporal. The same signature check,
// parsing, flow function and activity code (so the same Postgres writes and Graph API calls), with
// each contact's messages chained in memory instead of in a workflow. It is not durable — a crash loses
// the queue — which is exactly the price Temporal is paid to remove; its throughput is the ceiling of
// the work itself on this machine.

export async function startBarePipeline(config: Config, logger: Logger): Promise<Running> {
  const db = createDb(config.databaseUrl!, logger);
  const settings = conversationSettings(config);
  const whatsapp = createGraphClient({
    baseUrl: config.whatsapp.apiBaseUrl,
    accessToken: config.whatsapp.accessToken,
    phoneNumberId: config.whatsapp.phoneNumberId,
  });
  const parts = createActivityParts({ db, whatsapp, settings });
  const conversations = new Map<string, { flow: FlowState; sends: number; chain: Promise<void>; seen: Set<string> }>();
  // The activities log through the activity context; give them a quiet one.
  const quiet = { log: { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop } };
  const inContext = <T>(fn: () => Promise<T>): Promise<T> => asyncLocalStorage.run(quiet as never, fn);

  const handle = async (contactId: string, message: InboundMessage): Promise<void> => {
    const c = conversations.get(contactId)!;
    const recorded = await inContext(() =>
      parts.store.recordInbound({ contactId, items: [{ message, ingestKey: `bare/${message.waMessageId}` }] }),
    );
    if (recorded.duplicates.length > 0) return;
    const result = step(
      c.flow,
      { type: 'inbound', message },
      {
        settings,
        now: Date.now(),
        contactId,
        cause: inboundCause(message.waMessageId),
      },
    );
    const before = c.flow;
    c.flow = result.state;
    await carryOut(parts, contactId, result.effects, c, inContext);
    if (before.name !== c.flow.name || before.registered !== c.flow.registered) {
      await inContext(() =>
        parts.store.saveConversationState({ contactId, state: c.flow.name, registered: c.flow.registered }),
      );
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        if (
          !verifySignature(raw, req.headers['x-hub-signature-256'] as string | undefined, config.whatsapp.appSecret)
        ) {
          res.writeHead(401).end();
          return;
        }
        const parsed = parseWebhook(JSON.parse(raw.toString('utf8')), Date.now());
        for (const status of parsed.statuses) await recordStatus(db, status);
        // The webhook's own resolution: every sender to its contact, before anything is queued.
        const contactIds = await resolveContacts(
          db,
          parsed.messages.map((m) => ({
            sender: m.sender,
            ...(m.identityChange === undefined ? {} : { change: m.identityChange }),
          })),
        );
        for (const [i, message] of parsed.messages.entries()) {
          const contactId = contactIds[i]!;
          let c = conversations.get(contactId);
          if (!c)
            conversations.set(
              contactId,
              (c = { flow: initialFlowState(), sends: 0, chain: Promise.resolve(), seen: new Set() }),
            );
          // The workflow's own guard: a redelivered wamid is dropped before it costs anything.
          if (c.seen.has(message.waMessageId)) continue;
          c.seen.add(message.waMessageId);
          c.chain = c.chain
            .then(() => handle(contactId, message))
            .catch((err: unknown) => logger.error('bare pipeline step failed', { error: err }));
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success"}');
      })().catch((err: unknown) => {
        logger.error('bare webhook failed', { error: err });
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(config.port, '127.0.0.1', resolve));
  return {
    async stop() {
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      await Promise.all([...conversations.values()].map((c) => c.chain));
      await db.close();
    },
  };
}

/** The workflow's carryOut without the workflow: record effects batched, sends one by one in order. */
async function carryOut(
  parts: ActivityParts,
  contactId: string,
  effects: Effect[],
  c: { sends: number },
  inContext: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<void> {
  let records: RecordEffect[] = [];
  const flush = async (): Promise<void> => {
    if (records.length > 0) {
      const batch = records;
      await inContext(() => parts.records.applyRecords({ contactId, records: batch }));
    }
    records = [];
  };
  for (const effect of effects) {
    if (effect.type === 'startTimer' || effect.type === 'cancelTimer') continue;
    if (effect.type !== 'send') {
      records.push(effect);
      continue;
    }
    await flush();
    const key = `bare/${contactId}/send-${++c.sends}`;
    await inContext(() =>
      parts.whatsapp.deliverMessage({
        contactId,
        key,
        content: effect.content,
        sender: effect.agent ? 'agent' : 'bot',
      }),
    );
  }
  await flush();
}

function noop(): void {}
