import type { ContactRequestContent } from '../../../domain/types';
import { CUSTOMER_SERVICE_WINDOW_MS } from '../../../domain/whatsapp-limits';
import { agentEvent, agentResult, CARRIED, outsideWindow } from '../../../workflows/flow/agent';
import type { FlowEvent } from '../../../workflows/flow/events';
import { step } from '../../../workflows/flow/step';
import type { AgentCommand } from '../../../workflows/messages';
import { ctx, NOW, sends, states } from './fixtures';

// An agent's request for the student's phone number, as the pure flow handles it: one send of WhatsApp's
// request_contact_info message, as the agent's, changing nothing else; refused in a chat another holds.

const request: ContactRequestContent = { kind: 'contact_request', body: 'Please share your phone number.' };
const command: AgentCommand = {
  action: 'request_contact_info',
  agent: 'Grace',
  agentId: 7,
  content: request,
  requestId: 'r1',
};
const event = (agentId?: number): FlowEvent => ({
  type: 'agentRequestContactInfo',
  agent: 'Grace',
  request,
  ...(agentId !== undefined ? { agentId } : {}),
});

it('is the flow event of a request_contact_info command, which carries its request', () => {
  expect(agentEvent(command)).toEqual({ type: 'agentRequestContactInfo', agent: 'Grace', request, agentId: 7 });
  expect(CARRIED.request_contact_info).toBe('contact_request');
  // Without its content (a command no server of this version sends) it is refused, never another action.
  const { content: _none, ...bare } = command;
  const result = step(states.registered(), agentEvent(bare), ctx);
  expect(result.rejection).toMatchObject({ code: 'invalid_message' });
  expect(result.effects).toEqual([]);
});

it.each([
  ['idle', states.idle],
  ['registered', states.registered],
  ['registering', states.registeringEmail],
  ['in a chat nobody holds', states.chatRegistered],
])('sends the request as the agent’s, and nothing else changes, when the student is %s', (_what, state) => {
  const before = state();
  const result = step(before, event(7), ctx);
  expect(result.rejection).toBeUndefined();
  expect(sends(result.effects)).toEqual([request]);
  expect(result.effects.filter((e) => e.type === 'send')).toEqual([{ type: 'send', content: request, agent: 'Grace' }]);
  expect(result.state.name).toBe(before.name);
  expect(result.state.chat?.holder).toEqual(before.chat?.holder);
});

it('is refused in a chat another agent holds, and allowed to its holder and to an admin', () => {
  const held = step(states.chatRegistered(), { type: 'assign', agent: 'Ada', agentId: 1 }, ctx).state;
  expect(step(held, event(7), ctx).rejection).toMatchObject({ code: 'held_by_other' });
  expect(step(held, event(1), ctx).rejection).toBeUndefined();
  expect(step(held, { ...event(7), admin: true } as FlowEvent, ctx).rejection).toBeUndefined();
});

it('needs the 24-hour window, as any session message', () => {
  expect(outsideWindow(command, NOW - 60_000, NOW)).toBeUndefined();
  expect(outsideWindow(command, NOW - CUSTOMER_SERVICE_WINDOW_MS - 1, NOW)).toMatchObject({
    code: 'outside_customer_service_window',
  });
  expect(outsideWindow(command, undefined, NOW)).toMatchObject({ code: 'outside_customer_service_window' });
});

it('reports WhatsApp’s refusal with its code', () => {
  expect(agentResult(command, { agentFailure: { code: 131047 } }, 'REGISTERED', NOW)).toMatchObject({
    ok: false,
    code: 'whatsapp_rejected',
    whatsappCode: 131047,
  });
  expect(agentResult(command, { agentWaMessageId: 'wamid.1' }, 'REGISTERED', NOW)).toMatchObject({
    ok: true,
    waMessageId: 'wamid.1',
  });
});
