import { signBody, verifySignature } from '../../src/whatsapp/signature';
import { fixtureBytes } from '../helpers/fixtures';

const SECRET = 'fixture-app-secret-not-real';

// Header values computed over the exact file bytes, with this secret, by whoever made the fixtures.
const REFERENCE_SIGNATURES: [string, number, string][] = [
  ['text-message.json', 1004, 'sha256=421475eaae579bce9d6a976f2a0af76b98f111e0b482905738d6c9f2bfdba2f1'],
  ['button-reply.json', 1295, 'sha256=5840f93e5dda7b9b9810914f84e221681c336fcd131a44bf251936f9be1eb16d'],
  ['list-reply.json', 1368, 'sha256=6b67bafc459e6dc693d51ae1cbf0761b450b37f205e786c7c77e99346b192113'],
  ['image-message.json', 1299, 'sha256=e59e57390177c5bac348c4b40cd720706f549940dc54b606c3fb2e2bada07261'],
  ['status-delivered.json', 908, 'sha256=f3b457a4c1b2ea0ec78c837fed7debf43eeb1f87a3e56e8a7c164e94b48be9df'],
  ['status-failed.json', 1130, 'sha256=2d54d5fe0f6e66e80ce9db92bfdbbd5dfbb237149f6bb877d82362827ac22873'],
  ['multi-entry-batch.json', 2946, 'sha256=51284ad04e6113b9f5ece90bc4f06c117bdc3176fc944b70e50648e18a07beea'],
  ['unsupported-message.json', 1335, 'sha256=91c89ba83c6ede6286db4a9c6a6e2d63f02ddbe8f3099b1ea81458f4c67d016a'],
];

const TEXT_HEADER = REFERENCE_SIGNATURES[0]![2];

describe('verifySignature', () => {
  it.each(REFERENCE_SIGNATURES)('accepts the reference signature of %s over its raw bytes', (file, size, header) => {
    const raw = fixtureBytes(file);
    expect(raw.length).toBe(size);
    expect(verifySignature(raw, header, SECRET)).toBe(true);
  });

  it('signBody reproduces the reference header values', () => {
    for (const [file, , header] of REFERENCE_SIGNATURES) expect(signBody(fixtureBytes(file), SECRET)).toBe(header);
  });

  it('rejects a body with one changed byte', () => {
    const raw = Buffer.from(fixtureBytes('text-message.json'));
    raw[raw.indexOf('A1234')] = 'B'.charCodeAt(0);
    expect(verifySignature(raw, TEXT_HEADER, SECRET)).toBe(false);
  });

  it('rejects the body re-serialised as JSON (the hash covers the raw bytes)', () => {
    const reserialised = Buffer.from(JSON.stringify(JSON.parse(fixtureBytes('text-message.json').toString('utf8'))));
    expect(verifySignature(reserialised, TEXT_HEADER, SECRET)).toBe(false);
  });

  it('rejects a signature made with another secret', () => {
    expect(verifySignature(fixtureBytes('text-message.json'), TEXT_HEADER, 'another-secret')).toBe(false);
  });

  it('rejects when the configured secret is empty, even for a header made with an empty key', () => {
    const raw = fixtureBytes('text-message.json');
    expect(verifySignature(raw, signBody(raw, ''), '')).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['without prefix', TEXT_HEADER.slice('sha256='.length)],
    ['with the sha1 prefix', 'sha1=' + TEXT_HEADER.slice('sha256='.length)],
    ['with an uppercase prefix', 'SHA256=' + TEXT_HEADER.slice('sha256='.length)],
    ['one hex digit short', TEXT_HEADER.slice(0, -1)],
    ['one hex digit long', TEXT_HEADER + '0'],
    ['with a non-hex digit', TEXT_HEADER.slice(0, -1) + 'g'],
    ['with surrounding spaces', ` ${TEXT_HEADER} `],
  ])('rejects a header %s', (_label, header) => {
    expect(verifySignature(fixtureBytes('text-message.json'), header, SECRET)).toBe(false);
  });

  it('accepts uppercase hex digits, which encode the same digest', () => {
    const upper = 'sha256=' + TEXT_HEADER.slice('sha256='.length).toUpperCase();
    expect(verifySignature(fixtureBytes('text-message.json'), upper, SECRET)).toBe(true);
  });
});
