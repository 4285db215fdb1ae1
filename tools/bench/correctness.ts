import type { Client } from '@temporalio/client';
import pg from 'pg';
import { workflowIdOfPhone } from './history';
import type { PhaseResult } from './protocol';

// What must hold once a phase has drained: every inbound message stored exactly once, every expected
// bot message sent exactly once, every status stored, and nothing left waiting in a workflow.

export interface Correctness {
  /** Accepted inbound messages with no row, and rows for the phase's numbers that were never sent. */
  inboundMissing: number;
  inboundExtra: number;
  inboundDuplicated: number;
  /** Bot messages the fake saw that were not expected, and expected ones it never saw. */
  sendsUnexpected: number;
  sendsMissing: number;
  /** Outbound rows vs messages the fake accepted. */
  outboundRows: number;
  outboundAccepted: number;
  statusesStored: number;
  statusesExpected: number;
  /** Conversations queried for work not yet handled (a sample), and those that had some. */
  workflowsChecked: number;
  workflowsWithPending: number;
  busiestHistoryLength?: number;
  /** The sampled conversations' history events (current run) and the inbound messages they stored. */
  historySample?: { workflows: number; events: number; inbound: number };
  ok: boolean;
  problems: string[];
}

/** The contacts of the phase's numbers ($1: their common prefix and `%`), any number they wrote from. */
const PHASE_CONTACTS = `select contact_id from contact_identities where kind = 'phone' and value like $1`;

export async function checkPhase(
  databaseUrl: string,
  result: PhaseResult,
  phonePrefix: string,
  temporal: Client | undefined,
): Promise<Correctness> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const like = `${phonePrefix}%`;
  try {
    const inbound = await client.query<{ wa_message_id: string }>(
      `select wa_message_id from messages where direction = 'inbound' and contact_id in (${PHASE_CONTACTS})`,
      [like],
    );
    const stored = new Set(inbound.rows.map((r) => r.wa_message_id));
    const sent = new Set(result.wamids);
    let inboundMissing = 0;
    for (const id of sent) if (!stored.has(id)) inboundMissing += 1;
    let inboundExtra = 0;
    for (const id of stored) if (!sent.has(id)) inboundExtra += 1;
    const outbound = await client.query<{ rows: string; accepted: string }>(
      `select count(*) as rows, count(wa_message_id) as accepted from messages
        where direction = 'outbound' and contact_id in (${PHASE_CONTACTS})`,
      [like],
    );
    const statuses = await client.query<{ n: string }>(
      `select count(*) as n from status_events s join messages m on m.wa_message_id = s.wa_message_id
        where m.direction = 'outbound' and m.contact_id in (${PHASE_CONTACTS})`,
      [like],
    );
    const outboundRows = Number(outbound.rows[0]!.rows);
    const outboundAccepted = Number(outbound.rows[0]!.accepted);
    const statusesStored = Number(statuses.rows[0]!.n);
    const statusesExpected = result.statusesPosted;

    let workflowsChecked = 0;
    let workflowsWithPending = 0;
    let busiestHistoryLength: number | undefined;
    const historySample = { workflows: 0, events: 0, inbound: 0 };
    if (temporal !== undefined && result.targetKind === 'webhook') {
      const sample = pickPhones(phonePrefix, result.phones, 20);
      for (const phone of sample) {
        const workflowId = await workflowIdOfPhone(client, phone);
        if (workflowId === undefined) continue;
        const handle = temporal.workflow.getHandle(workflowId);
        const view = await handle.query<{ pending: number }>('conversation').catch(() => undefined);
        if (view === undefined) continue;
        workflowsChecked += 1;
        if (view.pending > 0) workflowsWithPending += 1;
        const description = await handle.describe().catch(() => undefined);
        if (description !== undefined) {
          const stored = await client.query<{ n: string }>(
            `select count(*) as n from messages where direction = 'inbound' and contact_id in (${PHASE_CONTACTS})`,
            [phone],
          );
          historySample.workflows += 1;
          historySample.events += description.historyLength;
          historySample.inbound += Number(stored.rows[0]!.n);
        }
      }
      if (result.busiestPhone !== undefined) {
        const workflowId = await workflowIdOfPhone(client, result.busiestPhone);
        const description =
          workflowId === undefined
            ? undefined
            : await temporal.workflow
                .getHandle(workflowId)
                .describe()
                .catch(() => undefined);
        busiestHistoryLength = description?.historyLength;
      }
    }

    const problems: string[] = [];
    if (inboundMissing > 0) problems.push(`${inboundMissing} accepted inbound messages not stored`);
    if (inboundExtra > 0) problems.push(`${inboundExtra} stored inbound messages never sent by the bench`);
    if (result.unexpectedSends > 0)
      problems.push(`${result.unexpectedSends} bot messages not expected (duplicates or wrong answers)`);
    if (result.missingSends > 0) problems.push(`${result.missingSends} expected bot messages never sent`);
    if (result.ackErrors > 0) problems.push(`${result.ackErrors} webhooks answered non-200 (posted again)`);
    if (outboundAccepted !== result.observedSends)
      problems.push(`${outboundAccepted} accepted outbound rows vs ${result.observedSends} sends seen by the fake`);
    if (statusesStored !== statusesExpected - result.statusErrors)
      problems.push(`${statusesStored} statuses stored of ${statusesExpected} posted`);
    if (workflowsWithPending > 0)
      problems.push(`${workflowsWithPending} of ${workflowsChecked} sampled workflows still have pending work`);
    return {
      inboundMissing,
      inboundExtra,
      // The unique wamid column makes a second row impossible; a duplicate shows as an extra answer instead.
      inboundDuplicated: inbound.rows.length - stored.size,
      sendsUnexpected: result.unexpectedSends,
      sendsMissing: result.missingSends,
      outboundRows,
      outboundAccepted,
      statusesStored,
      statusesExpected,
      workflowsChecked,
      workflowsWithPending,
      ...(busiestHistoryLength === undefined ? {} : { busiestHistoryLength }),
      ...(historySample.workflows > 0 ? { historySample } : {}),
      ok: problems.length === 0,
      problems,
    };
  } finally {
    await client.end();
  }
}

function pickPhones(prefix: string, count: number, sample: number): string[] {
  const step = Math.max(1, Math.floor(count / sample));
  const phones: string[] = [];
  for (let i = 0; i < count && phones.length < sample; i += step)
    phones.push(`${prefix}${String(i).padStart(13 - prefix.length, '0')}`);
  return phones;
}
