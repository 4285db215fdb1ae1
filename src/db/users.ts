import type { Queryable } from './queryable';

// Registered students. The conversation workflow owns the profile; these rows are its durable copy.

export interface StudentProfile {
  fullName: string;
  email: string;
  className: string;
}

/** Registration and profile updates: one upsert, so a retried activity writes the same row. */
export async function saveProfile(db: Queryable, contactId: string, profile: StudentProfile): Promise<void> {
  await db.query(
    `insert into users (contact_id, full_name, email, class_name, registered_at)
     values ($1, $2, $3, $4, now())
     on conflict (contact_id) do update set full_name = excluded.full_name, email = excluded.email,
       class_name = excluded.class_name, registered_at = coalesce(users.registered_at, excluded.registered_at),
       updated_at = now()`,
    [contactId, profile.fullName, profile.email, profile.className],
  );
}

export async function setSubscription(db: Queryable, contactId: string, activeUntil: number): Promise<void> {
  await db.query(
    `update users set subscription_active_until = to_timestamp($2 / 1000.0), updated_at = now() where contact_id = $1`,
    [contactId, activeUntil],
  );
}

export interface StudentRow extends StudentProfile {
  contactId: string;
  registeredAt: Date | null;
  subscriptionActiveUntil: Date | null;
}

export async function getStudent(db: Queryable, contactId: string): Promise<StudentRow | undefined> {
  const { rows } = await db.query<{
    contact_id: string;
    full_name: string | null;
    email: string | null;
    class_name: string | null;
    registered_at: Date | null;
    subscription_active_until: Date | null;
  }>(
    'select contact_id, full_name, email, class_name, registered_at, subscription_active_until from users where contact_id = $1',
    [contactId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    contactId: row.contact_id,
    fullName: row.full_name ?? '',
    email: row.email ?? '',
    className: row.class_name ?? '',
    registeredAt: row.registered_at,
    subscriptionActiveUntil: row.subscription_active_until,
  };
}
