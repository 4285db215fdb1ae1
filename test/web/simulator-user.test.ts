import { SandboxMessageBody } from '../../tools/sandbox/routes';

interface SimUser {
  name: string;
  phone: string | null;
  userId: string | null;
  username: string | null;
  past: string[];
}
interface SetupForm {
  usernameMode: boolean;
  phone: string;
  username: string;
  name: string;
}
interface SimulatorUserModule {
  addresses: (user: SimUser) => string[];
  changedUser: (user: SimUser, phone: string | null, userId: string) => SimUser;
  identityText: (user: SimUser) => string;
  phoneDigits: (text: string) => string | null;
  sender: (user: SimUser) => Record<string, string>;
  userFromForm: (form: SetupForm) => { user: SimUser } | { error: string };
}
// A browser module (type-checked by tsconfig.web.json), compiled for Node by jest's transform; this
// project's TypeScript reads no JavaScript, so its shape is named here.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const simulatorUser = require('../../src/web/simulator-user.js') as SimulatorUserModule;
const { addresses, changedUser, identityText, phoneDigits, sender, userFromForm } = simulatorUser;

// The simulator's rules for who writes, run in Node: what the setup form accepts, and that whatever it
// accepts the server's /sandbox/messages schema accepts too (the page checks first only to say why).

const form: SetupForm = { usernameMode: false, phone: '', username: '', name: 'Ada Lovelace' };

function made(input: Partial<SetupForm>): SimUser {
  const read = userFromForm({ ...form, ...input });
  if ('error' in read) throw new Error(read.error);
  return read.user;
}

describe('the simulator user', () => {
  it('reads a phone number in any common format, 8 to 15 digits', () => {
    expect(phoneDigits('+1 (555) 000-1111')).toBe('15550001111');
    expect(phoneDigits('1234567')).toBeNull();
    expect(phoneDigits('1234567890123456')).toBeNull();
  });

  it('makes a phone user or a username user with a new BSUID, and says what is wrong otherwise', () => {
    const phoneUser = made({ phone: '+1 555 000 1111' });
    expect(phoneUser).toEqual({ phone: '15550001111', userId: null, username: null, name: 'Ada Lovelace', past: [] });
    expect(identityText(phoneUser)).toBe('Ada Lovelace · +15550001111');

    const hidden = made({ usernameMode: true, username: ' @Grace.H ', name: 'Grace' });
    expect(hidden).toMatchObject({ phone: null, username: 'grace.h', name: 'Grace' });
    expect(hidden.userId).toMatch(/^US\.[1-9]\d{19}$/);
    expect(identityText(hidden)).toBe('Grace · @grace.h · number hidden');

    expect(userFromForm({ ...form, usernameMode: true, username: '123' })).toEqual({
      error: 'A username has 3 to 35 of a–z, 0–9, . and _, with at least one letter.',
    });
    expect(userFromForm({ ...form, phone: '12' })).toEqual({
      error: 'A phone number has 8 to 15 digits, country code included.',
    });
    expect(userFromForm({ ...form, phone: '15550001111', name: '  ' })).toEqual({
      error: 'Enter the display name the bot will see.',
    });
  });

  it('writes as the server expects, before and after a change of number', () => {
    const hidden = made({ usernameMode: true, username: 'ada.l' });
    const phoneUser = made({ phone: '15550001111' });
    for (const user of [hidden, phoneUser]) {
      expect(SandboxMessageBody.safeParse({ ...sender(user), text: 'Hello' }).success).toBe(true);
    }
    expect(sender(hidden)).toEqual({ name: 'Ada Lovelace', userId: hidden.userId, username: 'ada.l' });
    expect(sender(phoneUser)).toEqual({ name: 'Ada Lovelace', from: '15550001111' });

    // The bot may have written to any address the user had: each change keeps the old ones, once.
    const moved = changedUser(phoneUser, '15550002222', 'US.12345678901234567890');
    const hiddenAgain = changedUser(moved, null, 'US.98765432109876543210');
    expect(addresses(hiddenAgain)).toEqual([
      'US.98765432109876543210',
      '15550001111',
      '15550002222',
      'US.12345678901234567890',
    ]);
    expect(changedUser(hiddenAgain, null, 'US.11111111111111111111').past).toEqual([
      '15550001111',
      '15550002222',
      'US.12345678901234567890',
      'US.98765432109876543210',
    ]);
  });
});
