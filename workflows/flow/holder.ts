import type { Rejection } from './context';
import type { Actor } from './events';
import type { Agent } from '../../domain/conversation';
import type { StepWork } from './step-work';

// Who holds an open chat. The workflow is the only writer of the holder, so two agents taking the
// same chat at once are told apart here: one takes it, the other is refused.

const notInChat: Rejection = {
  code: 'not_in_chat_support',
  message: 'The user is not in an active chat support session.',
};

function heldBy(holder: Agent): Rejection {
  return { code: 'held_by_other', message: `The chat is held by ${holder.name}.`, holder };
}

const isHolder = (holder: Agent | undefined, actor: Actor) =>
  holder !== undefined && actor.agentId !== undefined && holder.agentId === actor.agentId;

/** Whether `actor` may send in or end the open chat: its holder, an admin, or anyone while nobody holds it. */
export function mayAct(work: StepWork, actor: Actor): Rejection | undefined {
  const holder = work.state.chat?.holder;
  if (holder === undefined || actor.admin === true || isHolder(holder, actor)) return undefined;
  return heldBy(holder);
}

function setHolder(work: StepWork, holder: Agent | undefined, by: string): void {
  const chat = work.state.chat!;
  if (holder === undefined) delete chat.holder;
  else chat.holder = holder;
  work.emit({ type: 'setHolder', id: work.newId(), sessionKey: chat.sessionKey, holder: holder ?? null, by });
}

/** An agent answering a chat nobody holds takes it. */
export function takeIfFree(work: StepWork, actor: Actor, name: string): void {
  if (work.state.chat?.holder !== undefined || actor.agentId === undefined) return;
  setHolder(work, { agentId: actor.agentId, name }, name);
}

/** With automatic assignment on, an open chat nobody holds asks for an agent. */
export function requestAgent(work: StepWork): void {
  const chat = work.state.chat;
  const auto = work.settings.autoAssign;
  if (auto === undefined || chat === undefined || chat.holder !== undefined) return;
  work.emit({ type: 'claimAgent', id: work.newId(), sessionKey: chat.sessionKey, capacity: auto.capacity });
}

/** What automatic assignment gave a session, if it is still the open chat and nobody took it meanwhile. */
export function holderClaimed(work: StepWork, sessionKey: string, holder: Agent): void {
  const chat = work.state.chat;
  if (chat === undefined || chat.sessionKey !== sessionKey || chat.holder !== undefined) return;
  chat.holder = holder;
}

/** Take (no `to`: the actor takes it) or hand over (`to`, which only an admin may ask for). */
export function assign(work: StepWork, actor: Actor, name: string, to?: Agent): Rejection | undefined {
  const chat = work.state.chat;
  if (work.state.name !== 'CHAT_SUPPORT_ACTIVE' || chat === undefined) return notInChat;
  const target = to ?? (actor.agentId === undefined ? undefined : { agentId: actor.agentId, name });
  if (target === undefined) return { code: 'invalid_message', message: 'Nobody to assign the chat to.' };
  if (to === undefined && chat.holder !== undefined && !isHolder(chat.holder, actor) && actor.admin !== true)
    return heldBy(chat.holder);
  // Told, not repeated: of many agents taking a chat at once, exactly one is answered that they have it.
  if (chat.holder?.agentId === target.agentId)
    return { code: 'already_held', message: `${chat.holder.name} already holds the chat.`, holder: chat.holder };
  setHolder(work, target, name);
  return undefined;
}

/** The holder (or an admin) gives the chat back; a chat nobody holds stays so. */
export function unassign(work: StepWork, actor: Actor, name: string): Rejection | undefined {
  const chat = work.state.chat;
  if (work.state.name !== 'CHAT_SUPPORT_ACTIVE' || chat === undefined) return notInChat;
  if (chat.holder === undefined) return undefined;
  const refused = mayAct(work, actor);
  if (refused) return refused;
  setHolder(work, undefined, name);
  return undefined;
}
