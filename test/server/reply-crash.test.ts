import { tsToMs } from '@temporalio/common/lib/time';
import { findContactOf } from '../helpers/contacts';
import { feedStatuses, killInSendGap } from '../helpers/campaigns';
import { newPhone, textWebhook } from '../helpers/fixtures';
import type { Spawned } from '../helpers/spawn';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { startWorkerProcess } from '../helpers/worker-spawn';
import { conversationWorkflowId } from '../../workflows/messages';

// A bot reply whose worker is SIGKILLed between WhatsApp accepting it and the stored wamid (the Graph
// API's gap) is sent once: Meta's `sent` status echoes the send's key (biz_opaque_callback_data) and
// stores the wamid on the key's row, and the turn's retry in the next worker finds it there. The kill
// is aimed into the gap by `killInSendGap` (the fake answers accepted sends 2 s late); Meta's statuses
// are played by `feedStatuses`. Also measured: how late the status is after the send, and how late
// the retry is after the kill, the two figures that say whether deliverMessage must wait for a status.

let stack: TestStack;
let worker: Spawned | undefined;

beforeAll(async () => {
  stack = await startTestStack({}, { worker: false });
}, 120_000);

afterAll(async () => {
  if (worker && worker.child.exitCode === null) {
    worker.child.kill('SIGKILL');
    await worker.exited;
  }
  await stack?.stop();
}, 60_000);

const keyOf = (send: { body: unknown }) =>
  (send.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data;

it('sends a reply once when its worker is SIGKILLed in the send gap', async () => {
  const statuses = feedStatuses(stack.fake, async (body) => (await stack.postWebhook(body)).status);
  worker = await startWorkerProcess(stack.config);
  const phone = newPhone();

  let killedAt = 0;
  const dying = worker;
  const kill = killInSendGap(stack.fake, async () => {
    killedAt = Date.now();
    dying.child.kill('SIGKILL');
    await dying.exited;
  });
  expect((await stack.postWebhook(textWebhook(phone, 'hi').body)).status).toBe(200);
  await kill;
  const [first] = stack.fake.sendsTo(phone);
  expect(first).toBeDefined();
  worker = await startWorkerProcess(stack.config);

  // A second message is answered only after the first turn finished: then the first reply is settled.
  expect((await stack.postWebhook(textWebhook(phone, 'hi').body)).status).toBe(200);
  await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length >= 2, 90_000, 'the answer to the second hi');
  await statuses.stop();

  const keys = stack.fake.sendsTo(phone).map(keyOf);
  expect(keys).toHaveLength(2);
  expect(new Set(keys).size).toBe(2);
  const contactId = (await findContactOf(stack.db, phone))!;
  const { rows } = await stack.db.query<{ wa_message_id: string; received_ms: number }>(
    `select m.wa_message_id, extract(epoch from s.received_at) * 1000 as received_ms
     from messages m join status_events s on s.wa_message_id = m.wa_message_id and s.status = 'sent'
     where m.idempotency_key = $1`,
    [keyOf(first!)],
  );
  // The row holds the first send's wamid, which only its status can have stored (its answer came after the kill).
  expect(rows).toEqual([expect.objectContaining({ wa_message_id: first!.waMessageId })]);

  // When the retried work ended: the first local activity marker recorded after the kill. Markers are
  // written when the workflow task completes, after the second reply is out, so the history is read
  // until it shows one (a retry that never completes still fails here).
  const handle = stack.client.workflow.getHandle(conversationWorkflowId(contactId));
  const retriedAt = await waitFor(async () => {
    const { events } = await handle.fetchHistory();
    return (events ?? [])
      .filter((e) => e.markerRecordedEventAttributes)
      .map((e) => tsToMs(e.eventTime))
      .find((at) => at > killedAt);
  }, 'a local activity marker recorded after the kill');
  const statusAfterSendMs = Math.round(Number(rows[0]!.received_ms) - first!.at);
  const retryAfterKillMs = retriedAt - killedAt;
  console.warn(
    `reply crash test: status stored ${statusAfterSendMs} ms after the send; the retry ended ${retryAfterKillMs} ms after the kill`,
  );
}, 240_000);
