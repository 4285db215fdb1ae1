import { step } from '../../../workflows/flow/step';
import { TOPICS } from '../../../workflows/flow/topics';
import { after, bodyOf, ctx, offeredIds, pick, sends, states, tap, text } from './fixtures';

describe('status', () => {
  it('shows the real profile, subscription and homework count, with no placeholder', () => {
    const result = step(states.homeworkSubmitted(), text('status'), ctx);
    const body = bodyOf(sends(result.effects)[0]);
    expect(body).toContain('Name: Ada Lovelace');
    expect(body).toContain('Email: ada@example.com');
    expect(body).toContain('Class: JSS 2');
    expect(body).toContain('Subscription: none yet');
    expect(body).toContain('Homework submitted: 1');
    expect(body).not.toMatch(/[{}]/);
    expect(result.state.name).toBe('REGISTERED');
    expect(offeredIds(sends(result.effects)[0])).toEqual(['update_profile', 'pay', 'main_menu']);
  });

  it('shows an active subscription with its end date, and a pending payment', () => {
    const subscribed = { ...states.paymentLinkSent(), subscriptionActiveUntil: Date.UTC(2027, 1, 3) };
    const body = bodyOf(sends(step(subscribed, tap('status'), ctx).effects)[0]);
    expect(body).toContain('Subscription: active until 3 Feb 2027');
    expect(body).toContain(`Payment waiting for confirmation: ${subscribed.payment!.reference}`);
  });

  it('asks an unregistered user to register', () => {
    const result = step(states.idle(), tap('status'), ctx);
    expect(bodyOf(sends(result.effects)[0])).toMatch(/register first/);
    expect(offeredIds(sends(result.effects)[0])).toEqual(['register', 'main_menu']);
  });
});

describe('FAQ and help', () => {
  it('lists at least four FAQ topics as faq_<topic> rows', () => {
    const ids = offeredIds(sends(step(states.idle(), tap('faq'), ctx).effects)[0]);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect(ids).toEqual(expect.arrayContaining(['faq_registration', 'faq_homework', 'faq_payment', 'faq_support']));
  });

  it('lists help topics', () => {
    const result = step(states.registered(), text('help'), ctx);
    expect(sends(result.effects)[0]?.kind).toBe('list');
    expect(offeredIds(sends(result.effects)[0]).every((id) => id.startsWith('faq_'))).toBe(true);
  });

  it.each(TOPICS.map((t) => [t.id, t.list] as const))(
    'answers topic %s and offers its list, support and the menu',
    (id, list) => {
      const result = step(states.registered(), pick(`faq_${id}`), ctx);
      expect(result.state.name).toBe('REGISTERED');
      expect(offeredIds(sends(result.effects)[0])).toEqual([list, 'support', 'main_menu']);
    },
  );

  it('quotes the configured plan and price in the payment answer', () => {
    expect(bodyOf(sends(step(states.idle(), pick('faq_payment'), ctx).effects)[0])).toContain(
      'Monthly plan costs ₦50.00',
    );
  });

  it('shows the current FAQ for a topic that no longer exists', () => {
    const result = step(states.idle(), pick('faq_refunds'), ctx);
    expect(bodyOf(sends(result.effects)[0])).toMatch(/don't have that topic/);
    expect(offeredIds(sends(result.effects)[0])).toContain('faq_registration');
  });

  it('answers a topic from HOMEWORK_SUBMITTED and rests in REGISTERED', () => {
    expect(after([tap('faq'), pick('faq_homework')], states.homeworkSubmitted()).name).toBe('REGISTERED');
  });
});
