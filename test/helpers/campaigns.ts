import { insertCampaign, newCampaignId } from '../../src/db/campaigns';
import { newContactId } from '../../src/db/contacts';
import type { Db } from '../../src/db/pool';
import type { GraphFake } from '../../tools/sandbox/graph-fake';
import { statusWebhookBody } from '../../tools/sandbox/graph-fake-status';
import { startCampaignWorkflow } from '../../src/temporal/campaigns';
import type { AdminClient } from './admin-client';
import { newPhone } from './fixtures';
import type { TestStack } from './stack';
import { sleep, waitFor } from './wait';

// Students for campaign tests, stored as the conversation's activities store them (a contact, its phone
// identity, a registered conversation and a profile), so a test can have sixty of them at once.

export interface SeededStudent {
  contactId: string;
  phone: string;
  fullName: string | null;
}

export async function seedStudents(
  db: Db,
  count: number,
  profile: { className?: string; fullName?: string | null; registered?: boolean; optedOut?: boolean } = {},
): Promise<SeededStudent[]> {
  const students: SeededStudent[] = [];
  for (let i = 0; i < count; i++) {
    const fullName = profile.fullName === undefined ? `Student${students.length + 1} Tester` : profile.fullName;
    students.push({ contactId: newContactId(), phone: newPhone(), fullName });
  }
  const ids = students.map((s) => s.contactId);
  await db.query('insert into contacts (id, phone) select * from unnest($1::text[], $2::text[])', [
    ids,
    students.map((s) => s.phone),
  ]);
  await db.query(
    `insert into contact_identities (kind, value, contact_id) select 'phone', p, c from unnest($1::text[], $2::text[]) as t(c, p)`,
    [ids, students.map((s) => s.phone)],
  );
  await db.query(
    `insert into conversations (contact_id, state, registered, last_inbound_at, campaign_opted_out_at)
     select c, 'IDLE', $2, now() - interval '2 days', case when $3 then now() end from unnest($1::text[]) as t(c)`,
    [ids, profile.registered ?? true, profile.optedOut ?? false],
  );
  await db.query(
    `insert into users (contact_id, full_name, email, class_name, registered_at)
     select c, n, 'student@example.com', $3, now() from unnest($1::text[], $2::text[]) as t(c, n)`,
    [ids, students.map((s) => s.fullName), profile.className ?? 'Grade 9'],
  );
  return students;
}

/** Waits until the campaign's stored status is `status`; returns the campaign as GET answers it. */
export async function campaignReaches(
  admin: AdminClient,
  id: string,
  status: string,
  timeoutMs = 60_000,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the JSON body freely and assert its shape
): Promise<any> {
  return waitFor(
    async () => {
      const { body } = await admin.request('GET', `/api/admin/campaigns/${id}`);
      return (body as { status?: string }).status === status ? (body as unknown) : undefined;
    },
    `campaign ${id} ${status}`,
    timeoutMs,
  );
}

/**
 * Stores a homework_reminder campaign to a class and starts its workflow with settings the admin API
 * does not offer (a short day, a small share per run, another WHATSAPP_MPS), as the route does.
 */
export async function startClassCampaign(
  stack: TestStack,
  className: string,
  settings: { ratePerSecond: number; mps: number; dailyCap?: number; dayMs?: number; recipientsPerRun?: number },
): Promise<string> {
  const id = newCampaignId();
  await insertCampaign(
    stack.db,
    {
      id,
      name: `class ${className}`,
      template: {
        name: 'homework_reminder',
        language: 'en',
        category: 'UTILITY',
        parameters: { '1': '{first_name}', '2': 'Maths' },
      },
      audience: { class: className },
      ignoreOptOut: false,
      ratePerSecond: settings.ratePerSecond,
      dailyCap: settings.dailyCap ?? null,
      startAt: new Date(),
      createdBy: 'test',
    },
    { snapshot: true },
  );
  const { ratePerSecond: _rate, ...workflowSettings } = settings;
  await startCampaignWorkflow(stack.client, stack.config.taskQueue, {
    campaignId: id,
    startAt: Date.now(),
    ...workflowSettings,
  });
  return id;
}

