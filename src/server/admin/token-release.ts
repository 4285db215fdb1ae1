import { EXPIRY_ACTOR, type Role } from '../../auth/tokens';
import { canSignIn } from '../../db/agents';
import { listChatsHeldBy, listSignedOutHolders, setAvailability } from '../../db/assignment';
import { insertAuditEntry } from '../../db/audit';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import type { ChatCommandResult, ChatCommands } from '../chat-commands';

// What follows the loss of someone's last working token (revoked or expired): a person who cannot
// sign in cannot answer a chat, so they leave automatic assignment and the chats they hold go back to
// the queue.

export interface Release {
  /** Open chats the person held that nobody holds now (or, with automatic assignment, someone else). */
  returned: string[];
  /** Open chats not given back this time (Temporal away, another release running): the sweep retries them. */
  notReturned: string[];
}

export interface ReleaseDeps {
  db: Db;
  chat: ChatCommands;
  logger: Logger;
  autoAssign: boolean;
}

/**
 * Who gives the chats back: the revoker, or EXPIRY_ACTOR. `admin` lets them give back a chat they do
 * not hold. `auditEach`: a row per chat in the audit log; a revocation's request has its own row
 * (which lists the chats), and every request leaves exactly one.
 */
export interface Releaser {
  name: string;
  agentId?: number;
  tokenId?: number;
  role?: Role;
  admin: boolean;
  auditEach: boolean;
}

/** How often each server looks for chats held by someone whose last token expired. */
export const EXPIRY_SWEEP_MS = 60_000;

// One release at a time across every server: a list of held chats read by one release must not be
// acted on after another has already given them back and automatic assignment has handed them on
// (an admin's unassign would then take them from their new holder). Any constant works.
const RELEASE_LOCK_ID = 4_211_341;
const LOCK_ATTEMPTS = 50;
const LOCK_PAUSE_MS = 100;

/**
 * Releases the person `agentId` if none of their tokens lets them in any more. Each chat goes back
 * through its conversation's own unassign, as if `by` had given it back: the workflow stays the only
 * writer of the holder, the history and the console show the change under `by`'s name (and, with
 * `auditEach`, a `chat.unassign` audit row per chat). With automatic assignment on, each is then offered to the
 * available agents, as a new chat would be. `wait`: false gives up at once when another release runs.
 */
export async function releaseIfSignedOut(
  deps: ReleaseDeps,
  agentId: number,
  by: Releaser,
  wait = true,
): Promise<Release> {
  // Another token of theirs still works: they can still answer what they hold.
  if (await canSignIn(deps.db, agentId)) return { returned: [], notReturned: [] };
  await setAvailability(deps.db, agentId, false);
  const released = await withReleaseLock(deps.db, wait, () => giveBack(deps, agentId, by));
  return released ?? { returned: [], notReturned: await listChatsHeldBy(deps.db, agentId) };
}

/**
 * Gives back the chats of everyone who holds some but can no longer sign in, under EXPIRY_ACTOR: the
 * people whose last token expired, and any revocation whose release could not finish.
 */
export async function releaseSignedOutHolders(deps: ReleaseDeps): Promise<Release> {
  const total: Release = { returned: [], notReturned: [] };
  for (const agentId of await listSignedOutHolders(deps.db)) {
    const release = await releaseIfSignedOut(
      deps,
      agentId,
      { name: EXPIRY_ACTOR, agentId, admin: false, auditEach: true },
      false,
    );
    total.returned.push(...release.returned);
    total.notReturned.push(...release.notReturned);
  }
  return total;
}

/** Runs releaseSignedOutHolders every EXPIRY_SWEEP_MS until the returned stop is called. */
export function startExpirySweep(deps: ReleaseDeps, everyMs = EXPIRY_SWEEP_MS): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    releaseSignedOutHolders(deps)
      .catch((err: unknown) => deps.logger.warn('expired holders not released', { error: err }))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  // Never what keeps a process alive.
  timer.unref();
  return () => clearInterval(timer);
}

/** Runs `fn` holding the release lock; undefined when the lock could not be had. */
async function withReleaseLock<T>(db: Db, wait: boolean, fn: () => Promise<T>): Promise<T | undefined> {
  return db.withClient(async (client) => {
    for (let attempt = 1; ; attempt++) {
      const { rows } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [
        RELEASE_LOCK_ID,
      ]);
      if (rows[0]!.locked) break;
      if (!wait || attempt >= LOCK_ATTEMPTS) return undefined;
      await new Promise((resolve) => setTimeout(resolve, LOCK_PAUSE_MS));
    }
    try {
      return await fn();
    } finally {
      await client.query('select pg_advisory_unlock($1)', [RELEASE_LOCK_ID]);
    }
  });
}

async function giveBack(deps: ReleaseDeps, agentId: number, by: Releaser): Promise<Release> {
  const release: Release = { returned: [], notReturned: [] };
  for (const contactId of await listChatsHeldBy(deps.db, agentId)) {
    const command = { contactId, agent: by.name, agentId: by.agentId, admin: by.admin };
    let answer: ChatCommandResult;
    try {
      answer = await deps.chat.unassign(command);
    } catch (err) {
      // The revocation itself stands; the sweep tries this chat again.
      deps.logger.warn('chat not given back after its holder lost access', { contactId, error: err });
      release.notReturned.push(contactId);
      continue;
    }
    // not_in_chat_support: the chat ended meanwhile, and an ended chat is held by nobody.
    if (!answer.ok && answer.code !== 'not_in_chat_support') {
      release.notReturned.push(contactId);
      continue;
    }
    release.returned.push(contactId);
    if (by.auditEach)
      await insertAuditEntry(deps.db, {
        actor: by.name,
        actorTokenId: by.tokenId,
        role: by.role,
        action: 'chat.unassign',
        contactId,
        outcome: answer.ok ? 'ok' : answer.code,
        httpStatus: answer.ok ? 200 : 409,
        details: { reason: 'holder_signed_out', from: agentId },
      }).catch((err: unknown) => {
        // As for any request's row (audited()): the chat has moved; the failure goes to the operator's log.
        deps.logger.error('audit entry not recorded', { action: 'chat.unassign', error: err });
      });
    if (deps.autoAssign && answer.ok) {
      // Offered as a new chat would be; if that fails it waits in the queue like any other.
      await deps.chat.claim(command).catch((err: unknown) => {
        deps.logger.warn('returned chat not offered to automatic assignment', { contactId, error: err });
      });
    }
  }
  return release;
}
