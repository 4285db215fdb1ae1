import type { MediaContent, OutboundContent, TemplateContent } from '../../domain/types';
import { MAX_CAPTION_CHARS, MAX_TEXT_CHARS } from '../../domain/whatsapp-limits';
import type { Rejection } from './context';
import type { Actor } from './events';
import { mayAct, requestAgent, takeIfFree } from './holder';
import { isEndChatText, type Input } from './intents';
import { leaveFlow, showMenu } from './menu';
import { codePoints } from '../../domain/text';
import { askRating } from './rating';
import { describeOpening } from '../../domain/describe-opening';
import {
  agentChatSla,
  availableFrom,
  closingFigures,
  noteFirstResponse,
  planSla,
  policyOf,
  waitsForOpening,
} from './sla';
import type { FlowState } from './state';
import {
  agentJoined,
  agentMessage,
  agentPrefix,
  chatAcknowledged,
  chatAway,
  chatConnected,
  chatReminder,
  chatTimedOut,
  DEFAULT_AGENT_CLOSING,
  NOTES,
} from './texts';
import type { StepWork } from './step-work';

// Chat support: the user side (open, write, end) and the agent events (start, send, end),
// with the idle reminder and auto-close. While a chat is open the bot stays quiet: user messages go to
// the agent, with one acknowledgement per chat so a user waiting for a first answer knows it arrived.

/** (Re)starts the idle timers; any message from either side counts as activity. */
export function startChatTimers(work: StepWork): void {
  const { chatIdleReminderMs, chatIdleTimeoutMs } = work.settings.timers;
  // A chat waiting for the opening is not idle: its idle time counts from when agents are back.
  const availableAt = work.state.chat?.availableAt;
  const wait = availableAt === undefined ? 0 : Math.max(0, availableAt - work.ctx.now);
  // A reminder at or after the close would never be seen.
  if (chatIdleReminderMs < chatIdleTimeoutMs) work.startTimer('chat_reminder', wait + chatIdleReminderMs);
  else work.cancelTimer('chat_reminder');
  work.startTimer('chat_close', wait + chatIdleTimeoutMs);
}

/**
 * Leaves whatever the user was doing (nothing saved is lost) and opens a session under a new key. A
 * chat the student asked for reaches the team at `availableAt` and runs the SLA clocks.
 */
function openChat(work: StepWork, startedBy: string, availableAt?: number): NonNullable<FlowState['chat']> {
  const { state } = work;
  leaveFlow(work);
  delete state.awaitingRating;
  const sessionKey = `chat-${work.ctx.contactId}-${work.newId()}`;
  const chat: NonNullable<FlowState['chat']> = { sessionKey, startedBy, startedAt: work.ctx.now, acknowledged: false };
  state.chat = chat;
  work.moveTo('CHAT_SUPPORT_ACTIVE');
  if (availableAt !== undefined) {
    chat.availableAt = availableAt;
    work.emit({ type: 'openChat', sessionKey, startedBy, availableAt, sla: planSla(work, chat) });
  } else if (work.settings.support !== undefined) {
    // An agent's chat runs no clock, but reports count it under the conversation's priority.
    work.emit({ type: 'openChat', sessionKey, startedBy, sla: agentChatSla(work, chat) });
  } else work.emit({ type: 'openChat', sessionKey, startedBy });
  startChatTimers(work);
  return chat;
}

/**
 * The user asked for support from a resting state. Outside business hours they are told when agents
 * are back; the chat waits for the opening (and only then asks automatic assignment for an agent).
 */
export function openUserChat(work: StepWork): void {
  const chat = openChat(work, 'user', availableFrom(work));
  if (!waitsForOpening(chat, work.ctx.now)) {
    work.send(chatConnected(work.settings));
    requestAgent(work);
    return;
  }
  // The away message already says that what they write reaches the team.
  chat.acknowledged = true;
  const { hours } = policyOf(work);
  work.send(chatAway(work.settings, describeOpening(hours, work.ctx.now), hours.timezone));
  work.startTimer('chat_available', chat.availableAt! - work.ctx.now);
}

