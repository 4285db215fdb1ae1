import { getTemplate } from '../../src/db/templates';
import { AdminClient } from '../helpers/admin-client';
import { newPhone, newWamid } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { loadTemplates, TEST_BUSINESS_ACCOUNT_ID } from '../helpers/templates';
import { waitFor } from '../helpers/wait';

// A Meta app may serve several business numbers and accounts and signs all their webhooks with the
// same app secret. Through the real webhook (real Postgres and Temporal): a message to another
// phone_number_id reaches no conversation and is quarantined as foreign_number (listed, counted in
// /metrics); a template status update of another WABA leaves our catalogue as it was.

const OUR_NUMBER = '106000000000001';
const OTHER_NUMBER = '106000000000777';
const WABA = TEST_BUSINESS_ACCOUNT_ID;

let stack: TestStack;
let admin: AdminClient;

beforeAll(async () => {
  stack = await startTestStack({ WHATSAPP_BUSINESS_ACCOUNT_ID: WABA });
  admin = new AdminClient(stack, stack.config.adminToken);
  await loadTemplates(stack);
});
afterAll(async () => {
  await stack?.stop();
});

function textTo(phoneNumberId: string, from: string, id: string): string {
  const value = {
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550009999', phone_number_id: phoneNumberId },
    contacts: [{ profile: { name: 'Ana' }, wa_id: from }],
    messages: [{ from, id, timestamp: String(Math.floor(Date.now() / 1000)), type: 'text', text: { body: 'Hi' } }],
  };
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: WABA, changes: [{ field: 'messages', value }] }],
  });
}

function templateDisabled(entryId: string): string {
  const value = {
    event: 'DISABLED',
    message_template_id: 710000000000001,
    message_template_name: 'support_follow_up',
    message_template_language: 'en',
    reason: 'NONE',
  };
  return JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [
      {
        id: entryId,
        time: Math.floor(Date.now() / 1000),
        changes: [{ field: 'message_template_status_update', value }],
      },
    ],
  });
}

const contactsOf = async (phone: string) =>
  Number(
    (
      await stack.db.query<{ n: string }>(
        `select count(*) as n from contact_identities where kind = 'phone' and value = $1`,
        [phone],
      )
    ).rows[0]!.n,
  );

describe('a webhook for another phone_number_id', () => {
  it('is acknowledged, reaches no conversation, and is quarantined as foreign_number', async () => {
    const phone = newPhone();
    const answer = await stack.postWebhook(textTo(OTHER_NUMBER, phone, newWamid()));
    expect(answer).toEqual({ status: 200, body: { status: 'success', messages: 0, statuses: 0, quarantined: 1 } });
    expect(await contactsOf(phone)).toBe(0);

    const listed = await admin.request('GET', '/api/admin/quarantine?reason=foreign_number');
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
    expect(listed.body.items[0]).toMatchObject({ source: 'webhook_message', reason: 'foreign_number' });
    expect(JSON.parse(listed.body.items[0].raw)).toMatchObject({ phone_number_id: OTHER_NUMBER });

    // The stored figures are read at most every 5 s.
    await waitFor(async () => {
      const text = await (await fetch(`${stack.baseUrl}/metrics`)).text();
      return /^edubot_quarantined_total\{reason="foreign_number"\} 1$/m.test(text);
    }, 'edubot_quarantined_total{reason="foreign_number"} 1');

    // Our own number's message from the same student goes to the conversation as usual.
    const ours = await stack.postWebhook(textTo(OUR_NUMBER, phone, newWamid()));
    expect(ours.body).toMatchObject({ messages: 1, quarantined: 0 });
    expect(await contactsOf(phone)).toBe(1);
    await stack.fake.waitFor(() => stack.fake.sendsTo(phone).length > 0, 20_000);
  });
});

describe('a template status update', () => {
  it('of another business account changes nothing; of ours, the template', async () => {
    expect(await getTemplate(stack.db, 'support_follow_up', 'en')).toMatchObject({ status: 'APPROVED' });
    expect((await stack.postWebhook(templateDisabled('102000000000555'))).status).toBe(200);
    expect(await getTemplate(stack.db, 'support_follow_up', 'en')).toMatchObject({ status: 'APPROVED' });
    expect((await stack.postWebhook(templateDisabled(WABA))).status).toBe(200);
    expect(await getTemplate(stack.db, 'support_follow_up', 'en')).toMatchObject({ status: 'DISABLED' });
  });
});
