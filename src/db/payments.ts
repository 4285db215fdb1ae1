import type { Queryable } from './queryable';

export type PaymentStatus = 'pending' | 'confirmed' | 'expired';

export async function createPayment(
  db: Queryable,
  input: { contactId: string; reference: string; planName: string; amount: number },
): Promise<void> {
  await db.query(
    `insert into payments (reference, contact_id, plan_name, amount, status) values ($1, $2, $3, $4, 'pending')
     on conflict (reference) do nothing`,
    [input.reference, input.contactId, input.planName, input.amount],
  );
}

/** Confirms a payment once; a payment that had expired is still honoured (the money arrived). */
export async function confirmPayment(db: Queryable, reference: string, activeUntil: number): Promise<void> {
  await db.query(
    `update payments set status = 'confirmed', confirmed_at = coalesce(confirmed_at, now()),
            active_until = to_timestamp($2 / 1000.0)
     where reference = $1 and status <> 'confirmed'`,
    [reference, activeUntil],
  );
}

export async function expirePayment(db: Queryable, reference: string): Promise<void> {
  await db.query(
    `update payments set status = 'expired', expired_at = now() where reference = $1 and status = 'pending'`,
    [reference],
  );
}

export interface PaymentRow {
  reference: string;
  contactId: string;
  planName: string;
  amount: number;
  status: PaymentStatus;
  activeUntil: Date | null;
}

export async function findPayment(db: Queryable, reference: string): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<{
    reference: string;
    contact_id: string;
    plan_name: string;
    amount: number;
    status: PaymentStatus;
    active_until: Date | null;
  }>('select reference, contact_id, plan_name, amount, status, active_until from payments where reference = $1', [
    reference,
  ]);
  const row = rows[0];
  return row
    ? {
        reference: row.reference,
        contactId: row.contact_id,
        planName: row.plan_name,
        amount: row.amount,
        status: row.status,
        activeUntil: row.active_until,
      }
    : undefined;
}
