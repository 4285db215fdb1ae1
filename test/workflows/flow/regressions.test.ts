import { step } from '../../../workflows/flow/step';
import { after, bodyOf, ctx, drive, image, offeredIds, pick, sends, states, tap, text } from './fixtures';

// The earlier system's misroutings (issue 4, "Why"), one test each.

describe('regressions of the earlier system', () => {
  it('stores "Howard Smith" as the name in REGISTERING_NAME', () => {
    const state = after([text('Howard Smith'), text('howard@example.com'), text('SS 2')], states.registeringName());
    expect(state.profile?.fullName).toBe('Howard Smith');
  });

  it('does not read "Howard" typed in IDLE as help', () => {
    const result = step(states.idle(), text('Howard'), ctx);
    expect(result.state.name).toBe('IDLE');
    expect(offeredIds(sends(result.effects)[0])).toEqual(['register', 'faq', 'support']);
    expect(bodyOf(sends(result.effects)[0])).toMatch(/didn't get that/);
  });

  it('does not read "Chatterjee" as chat', () => {
    expect(step(states.registered(), text('Chatterjee'), ctx).state.name).toBe('REGISTERED');
    expect(step(states.idle(), text('Mr Chatterjee here'), ctx).state.name).toBe('IDLE');
  });

  it('does not read "Closeup" as close in a chat', () => {
    const result = step(states.chatRegistered(), text('Closeup'), ctx);
    expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
  });

  it('sends "I\'m done with question 3" to the agent instead of ending the chat', () => {
    const open = states.chatRegistered();
    const result = step(open, text("I'm done with question 3"), ctx);
    expect(result.state.name).toBe('CHAT_SUPPORT_ACTIVE');
    expect(result.effects).toContainEqual({ type: 'chatUserMessage', sessionKey: open.chat!.sessionKey });
    expect(result.effects.map((e) => e.type)).not.toContain('closeChat');
  });

  it('routes button taps by id, whatever the title says', () => {
    expect(step(states.idle(), tap('support', 'Register'), ctx).state.name).toBe('CHAT_SUPPORT_ACTIVE');
    expect(step(states.idle(), tap('register', '💬 Chat Support'), ctx).state.name).toBe('REGISTERING_NAME');
    expect(step(states.idle(), tap('Register', 'register'), ctx).state.name).toBe('IDLE');
    expect(
      step(states.registered(), pick('status', 'FAQ'), ctx).effects.some(
        (e) => e.type === 'send' && bodyOf(e.content).includes('Your status'),
      ),
    ).toBe(true);
  });

  it('saves an image in the homework flow instead of dropping it', () => {
    const result = step(states.homeworkImage(), image('wa-media-9'), ctx);
    expect(result.effects).toContainEqual(
      expect.objectContaining({
        type: 'saveHomework',
        submission: expect.objectContaining({ kind: 'image', mediaId: 'wa-media-9' }),
      }),
    );
  });

  it('saves an updated profile, `skip` keeping the old values', () => {
    const last = drive(
      [pick('update_profile'), text('skip'), text('ada.king@example.org'), text('skip')],
      states.registered(),
    ).pop()!;
    expect(last.effects).toContainEqual({
      type: 'saveProfile',
      profile: { fullName: 'Ada Lovelace', email: 'ada.king@example.org', className: 'JSS 2' },
    });
  });

  it('produces a payment from the Confirm button', () => {
    expect(
      step(states.paymentOffered(), tap('payment_confirm', '✅ Confirm'), ctx).effects.map((e) => e.type),
    ).toContain('createPayment');
  });

  it('shows real values in the status, never a raw placeholder', () => {
    const body = bodyOf(sends(step(states.registered(), pick('status'), ctx).effects)[0]);
    expect(body).toContain('Ada Lovelace');
    expect(body).toContain('JSS 2');
    expect(body).not.toMatch(/[{}]/);
  });
});
