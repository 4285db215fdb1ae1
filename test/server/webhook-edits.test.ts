import { AdminClient } from '../helpers/admin-client';
import { TestUser } from '../helpers/conversation';
import { messagesChange, newPhone, newWamid, webhookBody } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

// A student's edits and deletions, as WhatsApp delivers them, through the real stack: signed webhook,
// workflow, store and the admin history.

let stack: TestStack;
let alice: AdminClient;

beforeAll(async () => {
  stack = await startTestStack();
  alice = await AdminClient.agent(stack, 'Alice');
});

afterAll(async () => {
  await stack?.stop();
});

describe('edits and deletions from WhatsApp', () => {
  it('stores an edit and a deletion with the message they change, answers neither, and stores a redelivery once', async () => {
    const user = await new TestUser(stack, newPhone(), 'Howard Smith').register();
    const [original] = (await user.history()).filter((m) => m.direction === 'inbound').slice(-1);
    const repliesBefore = stack.fake.sendsTo(user.phone).length;

    const editId = newWamid();
    const revokeId = newWamid();
    const body = webhookBody([
      messagesChange([
        {
          from: user.phone,
          id: editId,
          type: 'edit',
          part: {
            edit: {
              original_message_id: original!.waMessageId,
              message: { type: 'text', text: { body: 'Grade 11, sorry' } },
            },
          },
        },
        {
          from: user.phone,
          id: revokeId,
          type: 'revoke',
          part: { revoke: { original_message_id: original!.waMessageId } },
        },
      ]),
    ]);
    expect((await stack.postWebhook(body)).status).toBe(200);
    await user.settled(async () => (await user.history()).some((m) => m.waMessageId === revokeId));
    // Meta delivers again when it missed our answer: nothing is stored or answered twice.
    expect((await stack.postWebhook(body)).status).toBe(200);
    await user.settled();

    const history = await alice.history(user.phone);
    expect(history.status).toBe(200);
    const changes = (history.body.messages as { waMessageId: string }[]).filter((m) =>
      [editId, revokeId].includes(m.waMessageId),
    );
    expect(changes).toEqual([
      expect.objectContaining({
        waMessageId: editId,
        direction: 'inbound',
        type: 'edit',
        body: 'Grade 11, sorry',
        payload: { kind: 'edit', messageId: original!.waMessageId, text: 'Grade 11, sorry' },
      }),
      expect.objectContaining({
        waMessageId: revokeId,
        direction: 'inbound',
        type: 'revoke',
        body: null,
        payload: { kind: 'revoke', messageId: original!.waMessageId },
      }),
    ]);
    expect(stack.fake.sendsTo(user.phone)).toHaveLength(repliesBefore);
    expect(await user.state()).toBe('REGISTERED');
  });

  it('quarantines an edit that names no message and stores nothing of it', async () => {
    const user = await new TestUser(stack, newPhone()).register();
    const id = newWamid();
    const body = webhookBody([
      messagesChange([{ from: user.phone, id, type: 'edit', part: { edit: { message: { type: 'text' } } } }]),
    ]);
    expect((await stack.postWebhook(body)).status).toBe(200);
    const { rows } = await stack.db.query<{ reason: string }>(
      `select reason from quarantine where raw like '%' || $1 || '%'`,
      [id],
    );
    expect(rows).toEqual([{ reason: 'malformed' }]);
    expect((await user.history()).some((m) => m.waMessageId === id)).toBe(false);
  });
});
