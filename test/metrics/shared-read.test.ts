import { sharedRead } from '../../src/metrics/shared-read';

/** A read whose calls are counted and settled by the test. */
function controlledRead() {
  const pending: { resolve: (v: number) => void; reject: (e: Error) => void }[] = [];
  const read = () => new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  return { read, pending };
}

describe('sharedRead', () => {
  let clock = 0;
  const now = () => clock;
  beforeEach(() => (clock = 0));

  it('gives every call made while a read is in flight that same read', async () => {
    const { read, pending } = controlledRead();
    const shared = sharedRead(read, 5_000, now);
    const calls = Array.from({ length: 10 }, () => shared());
    expect(pending).toHaveLength(1);
    pending[0]!.resolve(7);
    expect(await Promise.all(calls)).toEqual(Array(10).fill(7));
  });

  it('reuses a result for maxAge after the read ended, then reads again', async () => {
    const { read, pending } = controlledRead();
    const shared = sharedRead(read, 5_000, now);
    const first = shared();
    clock = 1_000;
    pending[0]!.resolve(1);
    await first;
    clock = 5_999;
    await expect(shared()).resolves.toBe(1);
    expect(pending).toHaveLength(1);
    clock = 6_000;
    const second = shared();
    expect(pending).toHaveLength(2);
    pending[1]!.resolve(2);
    await expect(second).resolves.toBe(2);
  });

  it('keeps a failure as long as a result, so a failing Postgres is asked again only after maxAge', async () => {
    const { read, pending } = controlledRead();
    const shared = sharedRead(read, 5_000, now);
    const first = shared();
    pending[0]!.reject(new Error('connection refused'));
    await expect(first).rejects.toThrow('connection refused');
    await expect(shared()).rejects.toThrow('connection refused');
    expect(pending).toHaveLength(1);
    clock = 5_000;
    const retried = shared();
    pending[1]!.resolve(3);
    await expect(retried).resolves.toBe(3);
  });
});
