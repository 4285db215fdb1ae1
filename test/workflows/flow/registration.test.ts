import { step } from '../../../workflows/flow/step';
import {
  after,
  bodyOf,
  ctx,
  drive,
  image,
  offeredIds,
  pick,
  REGISTER_EVENTS,
  sends,
  states,
  tap,
  text,
} from './fixtures';

const MENU = ['homework', 'pay', 'status', 'faq', 'support', 'help', 'update_profile'];

describe('registration', () => {
  it('asks name, email and class, saves the student, then shows the main menu with the first name', () => {
    const results = drive(REGISTER_EVENTS);
    expect(results.map((r) => r.state.name)).toEqual([
      'IDLE',
      'REGISTERING_NAME',
      'REGISTERING_EMAIL',
      'REGISTERING_CLASS',
      'REGISTERED',
    ]);
    const last = results[results.length - 1]!;
    expect(last.effects).toContainEqual({
      type: 'saveProfile',
      profile: { fullName: 'Ada Lovelace', email: 'ada@example.com', className: 'JSS 2' },
    });
    expect(last.state.registered).toBe(true);
    expect(last.state.draft).toBeUndefined();
    const menu = sends(last.effects)[0];
    expect(menu?.kind).toBe('list');
    expect(bodyOf(menu)).toContain('Hey Ada! What would you like to do?');
    expect(offeredIds(menu)).toEqual(MENU);
  });

  it.each(['Howard Smith', 'Chatterjee', 'Closeup', 'Help Mensah', 'Chat Noir', 'Pay Ling'])(
    'stores %j as the name, not as a command',
    (name) => {
      const state = after([text(name)], states.registeringName());
      expect(state.name).toBe('REGISTERING_EMAIL');
      expect(state.draft?.fullName).toBe(name);
    },
  );

  it('keeps accents and straightens curly apostrophes in a name', () => {
    expect(after([text('  Ngũgĩ   wa Thiong\u2019o ')], states.registeringName()).draft?.fullName).toBe(
      "Ngũgĩ wa Thiong'o",
    );
  });

  it('understands "My name is …"', () => {
    expect(after([text('My name is Ada Lovelace.')], states.registeringName()).draft?.fullName).toBe('Ada Lovelace');
  });

  it.each(['A', ' ', '12345', '🙂🙂🙂', 'a'.repeat(81), '{name}', 'ada@example.com'])(
    'asks again for the invalid name %j',
    (name) => {
      const before = states.registeringName();
      const result = step(before, text(name), ctx);
      expect(result.state.name).toBe('REGISTERING_NAME');
      expect(result.state.draft?.fullName).toBeUndefined();
      expect(result.effects.map((e) => e.type)).not.toContain('saveProfile');
      expect(bodyOf(sends(result.effects)[0])).toMatch(/full name/);
    },
  );

  it('accepts an 80-character name', () => {
    expect(after([text('A'.repeat(80))], states.registeringName()).name).toBe('REGISTERING_EMAIL');
  });

  it('asks again for a wrong email, then takes the right one', () => {
    const results = drive(
      [
        text('ada@'),
        text('ada at example dot com'),
        text('a@b'),
        text('two@a.com three@b.com'),
        text("It's Ada@Example.COM."),
      ],
      states.registeringEmail(),
    );
    expect(results.map((r) => r.state.name)).toEqual([
      'REGISTERING_EMAIL',
      'REGISTERING_EMAIL',
      'REGISTERING_EMAIL',
      'REGISTERING_EMAIL',
      'REGISTERING_CLASS',
    ]);
    expect(bodyOf(sends(results[0]!.effects)[0])).toMatch(/does not look like an email/);
    expect(results[4]!.state.draft?.email).toBe('ada@example.com');
  });

  it('takes a class of up to 40 characters and asks again for a longer or empty one', () => {
    expect(after([text('x'.repeat(41))], states.registeringClass()).name).toBe('REGISTERING_CLASS');
    expect(after([text('...')], states.registeringClass()).name).toBe('REGISTERING_CLASS');
    const done = after([text('SS3 Science '.padEnd(40, 'x'))], states.registeringClass());
    expect(done.name).toBe('REGISTERED');
  });

  it('asks for typed text when a photo arrives, state unchanged', () => {
    const result = step(states.registeringEmail(), image(), ctx);
    expect(result.state.name).toBe('REGISTERING_EMAIL');
    expect(bodyOf(sends(result.effects)[0])).toMatch(/type your answer/);
  });

  it('does not accept "skip" for a new registration', () => {
    const result = step(states.registeringName(), text('skip'), ctx);
    expect(result.state.name).toBe('REGISTERING_NAME');
    expect(bodyOf(sends(result.effects)[0])).toMatch(/I need your name/);
  });

  it.each(['cancel', 'menu', 'Main Menu', '📍 Main Menu'])(
    'leaves registration on exactly %j, saving nothing',
    (word) => {
      const result = step(states.registeringClass(), text(word), ctx);
      expect(result.state.name).toBe('IDLE');
      expect(result.state.registered).toBe(false);
      expect(result.state.draft).toBeUndefined();
      expect(result.effects.map((e) => e.type)).toEqual(['send', 'cancelTimer']);
      expect(offeredIds(sends(result.effects)[0])).toEqual(['register', 'faq', 'support']);
    },
  );

  it('treats a sentence that merely contains "cancel" as data', () => {
    expect(after([text('Cancel Culture')], states.registeringName()).draft?.fullName).toBe('Cancel Culture');
  });

  it('tells a registered user they are registered and offers an update', () => {
    const result = step(states.registered(), tap('register'), ctx);
    expect(result.state.name).toBe('REGISTERED');
    expect(bodyOf(sends(result.effects)[0])).toContain('already registered as Ada Lovelace');
    expect(offeredIds(sends(result.effects)[0])).toEqual(['update_profile', 'main_menu']);
  });
});

