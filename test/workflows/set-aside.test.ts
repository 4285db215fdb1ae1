import pg from 'pg';
import { ApplicationFailure } from '@temporalio/activity';
import { WHATSAPP_REJECTED } from '../../domain/failures';
import { startWorkflowHarness, type WorkflowHarness } from '../helpers/workflow-harness';

// What can never succeed is set aside, not retried: a step the flow throws on, a write Postgres
// refuses, a photo WhatsApp will not hand over. The conversation answers the next message, with
// stubbed activities on the real workflow.

let h: WorkflowHarness;

beforeAll(async () => {
  h = await startWorkflowHarness();
});

afterAll(async () => {
  await h?.stop();
});

/** The error pg raises when Postgres refuses a value (here: a NUL byte in a text). */
function refusedByPostgres(): pg.DatabaseError {
  const error = new pg.DatabaseError('invalid byte sequence for encoding "UTF8": 0x00', 0, 'error');
  error.code = '22021';
  return error;
}

async function replies(phone: string, count: number): Promise<void> {
  await h.waitUntil(() => h.stubs.sentTo(phone).length >= count, `${count} replies to ${phone}`);
}

const setAsideFor = (phone: string) => h.stubs.setAside.filter((item) => item.contactId === h.contactIdOf(phone));

describe('a conversation sets aside what can never succeed', () => {
  it('stores and sets aside a message its flow step threw on, and answers the next one', async () => {
    const phone = h.newPhone();
    await h.signalInbound(h.textMessage(phone, 'hello'));
    await replies(phone, 1);
    // The first batch hands the workflow settings the flow cannot read: asking for support formats
    // the chat timers and throws.
    h.stubs.intercept('handleTurn', async (input, next) => ({ ...(await next(input)), settings: broken }), {
      phone,
      times: 1,
    });
    const broken = { ...h.stubs.settings, timers: null as never };
    await h.signalInbound(h.textMessage(phone, 'menu'));
    await replies(phone, 2);
    const support = h.textMessage(phone, 'support');
    await h.signalInbound(support);
    await h.waitUntil(() => setAsideFor(phone).length === 1, 'the message to be set aside');
    expect(setAsideFor(phone)[0]).toMatchObject({
      reason: 'step_failed',
      item: { inbound: { waMessageId: support.waMessageId } },
      error: expect.stringContaining('TypeError'),
    });
    // Stored (a redelivery of it is recognised) with no effect but a notice to the user: no state change.
    expect(h.stubs.batches(phone).at(-1)).toEqual([support.waMessageId]);
    await replies(phone, 3);
    expect(h.stubs.sentTo(phone)[2]).toMatchObject({
      key: `${h.contactIdOf(phone)}/in/${support.waMessageId}/not-handled`,
      content: { kind: 'text', text: expect.stringContaining("couldn't handle it") },
    });

    const hello = h.textMessage(phone, 'hello');
    await h.signalInbound(hello);
    await replies(phone, 4);
    expect(h.stubs.sentTo(phone)[3]!.key).toBe(`${h.contactIdOf(phone)}/in/${hello.waMessageId}/1`);
    expect(await h.view(phone)).toMatchObject({ state: 'IDLE', pending: 0, busy: false });
  });

  it('sets aside a message whose writes Postgres refuses, at once, and goes on with the rest of its batch', async () => {
    const phone = h.newPhone();
    const release = h.stubs.hold('handleTurn', phone);
    const first = h.textMessage(phone, 'hello');
    await h.signalInbound(first);
    await h.waitUntil(() => h.stubs.batches(phone).length === 1, 'the first message to be in hand');
    // Two more arrive together; the first of them opens a chat, whose record Postgres refuses.
    const support = h.textMessage(phone, 'support');
    const after = h.textMessage(phone, 'menu');
    await h.signalInbound(support);
    await h.signalInbound(after);
    h.stubs.intercept(
      'applyRecords',
      async () => {
        throw refusedByPostgres();
      },
      { phone, times: 1 },
    );
    release();
    await h.waitUntil(() => h.stubs.batches(phone).length === 3, 'the rest of the batch to be handled again');

    expect(setAsideFor(phone)).toEqual([
      expect.objectContaining({
        reason: 'store_refused',
        item: { inbound: expect.objectContaining({ waMessageId: support.waMessageId }) },
      }),
    ]);
    // Never retried: the batch that failed ran once, and the message behind it ran on its own.
    expect(h.stubs.batches(phone)).toEqual([
      [first.waMessageId],
      [support.waMessageId, after.waMessageId],
      [after.waMessageId],
    ]);
    // (the fourth call carries the notice to the user)
    expect(h.stubs.callsOf(phone, 'handleTurn').map((c) => c.attempt)).toEqual([1, 1, 1, 1]);
    await replies(phone, 3);
    // The chat never opened: its step was undone with its record, and the user was told.
    expect(h.stubs.sentTo(phone).map((s) => s.key)).toEqual([
      `${h.contactIdOf(phone)}/in/${first.waMessageId}/1`,
      `${h.contactIdOf(phone)}/in/${support.waMessageId}/not-handled`,
      `${h.contactIdOf(phone)}/in/${after.waMessageId}/1`,
    ]);
    expect((await h.view(phone)).state).not.toBe('CHAT_SUPPORT_ACTIVE');
  });

  it('answers an agent command whose writes fail for good, undoes it, and takes the next', async () => {
    const phone = h.newPhone();
    await h.signalInbound(h.textMessage(phone, 'hello'));
    await replies(phone, 1);
    h.stubs.intercept(
      'applyRecords',
      async () => {
        throw refusedByPostgres();
      },
      { phone, times: 1 },
    );
    const start = { action: 'start', agent: 'Ada', requestId: `start-${phone}` } as const;
    expect(await h.agentCommand(phone, start)).toEqual({ ok: false, code: 'set_aside', message: expect.any(String) });
    expect(setAsideFor(phone)).toEqual([
      expect.objectContaining({
        reason: 'store_refused',
        item: { event: expect.objectContaining({ type: 'agentStart' }) },
      }),
    ]);
    expect(await h.view(phone)).toMatchObject({ state: 'IDLE', pending: 0 });

    const again = { ...start, requestId: `start-again-${phone}` };
    expect(await h.agentCommand(phone, again)).toMatchObject({ ok: true, state: 'CHAT_SUPPORT_ACTIVE' });
  });

  it('reports a start whose opening line WhatsApp refused as refused, with the chat it opened', async () => {
    const phone = h.newPhone();
    await h.signalInbound(h.textMessage(phone, 'hello'));
    await replies(phone, 1);
    h.stubs.intercept(
      'deliverMessage',
      async () => {
        throw ApplicationFailure.create({ type: WHATSAPP_REJECTED, nonRetryable: true, details: [{ code: 131026 }] });
      },
      { phone, times: 1 },
    );
    const start = { action: 'start', agent: 'Ada', message: 'Hello!', requestId: `start-${phone}` } as const;
    expect(await h.agentCommand(phone, start)).toEqual({
      ok: false,
      code: 'whatsapp_rejected',
      message: expect.stringContaining('the chat is open'),
      whatsappCode: 131026,
      state: 'CHAT_SUPPORT_ACTIVE',
    });
    const end = { action: 'end', agent: 'Ada', requestId: `end-${phone}` } as const;
    h.stubs.intercept(
      'deliverMessage',
      async () => {
        throw ApplicationFailure.create({ type: WHATSAPP_REJECTED, nonRetryable: true, details: [{ code: 131047 }] });
      },
      { phone, times: 1 },
    );
    expect(await h.agentCommand(phone, end)).toMatchObject({
      ok: false,
      code: 'whatsapp_rejected',
      whatsappCode: 131047,
      state: 'IDLE',
    });
  });
});
