import { startGraphFake, type GraphFake } from '../../tools/sandbox/graph-fake';
import { graphError } from '../../tools/sandbox/graph-fake-http';
import { createGraphClient } from '../../src/whatsapp/graph-client';

// The fake's storm knobs: a refusal for one number, a share of sends failing at random, and the log of
// every send request with its outcome that the fault suite reads retries from.

const TOKEN = 'fake-token';
const TEXT = { kind: 'text', text: 'hello' } as const;

describe('graph fake: storms and refusals', () => {
  let fake: GraphFake;
  beforeEach(async () => {
    fake = await startGraphFake({ accessToken: TOKEN });
  });
  afterEach(() => fake.close());

  const client = (timeoutMs = 5_000) =>
    createGraphClient({ baseUrl: fake.baseUrl, accessToken: TOKEN, phoneNumberId: '106000000000001', timeoutMs });

  it('refuses every send to one number with the given code and accepts the others, until lifted', async () => {
    fake.refuse('+1 555-000-7777', { status: 400, body: graphError(131047, 'Re-engagement message') });
    const refused = await client()
      .sendMessage({ phone: '15550007777' }, TEXT)
      .catch((err: unknown) => err);
    expect(refused).toMatchObject({ name: 'WhatsAppApiError', code: 131047, retryable: false });
    await client().sendMessage({ phone: '15550008888' }, TEXT);
    expect(fake.sends.map((s) => s.to)).toEqual(['15550008888']);

    fake.refuse('15550007777', undefined);
    await client().sendMessage({ phone: '15550007777' }, TEXT);
    expect(fake.sends.map((s) => s.to)).toEqual(['15550008888', '15550007777']);
    expect(fake.attempts.map((a) => [a.to, a.outcome, a.code])).toEqual([
      ['15550007777', 'failed', 131047],
      ['15550008888', 'accepted', undefined],
      ['15550007777', 'accepted', undefined],
    ]);
  });

  it('fails the share of sends its random draw puts under the error rate, and none once it ends', async () => {
    const draws = [0.1, 0.9, 0.29, 0.3];
    fake.setStorm({ errorRate: 0.3, failure: { status: 500 }, random: () => draws.shift() ?? 1 });
    const outcomes: string[] = [];
    for (let i = 0; i < 4; i++) {
      const result = await client()
        .sendMessage({ phone: '15550009999' }, TEXT)
        .then(
          () => 'accepted',
          (err: { retryable?: boolean }) => `failed retryable=${String(err.retryable)}`,
        );
      outcomes.push(result);
    }
    expect(outcomes).toEqual(['failed retryable=true', 'accepted', 'failed retryable=true', 'accepted']);
    expect(fake.sends).toHaveLength(2);

    fake.setStorm(undefined);
    await client().sendMessage({ phone: '15550009999' }, TEXT);
    expect(fake.attempts.filter((a) => a.outcome === 'failed').map((a) => a.status)).toEqual([500, 500]);
    expect(fake.sends).toHaveLength(3);
  });

  it('logs a send whose client gave up during a slow answer as dropped, and records no send for it', async () => {
    fake.failNext(1, { delayMs: 1_000 });
    const timedOut = await client(100)
      .sendMessage({ phone: '15550006666' }, TEXT)
      .catch((err: unknown) => err);
    expect(timedOut).toMatchObject({ name: 'WhatsAppApiError', retryable: true });
    await fake.waitFor(() => fake.attempts.length === 1, 3_000, 'the slow send to be logged');
    expect(fake.attempts[0]).toMatchObject({ to: '15550006666', outcome: 'dropped' });
    expect(fake.sends).toEqual([]);
  });

  it('refuses an error rate outside 0 to 1', () => {
    expect(() => fake.setStorm({ errorRate: 30, failure: { status: 500 } })).toThrow(RangeError);
  });

  it('forgets refusals, the storm and the attempt log on reset', async () => {
    fake.refuse('15550005555', { status: 400, body: graphError(131047, 'Re-engagement message') });
    fake.setStorm({ errorRate: 1, failure: { status: 500 } });
    await client()
      .sendMessage({ phone: '15550004444' }, TEXT)
      .catch(() => undefined);
    expect(fake.attempts).toHaveLength(1);
    fake.reset();
    expect(fake.attempts).toEqual([]);
    await client().sendMessage({ phone: '15550005555' }, TEXT);
    expect(fake.sends.map((s) => s.to)).toEqual(['15550005555']);
  });
});