describe('update profile', () => {
  it('shows each current value and saves the new values, `skip` keeping the old ones', () => {
    const results = drive([pick('update_profile'), text('Ada King'), text('skip'), text('SS 1')], states.registered());
    expect(bodyOf(sends(results[0]!.effects)[0])).toContain('Ada Lovelace');
    expect(bodyOf(sends(results[1]!.effects)[0])).toContain('ada@example.com');
    expect(bodyOf(sends(results[2]!.effects)[0])).toContain('JSS 2');
    const last = results[3]!;
    expect(last.effects).toContainEqual({
      type: 'saveProfile',
      profile: { fullName: 'Ada King', email: 'ada@example.com', className: 'SS 1' },
    });
    expect(last.state.profile).toEqual({ fullName: 'Ada King', email: 'ada@example.com', className: 'SS 1' });
    expect(last.state.name).toBe('REGISTERED');
    expect(bodyOf(sends(last.effects)[0])).toContain('Hey Ada! What would you like to do?');
  });

  it('saves the same profile when every step is skipped', () => {
    const last = drive([pick('update_profile'), text('skip'), text('SKIP'), text('Skip.')], states.registered()).pop()!;
    expect(last.effects).toContainEqual({
      type: 'saveProfile',
      profile: { fullName: 'Ada Lovelace', email: 'ada@example.com', className: 'JSS 2' },
    });
  });

  it('keeps the old profile when the update is cancelled', () => {
    const state = after([pick('update_profile'), text('Ada King'), text('cancel')], states.registered());
    expect(state.name).toBe('REGISTERED');
    expect(state.registered).toBe(true);
    expect(state.profile).toEqual({ fullName: 'Ada Lovelace', email: 'ada@example.com', className: 'JSS 2' });
    expect(state.draft).toBeUndefined();
  });

  it('starts a plain registration for an unregistered user', () => {
    const result = step(states.idle(), text('update profile'), ctx);
    expect(result.state.name).toBe('REGISTERING_NAME');
    expect(result.state.draft).toEqual({ updating: false });
  });
});
