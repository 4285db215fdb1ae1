import pg from 'pg';
import { newContactId } from '../../src/db/contacts';

// The campaign phase's class: registered students stored as the conversation's activities store them
// (a contact, its phone identity, a registered conversation, a profile with a class), written in one
// statement per table, so 10,000 take a second or two. Their numbers start with CAMPAIGN_PHONE_PREFIX,
// which no phase's simulated users use (those start with 19), so the load generator can tell a campaign
// send from a reply.

export const CAMPAIGN_PHONE_PREFIX = '1800';
export const CAMPAIGN_CLASS = 'Bench Class';

export function campaignPhone(index: number): string {
  return `${CAMPAIGN_PHONE_PREFIX}${String(index).padStart(13 - CAMPAIGN_PHONE_PREFIX.length, '0')}`;
}

/** Stores `count` registered students of CAMPAIGN_CLASS; answers how many the class holds now. */
export async function seedCampaignClass(databaseUrl: string, count: number): Promise<number> {
  const ids = Array.from({ length: count }, () => newContactId());
  const phones = ids.map((_, i) => campaignPhone(i));
  const names = ids.map((_, i) => `Student${i + 1} Bench`);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('insert into contacts (id, phone) select * from unnest($1::text[], $2::text[])', [ids, phones]);
    await client.query(
      `insert into contact_identities (kind, value, contact_id)
       select 'phone', p, c from unnest($1::text[], $2::text[]) as t(c, p)`,
      [ids, phones],
    );
    await client.query(
      `insert into conversations (contact_id, state, registered, last_inbound_at)
       select c, 'REGISTERED', true, now() - interval '2 days' from unnest($1::text[]) as t(c)`,
      [ids],
    );
    await client.query(
      `insert into users (contact_id, full_name, email, class_name, registered_at)
       select c, n, 'student@example.com', $3, now() from unnest($1::text[], $2::text[]) as t(c, n)`,
      [ids, names, CAMPAIGN_CLASS],
    );
    await client.query('commit');
    const { rows } = await client.query<{ n: string }>('select count(*) as n from users where class_name = $1', [
      CAMPAIGN_CLASS,
    ]);
    return Number(rows[0]!.n);
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}
