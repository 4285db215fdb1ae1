import type { Actor } from '../../auth/tokens';
import { canSignIn } from '../../db/agents';
import { listChatsHeldBy, setAvailability } from '../../db/assignment';
import { insertAuditEntry } from '../../db/audit';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import type { ChatCommandResult, ChatCommands } from '../chat-commands';

// What follows a token's revocation: a person left with no way to sign in cannot answer a chat, so
// they leave automatic assignment and the chats they hold go back to the queue.

export interface Release {
  /** Open chats the person held that nobody holds now (or, with automatic assignment, someone else). */
  returned: string[];
  /** Open chats whose conversation could not be asked in time (Temporal away): still held by them. */
  notReturned: string[];
}

export interface ReleaseDeps {
  db: Db;
  chat: ChatCommands;
  logger: Logger;
  autoAssign: boolean;
}

/**
 * Releases the person `agentId` if none of their tokens lets them in any more. Each chat goes back
 * through its conversation's own unassign, as if `by` had given it back: the workflow stays the only
 * writer of the holder, the history and the console show the change, and the audit log has one
 * `chat.unassign` row per chat under `by`. With automatic assignment on, each is then offered to the
 * available agents, as a new chat would be.
 */
export async function releaseIfSignedOut(deps: ReleaseDeps, agentId: number, by: Actor): Promise<Release> {
  const release: Release = { returned: [], notReturned: [] };
  // Another token of theirs still works: they can still answer what they hold.
  if (await canSignIn(deps.db, agentId)) return release;
  await setAvailability(deps.db, agentId, false);
  for (const contactId of await listChatsHeldBy(deps.db, agentId)) {
    const command = { contactId, agent: by.name, agentId: by.agentId, admin: by.role === 'admin' };
    let answer: ChatCommandResult;
    try {
      answer = await deps.chat.unassign(command);
    } catch (err) {
      // The revocation itself stands; the chat stays with them until someone gives it back.
      deps.logger.warn('chat not returned after a revocation', { contactId, error: err });
      release.notReturned.push(contactId);
      continue;
    }
    // not_in_chat_support: the chat ended meanwhile, and an ended chat is held by nobody.
    if (!answer.ok && answer.code !== 'not_in_chat_support') {
      release.notReturned.push(contactId);
      continue;
    }
    release.returned.push(contactId);
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
