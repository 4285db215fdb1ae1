import { formatDate, formatPrice } from '../../../workflows/flow/format';
import { SUBSCRIPTION_PERIOD_MS } from '../../../workflows/flow/payment';
import type { FlowState } from '../../../workflows/flow/state';
import { step } from '../../../workflows/flow/step';
import {
  after,
  bodyOf,
  CONTACT_ID,
  ctx,
  drive,
  NOW,
  offeredIds,
  PHONE,
  pick,
  sends,
  states,
  tap,
  text,
} from './fixtures';

const pendingReference = (state: FlowState): string => {
  const reference = state.payment?.reference;
  if (reference === undefined) throw new Error('no pending payment');
  return reference;
};

describe('payment', () => {
  it('asks an unregistered user to register first', () => {
    const result = step(states.idle(), text('pay'), ctx);
    expect(result.state.name).toBe('IDLE');
    expect(offeredIds(sends(result.effects)[0])).toEqual(['register', 'main_menu']);
  });

  it('offers the plan and its price with Confirm and Main Menu', () => {
    const result = step(states.registered(), text('subscribe'), ctx);
    expect(result.state.name).toBe('PAYMENT_PENDING');
    const offer = sends(result.effects)[0];
    expect(bodyOf(offer)).toContain('Monthly plan');
    expect(bodyOf(offer)).toContain('₦50.00');
    expect(offer?.kind === 'buttons' && offer.buttons).toEqual([
      { id: 'payment_confirm', title: '✅ Confirm' },
      { id: 'main_menu', title: '📍 Main Menu' },
    ]);
  });

  it('records a pending payment on Confirm, sends its link and starts the payment timer', () => {
    const result = step(states.paymentOffered(), tap('payment_confirm'), ctx);
    const reference = pendingReference(result.state);
    // The reference goes to the payment provider: it must carry neither the phone number nor the contact id.
    expect(reference).toMatch(/^PAY-[0-9a-f]{16}-[0-9A-Z]{8}$/);
    expect(reference).not.toContain(PHONE);
    expect(reference).not.toContain(CONTACT_ID.slice(3));
    expect(result.effects).toContainEqual({ type: 'createPayment', reference, amount: 5000, planName: 'Monthly plan' });
    expect(result.effects).toContainEqual({
      type: 'startTimer',
      timer: 'payment',
      token: result.state.timers.payment,
      delayMs: 30 * 60_000,
    });
    const link = bodyOf(sends(result.effects)[0]);
    expect(link).toContain(`https://pay.example.test/checkout/${reference}`);
    expect(link).not.toMatch(/\{\w+\}/);
    expect(result.state.payment).toEqual({
      reference,
      amount: 5000,
      link: `https://pay.example.test/checkout/${reference}`,
    });
  });

  it('confirms on a typed "yes" too', () => {
    expect(step(states.paymentOffered(), text('Yes'), ctx).effects.map((e) => e.type)).toContain('createPayment');
  });

  it('activates the subscription for 30 days when the provider confirms the reference', () => {
    const pending = states.paymentLinkSent();
    const reference = pendingReference(pending);
    const result = step(pending, { type: 'paymentConfirmed', reference, amount: 5000 }, ctx);
    expect(result.effects).toEqual([
      { type: 'confirmPayment', reference, activeUntil: NOW + SUBSCRIPTION_PERIOD_MS },
      { type: 'cancelTimer', timer: 'payment' },
      expect.objectContaining({ type: 'send' }),
    ]);
    expect(result.state.name).toBe('REGISTERED');
    expect(result.state.subscriptionActiveUntil).toBe(NOW + SUBSCRIPTION_PERIOD_MS);
    expect(result.state.payment).toBeUndefined();
    const body = bodyOf(sends(result.effects)[0]);
    expect(body).toContain('✅ Payment received');
    expect(body).toContain('active until 24 Jan 2027');
    expect(body).toContain('Hey Ada!');
  });

  it('changes nothing for an unknown or repeated reference', () => {
    const pending = states.paymentLinkSent();
    const unknown = step(pending, { type: 'paymentConfirmed', reference: 'PAY-other-1', amount: 5000 }, ctx);
    expect(unknown.effects).toEqual([]);
    expect(unknown.state).toBe(pending);
    const confirmed = step(
      pending,
      { type: 'paymentConfirmed', reference: pendingReference(pending), amount: 5000 },
      ctx,
    ).state;
    const repeated = step(
      confirmed,
      { type: 'paymentConfirmed', reference: pendingReference(pending), amount: 5000 },
      ctx,
    );
    expect(repeated.effects).toEqual([]);
    expect(repeated.state).toBe(confirmed);
  });

  it('extends an active subscription by 30 days', () => {
    const active = { ...states.registered(), subscriptionActiveUntil: NOW + 10 * 86_400_000 };
    const pending = after([pick('pay'), tap('payment_confirm')], active);
    const result = step(pending, { type: 'paymentConfirmed', reference: pendingReference(pending), amount: 5000 }, ctx);
    expect(result.state.subscriptionActiveUntil).toBe(NOW + 40 * 86_400_000);
    expect(bodyOf(sends(step(active, pick('pay'), ctx).effects)[0])).toContain('paying now adds 30 days');
  });

  it('expires the payment when its timer fires while pending: a note and the main menu', () => {
    const pending = states.paymentLinkSent();
    const reference = pendingReference(pending);
    const result = step(pending, { type: 'timer', timer: 'payment', token: pending.timers.payment! }, ctx);
    expect(result.effects[0]).toEqual({ type: 'expirePayment', reference });
    expect(result.state.name).toBe('REGISTERED');
    expect(result.state.payment).toBeUndefined();
    expect(result.state.timers.payment).toBeUndefined();
    expect(bodyOf(sends(result.effects)[0])).toMatch(/expired/);
    expect(offeredIds(sends(result.effects)[0])).toContain('pay');
  });

  it('honours a confirmation that arrives after the payment timed out, once', () => {
    const pending = states.paymentLinkSent();
    const reference = pendingReference(pending);
    const expired = step(pending, { type: 'timer', timer: 'payment', token: pending.timers.payment! }, ctx).state;
    const late = step(expired, { type: 'paymentConfirmed', reference, amount: 5000 }, ctx);
    expect(late.effects[0]).toEqual({ type: 'confirmPayment', reference, activeUntil: NOW + SUBSCRIPTION_PERIOD_MS });
    expect(late.state.subscriptionActiveUntil).toBe(NOW + SUBSCRIPTION_PERIOD_MS);
    expect(bodyOf(sends(late.effects)[0])).toMatch(/Payment received/);
    const again = step(late.state, { type: 'paymentConfirmed', reference, amount: 5000 }, ctx);
    expect(again).toEqual({ state: late.state, effects: [] });
  });

  it('ignores a stale payment timer', () => {
    const pending = states.paymentLinkSent();
    const result = step(pending, { type: 'timer', timer: 'payment', token: 'payment-0' }, ctx);
    expect(result).toEqual({ state: pending, effects: [] });
  });

  it('keeps the payment confirmable after the user goes back to the menu', () => {
    const pending = states.paymentLinkSent();
    const reference = pendingReference(pending);
    const [menu, later] = drive([tap('main_menu'), { type: 'paymentConfirmed', reference, amount: 5000 }], pending);
    expect(menu!.state.name).toBe('REGISTERED');
    expect(bodyOf(sends(menu!.effects)[0])).toMatch(/payment link stays open/);
    expect(later!.effects.map((e) => e.type)).toEqual(['confirmPayment', 'cancelTimer', 'send']);
    expect(later!.state.subscriptionActiveUntil).toBe(NOW + SUBSCRIPTION_PERIOD_MS);
  });

  it('confirms during a chat without leaving it', () => {
    const pending = states.paymentLinkSent();
    const inChat = after([text('support')], pending);
    const result = step(inChat, { type: 'paymentConfirmed', reference: pendingReference(pending), amount: 5000 }, ctx);
    expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
    expect(result.state.chat).toEqual(inChat.chat);
    expect(sends(result.effects)).toHaveLength(1);
    expect(sends(result.effects)[0]?.kind).toBe('text');
  });

  it('offers an open payment again instead of recording a second one', () => {
    const pending = states.paymentLinkSent();
    const reference = pendingReference(pending);
    const [offer, confirm] = drive([tap('main_menu'), pick('pay'), tap('payment_confirm')], pending).slice(1);
    expect(bodyOf(sends(offer!.effects)[0])).toContain(reference);
    expect(confirm!.effects.map((e) => e.type)).not.toContain('createPayment');
    expect(bodyOf(sends(confirm!.effects)[0])).toContain(`checkout/${reference}`);
  });

  it('sends the waiting note with the link when the user writes while the link is out', () => {
    const result = step(states.paymentLinkSent(), text('I paid'), ctx);
    expect(result.state.name).toBe('PAYMENT_PENDING');
    expect(bodyOf(sends(result.effects)[0])).toMatch(/waiting for the payment provider/);
  });

  it('hands the step over to the payment timer once the link is out', () => {
    const offered = states.paymentOffered();
    expect(offered.timers.flow_idle).toBeDefined();
    const linked = step(offered, tap('payment_confirm'), ctx);
    expect(linked.state.timers.flow_idle).toBeUndefined();
    expect(linked.effects).toContainEqual({ type: 'cancelTimer', timer: 'flow_idle' });
  });
});

describe('formatting', () => {
  it.each([
    [5000, '₦50.00'],
    [0, '₦0.00'],
    [5, '₦0.05'],
    [250000, '₦2,500.00'],
    [123456789, '₦1,234,567.89'],
  ])('formats %d kobo as %s', (kobo, text) => {
    expect(formatPrice(kobo)).toBe(text);
  });

  it('formats dates in UTC', () => {
    expect(formatDate(Date.UTC(2026, 11, 25, 23, 59))).toBe('25 Dec 2026');
    expect(formatDate(Date.UTC(2027, 0, 1, 0, 0))).toBe('1 Jan 2027');
  });
});
