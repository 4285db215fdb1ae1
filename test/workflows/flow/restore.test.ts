import { idFromCause } from '../../../workflows/flow/ids';
import { restore } from '../../../workflows/flow/restore';
import { step } from '../../../workflows/flow/step';
import { ctx, NOW, text } from './fixtures';

const restoreCtx = { ...ctx, cause: 'restore/run-1' };
const profile = { fullName: 'Howard Smith', email: 'howard@example.com', className: 'Grade 10' };

describe('restoring a conversation from what Postgres knows', () => {
  it('starts a number never seen from the initial state, with nothing to do', () => {
    expect(restore(undefined, restoreCtx)).toEqual({
      state: { name: 'INITIAL', registered: false, homeworkCount: 0, timers: {} },
      effects: [],
    });
  });

  it('rests a registered student with their profile, subscription and homework count, sending nothing', () => {
    const { state, effects } = restore(
      { profile, subscriptionActiveUntil: NOW + 1000, homeworkCount: 3, lastInboundAt: NOW - 5000 },
      restoreCtx,
    );
    expect(state).toMatchObject({ name: 'REGISTERED', registered: true, profile, homeworkCount: 3 });
    expect(state.subscriptionActiveUntil).toBe(NOW + 1000);
    expect(effects).toEqual([]);
  });

  it('rests a student who was welcomed but never registered', () => {
    expect(restore({ homeworkCount: 0 }, restoreCtx).state).toMatchObject({ name: 'IDLE', registered: false });
  });

  it('resumes an open chat with its session and fresh idle timers', () => {
    const openChat = { sessionKey: 'chat-1555-7', startedBy: 'user', startedAt: NOW - 60_000, agentReplied: false };
    const { state, effects } = restore({ profile, homeworkCount: 0, openChat }, restoreCtx);
    expect(state.name).toBe('CHAT_SUPPORT_ACTIVE');
    expect(state.chat).toEqual({ ...openChat, acknowledged: true });
    expect(effects.map((e) => e.type === 'startTimer' && e.timer)).toEqual(['chat_reminder', 'chat_close']);
    // The user's next message reaches the agent and asks for no second acknowledgement.
    const next = step(state, text('hello?'), ctx);
    expect(next.effects).toContainEqual({ type: 'chatUserMessage', sessionKey: 'chat-1555-7' });
    expect(next.effects.filter((e) => e.type === 'send')).toEqual([]);
  });

  it('keeps a pending payment open for what is left of its time, and late payments confirmable', () => {
    const pendingPayment = { reference: 'PAY-abc-9', amount: 5000, createdAt: NOW - 60_000 };
    const { state, effects } = restore(
      { profile, homeworkCount: 0, pendingPayment, expiredPayments: ['PAY-abc-2'] },
      restoreCtx,
    );
    expect(state).toMatchObject({ name: 'REGISTERED', expiredPayments: ['PAY-abc-2'] });
    expect(state.payment).toMatchObject({ reference: 'PAY-abc-9', amount: 5000 });
    expect(state.payment?.link).toContain('PAY-abc-9');
    const [timer] = effects;
    expect(timer).toMatchObject({
      type: 'startTimer',
      timer: 'payment',
      delayMs: ctx.settings.timers.paymentTimeoutMs - 60_000,
    });
    // A payment whose time ran out while no run was there expires at once.
    const overdue = restore(
      { profile, homeworkCount: 0, pendingPayment: { ...pendingPayment, createdAt: 0 } },
      restoreCtx,
    );
    expect(overdue.effects[0]).toMatchObject({ type: 'startTimer', timer: 'payment', delayMs: 0 });
  });
});

describe('ids from causes', () => {
  it('are the same for the same cause and differ between causes and within one', () => {
    expect(idFromCause('in/wamid.A', 1)).toBe(idFromCause('in/wamid.A', 1));
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(idFromCause(`in/wamid.${i}`, 1)).add(idFromCause(`in/wamid.${i}`, 2));
    expect(ids.size).toBe(20_000);
    expect(idFromCause('in/wamid.A', 1)).toMatch(/^[0-9A-Z]{8}$/);
  });

  it('name the references a step makes when the workflow gives the cause', () => {
    const registered = restore({ profile, homeworkCount: 0 }, restoreCtx).state;
    const asked = step(registered, text('subscribe'), { ...ctx, cause: 'in/wamid.B' }).state;
    const confirmed = step(asked, text('confirm'), { ...ctx, cause: 'in/wamid.C' });
    expect(confirmed.state.payment?.reference).toMatch(new RegExp(`-${idFromCause('in/wamid.C', 1)}$`));
  });
});
