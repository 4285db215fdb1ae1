import { insertCampaign, newCampaignId } from '../../src/db/campaigns';
import { newContactId } from '../../src/db/contacts';
import type { Db } from '../../src/db/pool';
import { startCampaignWorkflow } from '../../src/temporal/campaigns';
import type { AdminClient } from './admin-client';
import { newPhone } from './fixtures';
import type { TestStack } from './stack';
import { waitFor } from './wait';

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

/** The largest number of `times` (epoch ms) inside any window of `windowMs`. */
export function busiestWindow(times: number[], windowMs = 1000): number {
  const sorted = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while (sorted[j]! - sorted[i]! >= windowMs) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
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
