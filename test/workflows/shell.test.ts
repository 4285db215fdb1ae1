import { WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { agentCommandUpdate, type AgentCommand } from '../../workflows/messages';
import { startWorkflowHarness, type WorkflowHarness } from '../helpers/workflow-harness';

// The conversation workflow's shell on its own: queueing, deduplication, ordering, retries, agent
// updates and continue-as-new, with stubbed activities (no HTTP, no Postgres).

let h: WorkflowHarness;

beforeAll(async () => {
  h = await startWorkflowHarness();
});

afterAll(async () => {
  await h?.stop();
});

/** The send keys name the contact and the message that caused each reply (`<contact id>/in/<wamid>/<n>`). */
const replyCauses = (phone: string): string[] =>
  h.stubs.sentTo(phone).map((s) => s.key.replace(`${h.contactIdOf(phone)}/`, '').replace(/\/\d+$/, ''));

async function answered(phone: string, replies: number): Promise<void> {
  await h.waitUntil(() => h.stubs.sentTo(phone).length >= replies, `${replies} replies to ${phone}`);
}

describe('conversationWorkflow shell', () => {
  it('handles a wamid signalled twice only once', async () => {
    const phone = h.newPhone();
    const first = h.textMessage(phone, 'hello');
    await h.signalInbound(first);
    await h.signalInbound(first);
    await answered(phone, 1);
    // Meta delivers it again after it was answered.
    await h.signalInbound(first);
    const next = h.textMessage(phone, 'menu');
    await h.signalInbound(next);
    await answered(phone, 2);

    expect(h.stubs.batches(phone).flat()).toEqual([first.waMessageId, next.waMessageId]);
    expect(replyCauses(phone)).toEqual([`in/${first.waMessageId}`, `in/${next.waMessageId}`]);
  });

  it('handles messages that arrive together in the order the user sent them', async () => {
    const phone = h.newPhone();
    const release = h.stubs.hold('handleTurn', phone);
    const first = h.textMessage(phone, 'hello');
    await h.signalInbound(first);
    await h.waitUntil(() => h.stubs.batches(phone).length === 1, 'the first message to be in hand');

    const one = h.textMessage(phone, 'one');
    const two = h.textMessage(phone, 'two');
    const three = h.textMessage(phone, 'three');
    // Concurrent webhook deliveries reach the workflow in any order.
    for (const message of [three, one, two]) await h.signalInbound(message);
    release();
    await answered(phone, 4);

    const ids = [first, one, two, three].map((m) => m.waMessageId);
    expect(h.stubs.batches(phone)).toEqual([[ids[0]], ids.slice(1)]);
    expect(replyCauses(phone)).toEqual(ids.map((id) => `in/${id}`));
    expect(await h.view(phone)).toMatchObject({ state: 'IDLE', pending: 0, busy: false });
  });

  it('retries an activity that fails transiently, and the conversation goes on', async () => {
    const phone = h.newPhone();
    // The send inside the batch activity fails twice (as a Graph API 503 would), failing the attempt.
    h.stubs.failNext('deliverMessage', { phone, times: 2 });
    const first = h.textMessage(phone, 'hello');
    await h.signalInbound(first);
    await answered(phone, 1);
    expect(h.stubs.callsOf(phone, 'handleTurn').map((c) => c.attempt)).toEqual([1, 2, 3]);

    const next = h.textMessage(phone, 'menu');
    await h.signalInbound(next);
    await answered(phone, 2);
    expect(replyCauses(phone)).toEqual([`in/${first.waMessageId}`, `in/${next.waMessageId}`]);
    expect(h.stubs.batches(phone)).toEqual([
      [first.waMessageId],
      [first.waMessageId],
      [first.waMessageId],
      [next.waMessageId],
    ]);
  });

  it('answers an agent command from the conversation, and a retry with the same key with the first answer', async () => {
    const phone = h.newPhone();
    await h.signalInbound(h.textMessage(phone, 'hello'));
    await answered(phone, 1);

    const start = await h.agentCommand(phone, { action: 'start', agent: 'Ada', requestId: `start-${phone}` });
    expect(start).toEqual({ ok: true, state: 'CHAT_SUPPORT_ACTIVE', at: expect.any(Number) });
    const send: AgentCommand = { action: 'send', agent: 'Ada', message: 'How can I help?', requestId: `send-${phone}` };
    const answer = await h.agentCommand(phone, send);
    const delivered = h.stubs.sentTo(phone).at(-1)!;
    expect(delivered).toMatchObject({
      sender: 'agent',
      senderName: 'Ada',
      key: `${h.contactIdOf(phone)}/agent/send-${phone}/1`,
    });
    expect(answer).toEqual({
      ok: true,
      state: 'CHAT_SUPPORT_ACTIVE',
      waMessageId: delivered.waMessageId,
      at: expect.any(Number),
    });

    const deliveries = h.stubs.callsOf(phone, 'deliverMessage', 'handleTurn').length;
    // As the admin API retries (same update id), and as a new update would after the server forgot that id.
    expect(await h.agentCommand(phone, send)).toEqual(answer);
    expect(await h.agentCommand(phone, send, { updateId: `again-${phone}` })).toEqual(answer);
    expect(h.stubs.callsOf(phone, 'deliverMessage', 'handleTurn')).toHaveLength(deliveries);
  });

  it('carries out a request taken twice while the first copy waits only once, and answers both alike', async () => {
    const phone = h.newPhone();
    await h.signalInbound(h.textMessage(phone, 'hello'));
    await answered(phone, 1);
    const start: AgentCommand = { action: 'start', agent: 'Ada', message: 'Hi!', requestId: `start-${phone}` };
    // Both copies queue behind a held batch, each under its own update id (two servers, say).
    const release = h.stubs.hold('handleTurn', phone);
    await h.signalInbound(h.textMessage(phone, 'help'));
    await h.waitUntil(() => h.stubs.batches(phone).length === 2, 'the second batch to be in hand');
    const accepted = (updateId: string) =>
      h.handle(phone).startUpdate(agentCommandUpdate, {
        args: [start],
        updateId,
        waitForStage: WorkflowUpdateStage.ACCEPTED,
      });
    // Accepted once the held task lets the workflow take new events (its periodic heartbeat).
    const [first, second] = await Promise.all([accepted(`a-${phone}`), accepted(`b-${phone}`)]);
    release();
    const [one, two] = await Promise.all([first.result(), second.result()]);
    expect(one).toMatchObject({ ok: true, state: 'CHAT_SUPPORT_ACTIVE' });
    expect(two).toEqual(one);
    expect(h.stubs.sentTo(phone).filter((s) => s.sender === 'agent')).toHaveLength(1);
  });

  it('refuses an agent command the conversation cannot carry out, and sends nothing for it', async () => {
    const phone = h.newPhone();
    await h.signalInbound(h.textMessage(phone, 'hello'));
    await answered(phone, 1);

    const send: AgentCommand = { action: 'send', agent: 'Ada', message: 'Hi', requestId: `send-${phone}` };
    expect(await h.agentCommand(phone, send)).toEqual({
      ok: false,
      code: 'not_in_chat_support',
      message: expect.any(String),
    });
    const unnamed = h.agentCommand(phone, { action: 'start', agent: ' ', requestId: `start-${phone}` });
    await expect(unnamed).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
    await expect(unnamed).rejects.toMatchObject({ cause: { message: 'agent name is required' } });
    // Only the reply to hello was ever sent.
    expect(h.stubs.callsOf(phone, 'deliverMessage', 'handleTurn')).toHaveLength(1);
    expect(await h.view(phone)).toMatchObject({ state: 'IDLE', pending: 0, busy: false });
  });

  it('continues as new with its state, settings, answers and recent wamids', async () => {
    const phone = h.newPhone();
    const input = { maxHistoryEvents: 20 };
    const first = h.textMessage(phone, 'hello');
    await h.signalInbound(first, input);
    const firstRunId = (await h.handle(phone).describe()).runId;
    await answered(phone, 1);
    const startCommand: AgentCommand = { action: 'start', agent: 'Ada', requestId: `start-${phone}` };
    const start = await h.agentCommand(phone, startCommand);
    const { chatSessionKey } = await h.view(phone);
    expect(chatSessionKey).toBeDefined();

    // The user writes in the chat (no reply: the agent is there) until the history is long enough.
    const runId = async () => (await h.handle(phone).describe()).runId;
    for (let i = 0; (await runId()) === firstRunId; i++) {
      if (i === 10) throw new Error('the conversation did not continue as new after 10 messages');
      const message = h.textMessage(phone, `question ${i}`);
      await h.signalInbound(message, input);
      await h.waitUntil(() => h.stubs.batches(phone).flat().includes(message.waMessageId), `question ${i}`);
    }
    const replies = h.stubs.sentTo(phone).length;
    const deliveries = h.stubs.callsOf(phone, 'deliverMessage', 'handleTurn').length;

    // Meta redelivers the first message to the new run; a fresh message follows it.
    await h.signalInbound(first, input);
    const fresh = h.textMessage(phone, 'still there?');
    await h.signalInbound(fresh, input);
    await h.waitUntil(() => h.stubs.batches(phone).flat().includes(fresh.waMessageId), 'the fresh message');
    // The server no longer knows the update id in the new run: the conversation's own memory answers.
    expect(await h.agentCommand(phone, startCommand)).toEqual(start);

    const later = h.stubs.calls.filter((c) => c.workflowId === h.handle(phone).workflowId && c.runId !== firstRunId);
    expect(later.length).toBeGreaterThan(0);
    expect(later.filter((c) => c.activity === 'loadSettings' || c.activity === 'loadConversation')).toHaveLength(0);
    // The new run knows what the conversations row already shows: the fresh message, which changes
    // no state, saves none.
    const freshTurn = later.find(
      (c) =>
        c.activity === 'handleTurn' &&
        (c.input as { items: { message?: { waMessageId: string } }[] }).items.some(
          (item) => item.message?.waMessageId === fresh.waMessageId,
        ),
    );
    expect(freshTurn?.input).not.toHaveProperty('state');
    expect(
      h.stubs
        .batches(phone)
        .flat()
        .filter((id) => id === first.waMessageId),
    ).toHaveLength(1);
    expect(h.stubs.sentTo(phone)).toHaveLength(replies);
    expect(h.stubs.callsOf(phone, 'deliverMessage', 'handleTurn')).toHaveLength(deliveries);
    expect(await h.view(phone)).toMatchObject({ state: 'CHAT_SUPPORT_ACTIVE', chatSessionKey, pending: 0 });
  });
});
