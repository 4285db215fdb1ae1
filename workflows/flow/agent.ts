import type { ContactRequestContent, TemplateContent } from '../../domain/types';
import { CUSTOMER_SERVICE_WINDOW_MS } from '../../domain/whatsapp-limits';
import type { AgentCommand, AgentCommandResult } from '../messages';
import type { Rejection } from './context';
import type { Actor, FlowEvent } from './events';
import { mayAct } from './holder';
import type { Agent, StateName } from '../../domain/conversation';
import type { StepWork } from './step-work';

// The agent's side of a conversation, beyond the flow step itself: when WhatsApp would refuse the
// command outright, and what the agent is told once its step was carried out. Pure, like the flow.

/** What a template command without a template carries: the flow refuses it as an invalid message. */
const NO_TEMPLATE: TemplateContent = { kind: 'template', name: '', language: '', parameters: [], rendered: '' };

/** The kind of content each action carries, if any: the validator refuses any other. */
export const CARRIED: Record<AgentCommand['action'], NonNullable<AgentCommand['content']>['kind'] | undefined> = {
  start: undefined,
  send: 'media',
  end: undefined,
  assign: undefined,
  unassign: undefined,
  claim: undefined,
  template: 'template',
  request_contact_info: 'contact_request',
};

/** The flow event an agent command is. */
export function agentEvent(command: AgentCommand): FlowEvent {
  const { agent, message } = command;
  // Who acts, as far as the command says (commands of earlier versions name nobody).
  const actor = {
    ...(command.agentId !== undefined ? { agentId: command.agentId } : {}),
    ...(command.admin !== undefined ? { admin: command.admin } : {}),
  };
  if (command.action === 'start') return { type: 'agentStart', agent, message, ...actor };
  if (command.action === 'send') {
    const attachment = command.content?.kind === 'media' ? { attachment: command.content } : {};
    return { type: 'agentSend', agent, message: message ?? '', ...attachment, ...actor };
  }
  if (command.action === 'template') {
    const template = command.content?.kind === 'template' ? command.content : NO_TEMPLATE;
    return { type: 'agentTemplate', agent, template, ...actor };
  }
  if (command.action === 'assign')
    return { type: 'assign', agent, ...actor, ...(command.to ? { to: command.to } : {}) };
  if (command.action === 'unassign') return { type: 'unassign', agent, ...actor };
  if (command.action === 'claim') return { type: 'claimAgent' };
  if (command.action === 'request_contact_info') {
    const request = command.content?.kind === 'contact_request' ? command.content : NO_REQUEST;
    return { type: 'agentRequestContactInfo', agent, request, ...actor };
  }
  return { type: 'agentEnd', agent, message, ...actor };
}

/** What a contact-info request without its content carries: the flow refuses it as an invalid message. */
const NO_REQUEST: ContactRequestContent = { kind: 'contact_request', body: '' };

/**
 * An agent asks the student for their phone number (WhatsApp's `request_contact_info` message): sent
 * as the agent's, in a chat or not, and changing nothing else; the student's answer links the number
 * to their contact at the webhook. In a chat someone else holds, only they (or an admin) may ask.
 */
export function agentRequestContactInfo(
  work: StepWork,
  agent: string,
  request: ContactRequestContent,
  actor: Actor = {},
): Rejection | undefined {
  if (request.body.trim() === '') return { code: 'invalid_message', message: 'The request has no text.' };
  if (work.state.name === 'CHAT_SUPPORT_ACTIVE') {
    const refused = mayAct(work, actor);
    if (refused) return refused;
  }
  work.send(request, agent);
  return undefined;
}

/**
 * Why the command is refused before anything changes: outside the 24-hour window WhatsApp would refuse
 * a start's or a send's text or file with 131047. An end still closes the chat (its closing line may be
 * refused); a template is what WhatsApp accepts outside the window.
 */
export function outsideWindow(
  command: AgentCommand,
  lastInboundAt: number | undefined,
  now: number,
): AgentCommandResult | undefined {
  // Only a start's and a send's texts, and a contact-info request (a session message), need the window;
  // an assignment sends nothing.
  if (command.action !== 'start' && command.action !== 'send' && command.action !== 'request_contact_info')
    return undefined;
  if (lastInboundAt !== undefined && now - lastInboundAt <= CUSTOMER_SERVICE_WINDOW_MS) return undefined;
  return {
    ok: false,
    code: 'outside_customer_service_window',
    message: "The user's last message is more than 24 hours old; WhatsApp accepts only templates now",
  };
}

/** How carrying out an agent's step went. */
export interface AgentOutcome {
  rejection?: Rejection;
  /** Its effects failed for good and were set aside: nothing of the step counts. */
  setAside?: boolean;
  /** The wamid of the text the agent wrote, once WhatsApp accepted it. */
  agentWaMessageId?: string;
  /** WhatsApp refused the text the agent wrote (with its error code, when it gave one). */
  agentFailure?: { code?: number };
}

/**
 * The agent's answer. A refused text is reported as refused whatever the action, with the state the
 * conversation is in: a start still opened the chat and an end still closed it.
 */
export function agentResult(
  command: AgentCommand,
  outcome: AgentOutcome,
  state: StateName,
  now: number,
  options: { holder?: Agent } = {},
): AgentCommandResult {
  const { rejection } = outcome;
  if (rejection) {
    return {
      ok: false,
      code: rejection.code,
      message: rejection.message,
      ...(rejection.holder ? { holder: rejection.holder } : {}),
    };
  }
  if (outcome.setAside) {
    return {
      ok: false,
      code: 'set_aside',
      message: 'The command could not be carried out and was set aside (see the quarantine); nothing changed',
    };
  }
  if (outcome.agentFailure) {
    const done = command.action === 'start' ? '; the chat is open' : command.action === 'end' ? '; the chat ended' : '';
    return {
      ok: false,
      code: 'whatsapp_rejected',
      message: `WhatsApp refused the message${done}`,
      whatsappCode: outcome.agentFailure.code,
      ...(command.action === 'send' ? {} : { state }),
    };
  }
  const assignment = command.action === 'assign' || command.action === 'unassign' || command.action === 'claim';
  return {
    ok: true,
    state,
    waMessageId: outcome.agentWaMessageId,
    at: now,
    ...(assignment ? { holder: options.holder ?? null } : {}),
  };
}
