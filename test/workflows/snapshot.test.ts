import { initialFlowState } from '../../workflows/flow/state';
import { emptySnapshot, readSnapshot, SNAPSHOT_VERSION, UnreadableSnapshotError } from '../../workflows/snapshot';

// The snapshot is what crosses versions at continue-as-new: every version this build still reads is
// migrated to the current one. One test per migration.

const message = {
  waMessageId: 'wamid.1',
  sender: { phone: '15550002222' },
  sentAt: 1_000,
  receivedAt: 1_100,
  content: { kind: 'text' as const, text: 'hi' },
};

describe('readSnapshot', () => {
  it('reads the current version as it is', () => {
    const current = { ...emptySnapshot(), recentIds: ['wamid.1'], lastInboundAt: 5 };
    expect(readSnapshot(JSON.parse(JSON.stringify(current)))).toEqual(current);
    expect(current.version).toBe(SNAPSHOT_VERSION);
  });

  it('migrates a snapshot written before 1.0.0: fields filled in, the flow without its id sequence', () => {
    const v0 = {
      flow: { name: 'REGISTERED', registered: true, homeworkCount: 2, sequence: 7, timers: {} },
      recentIds: ['wamid.1'],
      pending: [message],
    };
    expect(readSnapshot(v0)).toEqual({
      version: 1,
      flow: { ...initialFlowState(), name: 'REGISTERED', registered: true, homeworkCount: 2 },
      recentIds: ['wamid.1'],
      pending: [message],
      payments: [],
      deadlines: {},
      answered: [],
      shown: {},
    });
  });

  it('keeps what a pre-1.0.0 snapshot carried beyond the flow', () => {
    const v0 = {
      flow: {
        name: 'CHAT_SUPPORT_ACTIVE',
        registered: false,
        homeworkCount: 0,
        sequence: 3,
        timers: { chat_close: 't' },
      },
      recentIds: [],
      pending: [],
      payments: [{ reference: 'PAY-1', amount: 5000 }],
      deadlines: { chat_close: { token: 't', at: 99 } },
      lastInboundAt: 42,
      answered: [{ requestId: 'r1', result: { ok: true as const, state: 'IDLE' as const, at: 1 } }],
      shown: { saved: { name: 'IDLE' as const, registered: false } },
    };
    const read = readSnapshot(v0);
    expect(read).toMatchObject({
      payments: v0.payments,
      deadlines: v0.deadlines,
      lastInboundAt: 42,
      answered: v0.answered,
      shown: v0.shown,
    });
    expect(read.flow).not.toHaveProperty('sequence');
  });

  it('refuses a version it does not know, and anything that is not a snapshot', () => {
    expect(() => readSnapshot({ ...emptySnapshot(), version: SNAPSHOT_VERSION + 1 })).toThrow(UnreadableSnapshotError);
    expect(() => readSnapshot(null)).toThrow(UnreadableSnapshotError);
    expect(() => readSnapshot({ version: 1 })).toThrow(/flow state/);
  });
});
