import type { FlowEvent } from '../../../workflows/flow/events';
import type { FlowState } from '../../../workflows/flow/state';
import { step } from '../../../workflows/flow/step';
import { ctx, states, text } from './fixtures';

// Who holds a chat, as the pure flow decides it: one holder at a time, changed only by taking,
// handing over or giving back, each change a record; sends and ends refused to anyone else.

const ada = { agentId: 1, name: 'Ada' };
const bo = { agentId: 2, name: 'Bo' };
const as = (agent: typeof ada, admin = false) => ({ agent: agent.name, agentId: agent.agentId, admin });

function run(state: FlowState, event: FlowEvent) {
  return step(state, event, { ...ctx, cause: `test/${event.type}` });
}

const supportMessage = () => {
  const event = text('support');
  if (event.type !== 'inbound') throw new Error('text() makes an inbound event');
  return event.message;
};

const heldByAda = () => run(states.chatRegistered(), { type: 'assign', ...as(ada) }).state;

describe('who holds a chat', () => {
  it('is taken by the first agent, recorded, and refused to the next with the holder named', () => {
    const taken = run(states.chatRegistered(), { type: 'assign', ...as(ada) });
    expect(taken.state.chat?.holder).toEqual(ada);
    expect(taken.effects).toEqual([
      { type: 'setHolder', id: expect.any(String), sessionKey: taken.state.chat!.sessionKey, holder: ada, by: 'Ada' },
    ]);
    const refused = run(taken.state, { type: 'assign', ...as(bo) });
    expect(refused.rejection).toMatchObject({ code: 'held_by_other', holder: ada });
    expect(refused.state).toBe(taken.state);
    expect(run(taken.state, { type: 'assign', ...as(ada) }).rejection).toMatchObject({ code: 'already_held' });
  });

  it('lets only the holder or an admin send or end; anyone else is refused and nothing is sent', () => {
    const state = heldByAda();
    for (const event of [
      { type: 'agentSend', message: 'hi', ...as(bo) },
      { type: 'agentEnd', ...as(bo) },
      { type: 'unassign', ...as(bo) },
    ] as FlowEvent[]) {
      const refused = run(state, event);
      expect(refused.rejection).toMatchObject({ code: 'held_by_other', holder: ada });
      expect(refused.effects).toEqual([]);
    }
    expect(run(state, { type: 'agentSend', message: 'hi', ...as(ada) }).rejection).toBeUndefined();
    const byAdmin = run(state, { type: 'agentSend', message: 'hi', ...as(bo, true) });
    expect(byAdmin.rejection).toBeUndefined();
    // An admin writing in someone else's chat does not take it.
    expect(byAdmin.state.chat?.holder).toEqual(ada);
  });

  it('is taken by whoever answers a chat nobody holds, and by the agent who opens one', () => {
    const answered = run(states.chatRegistered(), { type: 'agentSend', message: 'hi', ...as(bo) });
    expect(answered.state.chat?.holder).toEqual(bo);
    expect(answered.effects.map((e) => e.type)).toEqual(['setHolder', 'send', 'startTimer', 'startTimer']);
    const opened = run(states.registered(), { type: 'agentStart', ...as(ada) });
    expect(opened.state.chat?.holder).toEqual(ada);
  });

  it('is handed over by an admin and given back by its holder', () => {
    const handed = run(heldByAda(), { type: 'assign', ...as({ agentId: 9, name: 'Admin' }, true), to: bo });
    expect(handed.state.chat?.holder).toEqual(bo);
    const given = run(handed.state, { type: 'unassign', ...as(bo) });
    expect(given.state.chat?.holder).toBeUndefined();
    expect(given.effects).toEqual([expect.objectContaining({ type: 'setHolder', holder: null, by: 'Bo' })]);
    // Giving back a chat nobody holds changes nothing.
    expect(run(given.state, { type: 'unassign', ...as(bo) }).effects).toEqual([]);
  });

  it('is nobody when the chat is not open, and commands that name nobody take nothing', () => {
    expect(run(states.registered(), { type: 'assign', ...as(ada) }).rejection).toMatchObject({
      code: 'not_in_chat_support',
    });
    const unnamed = run(states.chatRegistered(), { type: 'agentSend', agent: 'Grace', message: 'hi' });
    expect(unnamed.state.chat?.holder).toBeUndefined();
  });

  it('asks for an agent when a student opens a chat and automatic assignment is on, and takes the answer', () => {
    const auto = { ...ctx, cause: 'in/wamid.S', settings: { ...ctx.settings, autoAssign: { capacity: 5 } } };
    const opened = step(states.registered(), { type: 'inbound', message: supportMessage() }, auto);
    const claim = opened.effects.find((e) => e.type === 'claimAgent');
    expect(claim).toEqual({
      type: 'claimAgent',
      id: expect.any(String),
      sessionKey: opened.state.chat!.sessionKey,
      capacity: 5,
    });
    const given = step(
      opened.state,
      { type: 'holderClaimed', sessionKey: opened.state.chat!.sessionKey, holder: bo },
      auto,
    );
    expect(given.state.chat?.holder).toEqual(bo);
    expect(given.effects).toEqual([]);
    // Without it nobody is asked for.
    expect(
      step(states.registered(), { type: 'inbound', message: supportMessage() }, ctx).effects.map((e) => e.type),
    ).not.toContain('claimAgent');
  });

  it('ignores an assignment for a chat that ended or that someone took meanwhile', () => {
    const taken = heldByAda();
    const late = step(taken, { type: 'holderClaimed', sessionKey: taken.chat!.sessionKey, holder: bo }, ctx);
    expect(late.state.chat?.holder).toEqual(ada);
    const other = step(states.chatRegistered(), { type: 'holderClaimed', sessionKey: 'chat-other', holder: bo }, ctx);
    expect(other.state.chat?.holder).toBeUndefined();
  });
});