/** The opening a waiting chat waited for came: the queue shows it, and automatic assignment may give it an agent. */
export function onChatAvailable(work: StepWork): void {
  const chat = work.state.chat;
  if (chat === undefined) return;
  work.emit({ type: 'chatAvailable', sessionKey: chat.sessionKey });
  requestAgent(work);
}

const isEnd = (input: Input): boolean =>
  (input.kind === 'tap' && input.tap.kind === 'intent' && input.tap.intent === 'end_chat') ||
  (input.kind === 'text' && isEndChatText(input.norm));

/** A user message during a chat: for the agent, unless it is exactly an end-chat command. */
export function handleChatInbound(work: StepWork, input: Input): void {
  const chat = work.state.chat;
  if (chat === undefined) {
    // A chat state without a session cannot be produced by the flow; recover to the menu rather than stall.
    showMenu(work);
    return;
  }
  if (isEnd(input)) {
    endChat(work, 'user');
    return;
  }
  work.emit({ type: 'chatUserMessage', sessionKey: chat.sessionKey });
  startChatTimers(work);
  // Only a chat the user opened, only before any agent has written, only once, and not for a reaction
  // (a reaction is not a question).
  if (input.kind !== 'reaction' && chat.startedBy === 'user' && !chat.acknowledged && chat.agentReplied !== true) {
    chat.acknowledged = true;
    work.send(chatAcknowledged(work.settings));
  }
}

/**
 * Ends the open chat: the closing line (in the chat, before the session closes), the session closed,
 * then the resting menu and the rating question.
 */
function endChat(work: StepWork, endedBy: string, closing?: { content: OutboundContent; agent?: string }): void {
  const { state } = work;
  const chat = state.chat;
  if (chat === undefined) return;
  if (closing !== undefined) work.send(closing.content, closing.agent);
  work.emit({ type: 'closeChat', sessionKey: chat.sessionKey, endedBy, ...closingFigures(work, chat) });
  work.cancelTimer('chat_reminder');
  work.cancelTimer('chat_close');
  delete state.chat;
  state.awaitingRating = { sessionKey: chat.sessionKey };
  showMenu(work, endedBy === 'user' ? NOTES.chatEnded : undefined);
  askRating(work);
}

const notInChat: Rejection = {
  code: 'not_in_chat_support',
  message: 'The user is not in an active chat support session.',
};

/** The agent's text as it will be delivered, or why it cannot be (empty, or too long with the prefix). */
function agentText(message: string | undefined, prefix: string, fallback?: string): { text: string } | Rejection {
  const trimmed = (message ?? '').trim();
  if (trimmed.length === 0) {
    if (fallback !== undefined) return { text: fallback };
    return { code: 'invalid_message', message: 'The message is empty.' };
  }
  // Delivered as one WhatsApp text, prefix included.
  const max = MAX_TEXT_CHARS - codePoints(prefix);
  if (codePoints(trimmed) > max) {
    return { code: 'invalid_message', message: `The message is too long: at most ${max} characters.` };
  }
  return { text: trimmed };
}

/** An agent opens a chat; refused while one is open. Without an opening message the user is told an agent joined. */
export function agentStart(work: StepWork, agent: string, message?: string, actor: Actor = {}): Rejection | undefined {
  if (work.state.name === 'CHAT_SUPPORT_ACTIVE') {
    return { code: 'chat_already_active', message: 'A chat support session is already active for this user.' };
  }
  const opening = message === undefined || message.trim() === '' ? undefined : agentText(message, agentPrefix(agent));
  if (opening !== undefined && 'code' in opening) return opening;
  const chat = openChat(work, agent);
  // The agent is present from the start, so the user's messages need no acknowledgement.
  chat.agentReplied = true;
  takeIfFree(work, actor, agent);
  if (opening !== undefined) work.send(agentMessage(opening.text, agent), agent);
  work.send(agentJoined());
  return undefined;
}

