import os from 'node:os';
import type { Config } from '../config';
import { insertAuditEntry } from '../db/audit';
import { CONTACT_ID } from '../db/contacts';
import type { Db } from '../db/pool';
import { resolveContactReference } from '../server/admin/params';
import { HttpError } from '../server/errors';
import { connectTemporalClient } from './connect';
import { erasureKnown, requestErasure, type ErasureOutcome } from './erase-contact';
import { withPayloadKeys } from './payload-keys';
import { acceptsTcp, splitAddress } from './server-checks';

// `npm run admin -- erase <contact id|phone|BSUID|@username>`: the admin route's erasure from a shell,
// audited as the API's is (action `contacts.erase`) with the machine account that ran it as the actor;
// the erasure itself records its own `contact.erase` entry naming the same actor.

// The CLI waits for the end: the route answers 202 after 30 s, a shell can wait longer.
const WAIT_MS = 10 * 60_000;

interface Outcome {
  exitCode: number;
  outcome: string;
  httpStatus: number;
  contactId?: string;
  details?: Record<string, unknown>;
}

/** Erases the contact a reference names; returns the exit code (0 erased, 1 refused or unknown, 2 not a reference). */
export async function runEraseCommand(reference: string, deps: { db: Db; config: Config }): Promise<number> {
  const actor = `admin-cli:${os.userInfo().username}`;
  const result = await erase(reference.trim(), actor, deps).catch(async (error: unknown) => {
    await audit(deps.db, actor, { exitCode: 1, outcome: 'internal_error', httpStatus: 500 });
    throw error;
  });
  await audit(deps.db, actor, result);
  return result.exitCode;
}

async function erase(reference: string, actor: string, { db, config }: { db: Db; config: Config }): Promise<Outcome> {
  let contactId: string | undefined;
  try {
    contactId = await resolveContactReference(db, reference);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    // A contact id no longer in Postgres may be one erased already: Temporal still knows its erasure.
    if (err.status !== 404 || !CONTACT_ID.test(reference)) {
      const message = err.status === 404 ? 'no contact has this phone number, BSUID, username or id' : err.message;
      return refuse(message, err.code, err.status, err.status === 400 ? 2 : 1);
    }
  }

  const address = config.temporalAddress ?? `127.0.0.1:${config.temporalDevPort}`;
  if (!(await acceptsTcp(...splitAddress(address)))) {
    const hint = config.temporalAddress
      ? 'is TEMPORAL_ADDRESS right?'
      : 'start the product (npm start) or set TEMPORAL_ADDRESS';
    return refuse(`no Temporal server answers at ${address}: ${hint}`, 'temporal_unavailable', 503);
  }
  // The worker's payload keys (TEMPORAL_PAYLOAD_KEYS, or the running npm start's): the erasure's input is
  // encrypted like every payload, and its result read back.
  const { temporalSecurity } = withPayloadKeys(config, { create: false });
  const { connection, client } = await connectTemporalClient(temporalSecurity, address, config.temporalNamespace);
  let outcome: ErasureOutcome | undefined;
  try {
    if (contactId === undefined && (await erasureKnown(client, reference))) contactId = reference;
    if (contactId !== undefined) {
      process.stderr.write(`erasing ${contactId}…\n`);
      outcome = await requestErasure(client, config.taskQueue, contactId, { actor }, WAIT_MS);
    }
  } finally {
    await connection.close();
  }
  if (outcome === undefined) return refuse('no contact has this id', 'contact_not_found', 404);
  const erased = contactId ?? reference;
  if (!outcome.done) {
    process.stderr.write(
      `edubot-admin: the erasure of ${erased} goes on (${outcome.workflowId}); run the command again to wait\n`,
    );
    return { exitCode: 1, outcome: 'in_progress', httpStatus: 202, contactId: erased };
  }
  const { result } = outcome;
  const rows = Object.entries(result.rows)
    .filter(([, count]) => count > 0)
    .map(([table, count]) => `${table}=${count}`)
    .join(' ');
  process.stdout.write(
    `erased ${result.contactIds.join(', ')}\nrows: ${rows || 'none'}\ntemporal runs deleted: ${result.temporalRunsDeleted}\n`,
  );
  return {
    exitCode: 0,
    outcome: 'ok',
    httpStatus: 200,
    contactId: erased,
    details: { erasedContacts: result.contactIds.length },
  };
}

function refuse(message: string, outcome: string, httpStatus: number, exitCode = 1): Outcome {
  process.stderr.write(`edubot-admin: ${message}\n`);
  return { exitCode, outcome, httpStatus };
}

async function audit(db: Db, actor: string, result: Outcome): Promise<void> {
  await insertAuditEntry(db, {
    actor,
    action: 'contacts.erase',
    ...(result.contactId === undefined ? {} : { contactId: result.contactId }),
    outcome: result.outcome,
    httpStatus: result.httpStatus,
    details: result.details ?? {},
  });
}
