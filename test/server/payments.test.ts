import { signPaystackBody } from '../../src/server/routes/payments';
import { startAdminApp, type AdminApp } from './admin/admin-app';

// POST /api/payments/webhook with signed events the product cannot read: quarantined and answered
// 200, so the provider stops sending them; never a 5xx, and nothing secret of the event kept.

let app: AdminApp;

beforeAll(async () => {
  app = await startAdminApp();
  const contactId = await app.contact('15550006001');
  await app.db.query(
    `insert into payments (reference, contact_id, plan_name, amount, status) values ('PAY-OK', $1, 'Monthly', 5000, 'pending')`,
    [contactId],
  );
});

afterAll(async () => {
  await app?.stop();
});

async function postPayment(body: string): Promise<number> {
  const response = await fetch(`${app.baseUrl}/api/payments/webhook`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-paystack-signature': signPaystackBody(body, app.config.payment.webhookSecret),
    },
    body,
  });
  return response.status;
}

const charge = (data: Record<string, unknown>) =>
  JSON.stringify({
    event: 'charge.success',
    data: {
      status: 'success',
      customer: { email: 'payer@example.com' },
      authorization: { authorization_code: 'AUTH_secret123' },
      ...data,
    },
  });

const quarantined = async () =>
  (
    await app.db.query<{ source: string; reason: string; raw: string }>(
      'select source, reason, raw from quarantine order by id',
    )
  ).rows;

describe('POST /api/payments/webhook with what no provider should send', () => {
  it('quarantines a charge whose reference cannot be one of ours, keeping no secret of it', async () => {
    const before = (await quarantined()).length;
    expect(await postPayment(charge({ reference: 'PAY-\0', amount: 5000 }))).toBe(200);
    expect(await postPayment(charge({ reference: 'PAY-\ud800', amount: 5000 }))).toBe(200);
    expect(await postPayment(charge({ reference: 42, amount: 5000 }))).toBe(200);
    expect(await postPayment(charge({ amount: 5000 }))).toBe(200);
    const rows = (await quarantined()).slice(before);
    expect(rows.map((r) => [r.source, r.reason])).toEqual([
      ['payment', 'invalid_reference'],
      ['payment', 'invalid_reference'],
      ['payment', 'invalid_reference'],
      ['payment', 'invalid_reference'],
    ]);
    expect(JSON.parse(rows[0]!.raw)).toEqual({
      event: 'charge.success',
      data: { reference: 'PAY-\0', status: 'success', amount: 5000 },
    });
    for (const row of rows) {
      expect(row.raw).not.toContain('AUTH_secret123');
      expect(row.raw).not.toContain('payer@example.com');
    }
  });

  it('quarantines a charge whose amount is not an amount, and confirms nothing', async () => {
    const before = (await quarantined()).length;
    for (const amount of ['5000', -1, true, { kobo: 5000 }]) {
      expect(await postPayment(charge({ reference: 'PAY-OK', amount }))).toBe(200);
    }
    // JSON.parse reads 1e400 as Infinity.
    expect(await postPayment(charge({ reference: 'PAY-OK' }).replace('"status"', '"amount":1e400,"status"'))).toBe(200);
    const rows = (await quarantined()).slice(before);
    expect(rows.map((r) => r.reason)).toEqual(Array(5).fill('invalid_amount'));
    const payment = await app.db.query("select status from payments where reference = 'PAY-OK'");
    expect(payment.rows).toEqual([{ status: 'pending' }]);
  });

  it('quarantines nothing for events it does not handle or references it does not know', async () => {
    const before = (await quarantined()).length;
    const other = JSON.stringify({ event: 'transfer.success', data: { reference: '\0', amount: 'x' } });
    expect(await postPayment(other)).toBe(200);
    expect(await postPayment(charge({ reference: 'PAY-UNKNOWN', amount: 5000 }))).toBe(200);
    expect(await postPayment('{"event": "charge.success", ')).toBe(400);
    expect(await quarantined()).toHaveLength(before);
  });
});
