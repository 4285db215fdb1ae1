import { newPhone, newWamid, statusWebhook } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';

// Status webhooks arriving together are written together (src/server/status-writer.ts), and each is
// still answered 200 only once its own status is stored: after the 200, Meta never sends it again.

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({}, { worker: false });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

it('answers each of concurrent status webhooks once its status is stored, in fewer statements', async () => {
  const phone = newPhone();
  const t = Math.floor(Date.now() / 1000);
  const wamids = Array.from({ length: 30 }, () => newWamid());
  const storedWhenAnswered = await Promise.all(
    wamids.map(async (id) => {
      const answer = await stack.postWebhook(
        statusWebhook([{ id, status: 'delivered', timestamp: t, recipient: phone }]),
      );
      const { rows } = await stack.db.query('select 1 from status_events where wa_message_id = $1', [id]);
      return { status: answer.status, stored: rows.length };
    }),
  );
  expect(storedWhenAnswered).toEqual(wamids.map(() => ({ status: 200, stored: 1 })));
  // received_at is the writing transaction's start: one value per statement that stored them.
  const { rows } = await stack.db.query<{ statements: number }>(
    'select count(distinct received_at)::int as statements from status_events where wa_message_id = any($1)',
    [wamids],
  );
  console.warn(`webhook status batch: ${wamids.length} status webhooks stored in ${rows[0]!.statements} statements`);
  expect(rows[0]!.statements).toBeLessThan(wamids.length);
});