/** A post the server never answered (the connection refused or reset) counts as unreachable; anything else is thrown. */
function unanswered(err: unknown): 'unreachable' {
  if (err instanceof TypeError && err.message === 'fetch failed') return 'unreachable';
  throw err;
}

/** How many statuses are posted at once: Meta posts webhooks side by side, and one at a time falls behind 40 sends a second. */
const STATUS_POSTS_AT_ONCE = 8;

/**
 * Plays Meta's status webhooks: a `sent` status, echoing the send's biz_opaque_callback_data, for every
 * send the fake accepts, within a second of it, signed and posted to the product's webhook by `post`.
 * A post the server did not answer, or answered 5xx (it was down or restarting), is posted again until
 * it answers 200, as Meta retries a webhook; any other answer is a failure of the test.
 */
export function feedStatuses(
  fake: GraphFake,
  post: (body: string) => Promise<number | 'unreachable'>,
): { readonly fed: number; stop(): Promise<void> } {
  let fed = 0;
  let stopped = false;
  const postUntilTaken = async (body: string): Promise<void> => {
    for (;;) {
      const status = await post(body).catch(unanswered);
      if (status === 200) return;
      if (status !== 'unreachable' && status < 500) throw new Error(`status webhook answered ${status}`);
      await sleep(500);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      while (fed < fake.sends.length) {
        const batch = fake.sends.slice(fed, fed + STATUS_POSTS_AT_ONCE);
        await Promise.all(
          batch.map((send) => {
            const callbackData = (send.body as { biz_opaque_callback_data?: string }).biz_opaque_callback_data;
            const body = statusWebhookBody({
              phoneNumberId: send.phoneNumberId,
              waMessageId: send.waMessageId,
              recipientId: send.to,
              status: 'sent',
              at: Date.now(),
              ...(callbackData === undefined ? {} : { callbackData }),
            });
            return postUntilTaken(JSON.stringify(body));
          }),
        );
        fed += batch.length;
      }
      await sleep(200);
    }
  })();
  return {
    get fed() {
      return fed;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * Runs `kill` inside a send's gap: WhatsApp (the fake) accepts the next sends and answers them 2 s
 * late, and the kill lands at a random moment while at least one accepted send waits for its answer,
 * so its sender dies knowing nothing of the wamid.
 */
export async function killInSendGap(fake: GraphFake, kill: () => Promise<void>): Promise<void> {
  fake.setAnswerDelay(2_000);
  try {
    const accepted = fake.sends.length;
    await fake.waitFor(() => fake.sends.length > accepted, 30_000, 'a send accepted, unanswered');
    await sleep(Math.random() * 1000);
    await kill();
  } finally {
    fake.setAnswerDelay(0);
  }
}

/**
 * What a crash test's kills did to a campaign: recipients claimed more than once (a kill's lease ran
 * out, a slot was given back, a 130429 put one back), and wamids stored by a status echoing the send's
 * key rather than by the send's own answer (a kill landed in that send's gap).
 */
export async function crashFigures(db: Db, campaignId: string): Promise<{ claimedAgain: number; rescued: number }> {
  const claimed = await db.query<{ n: string }>(
    `select count(*) as n from campaign_recipients where campaign_id = $1 and attempts > 1`,
    [campaignId],
  );
  const rescued = await db.query<{ n: string }>(
    `select count(*) as n from messages m where m.idempotency_key like $1 and not exists
       (select 1 from events e where e.kind = 'message' and e.payload->>'waMessageId' = m.wa_message_id)`,
    [`campaign:${campaignId}:%`],
  );
  return { claimedAgain: Number(claimed.rows[0]!.n), rescued: Number(rescued.rows[0]!.n) };
}
