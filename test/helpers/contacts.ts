import { findContactBy, type IdentityKind } from '../../src/db/contacts';
import type { Db } from '../../src/db/pool';
import { conversationWorkflowId } from '../../workflows/messages';
import { isBsuid } from './fixtures';
import { waitFor } from './wait';

// Tests speak of students by the phone number or BSUID they write from; the product keys everything by
// the contact the webhook resolved them to. These look the contact up, as an operator's `find` would.

const kindOf = (identifier: string): IdentityKind => (isBsuid(identifier) ? 'bsuid' : 'phone');

/** The contact of a phone number (digits) or a BSUID, once the webhook has made it. */
export function contactIdOf(db: Db, identifier: string, timeoutMs?: number): Promise<string> {
  const digits = kindOf(identifier) === 'phone' ? identifier.replace(/\D/g, '') : identifier;
  return waitFor(() => findContactBy(db, kindOf(identifier), digits), `the contact of ${identifier}`, timeoutMs);
}

/** The contact of a phone number or BSUID, or undefined when no webhook named it yet. */
export function findContactOf(db: Db, identifier: string): Promise<string | undefined> {
  const kind = kindOf(identifier);
  return findContactBy(db, kind, kind === 'phone' ? identifier.replace(/\D/g, '') : identifier);
}

/** The id of the workflow holding that student's conversation. */
export async function workflowIdOf(db: Db, identifier: string): Promise<string> {
  return conversationWorkflowId(await contactIdOf(db, identifier));
}