export function agentSend(
  work: StepWork,
  agent: string,
  message: string,
  actor: Actor = {},
  attachment?: MediaContent,
): Rejection | undefined {
  const chat = work.state.chat;
  if (work.state.name !== 'CHAT_SUPPORT_ACTIVE' || chat === undefined) return notInChat;
  const refused = mayAct(work, actor);
  if (refused) return refused;
  // With a file, the text is optional: the file alone is a message.
  const text = attachment !== undefined && message.trim() === '' ? undefined : agentText(message, agentPrefix(agent));
  if (text !== undefined && 'code' in text) return text;
  const file = attachment === undefined ? undefined : captioned(attachment, agent);
  if (file !== undefined && 'code' in file) return file;
  takeIfFree(work, actor, agent);
  if (file !== undefined) work.send(file, agent);
  if (text !== undefined) work.send(agentMessage(text.text, agent), agent);
  noteFirstResponse(work, chat);
  chat.agentReplied = true;
  startChatTimers(work);
  return undefined;
}

/**
 * The file as the student receives it: its caption begins like every agent message, so the student
 * knows who sent it (audio carries no caption on WhatsApp).
 */
function captioned(file: MediaContent, agent: string): MediaContent | Rejection {
  if (file.mediaType === 'audio') {
    const { caption: _dropped, ...rest } = file;
    return rest;
  }
  const prefix = agentPrefix(agent);
  const caption = (file.caption ?? '').trim();
  const full = caption === '' ? prefix.replace(/:\s*$/, '') : prefix + caption;
  if (codePoints(full) > MAX_CAPTION_CHARS) {
    const max = MAX_CAPTION_CHARS - codePoints(prefix);
    return { code: 'invalid_message', message: `The caption is too long: at most ${max} characters.` };
  }
  return { ...file, caption: full };
}

/** How long a chat a template opened (or renewed) waits for the student before it closes. */
export const TEMPLATE_REPLY_WAIT_MS = 24 * 60 * 60 * 1000;

/**
 * An agent sends an approved template: into the open chat (if they may act in it), or opening one, so
 * the student's answer reaches the agent. The student may answer hours later: the chat waits
 * TEMPLATE_REPLY_WAIT_MS for them without a reminder (a reminder outside the window would be refused);
 * once they write, the usual idle timers take over.
 */
export function agentTemplate(
  work: StepWork,
  agent: string,
  template: TemplateContent,
  actor: Actor = {},
): Rejection | undefined {
  if (template.name === '' || template.rendered.trim() === '') {
    return { code: 'invalid_message', message: 'The template is missing.' };
  }
  let chat = work.state.chat;
  if (work.state.name === 'CHAT_SUPPORT_ACTIVE' && chat !== undefined) {
    const refused = mayAct(work, actor);
    if (refused) return refused;
  } else {
    chat = openChat(work, agent);
  }
  takeIfFree(work, actor, agent);
  work.send(template, agent);
  noteFirstResponse(work, chat);
  chat.agentReplied = true;
  work.cancelTimer('chat_reminder');
  work.startTimer('chat_close', TEMPLATE_REPLY_WAIT_MS);
  return undefined;
}

export function agentEnd(work: StepWork, agent: string, message?: string, actor: Actor = {}): Rejection | undefined {
  if (work.state.name !== 'CHAT_SUPPORT_ACTIVE' || work.state.chat === undefined) return notInChat;
  const refused = mayAct(work, actor);
  if (refused) return refused;
  const closing = agentText(message, agentPrefix(agent), DEFAULT_AGENT_CLOSING);
  if ('code' in closing) return closing;
  endChat(work, agent, { content: agentMessage(closing.text, agent), agent });
  return undefined;
}

export function onChatReminder(work: StepWork): void {
  if (work.state.name !== 'CHAT_SUPPORT_ACTIVE') return;
  const { chatIdleReminderMs, chatIdleTimeoutMs } = work.settings.timers;
  work.send(chatReminder(chatIdleTimeoutMs - chatIdleReminderMs));
}

/** Nobody wrote for the idle timeout: closed as an agent end would be, recorded as ended by 'timeout'. */
export function onChatClose(work: StepWork): void {
  if (work.state.name !== 'CHAT_SUPPORT_ACTIVE') return;
  endChat(work, 'timeout', { content: chatTimedOut(work.settings.timers.chatIdleTimeoutMs) });
}
