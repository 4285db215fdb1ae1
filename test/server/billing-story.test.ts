import { AdminClient } from '../helpers/admin-client';
import { TestUser } from '../helpers/conversation';
import { newPhone, webhookBody } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// What WhatsApp bills, through the real stack: the bot answers a student, WhatsApp's status webhooks
// report each reply's `pricing` (some billed, some free, one redelivered), and the conversation's
// billing and the overview report count exactly what those statuses said, priced by the rate card.

const RATE_CARD = { currency: 'USD', utility: 0.004, marketing: 0.025, authentication_international: 0.0307 };

let stack: TestStack;
let admin: AdminClient;

beforeAll(async () => {
  stack = await startTestStack({ WHATSAPP_RATE_CARD: JSON.stringify(RATE_CARD) });
  admin = new AdminClient(stack, stack.config.adminToken);
});

afterAll(async () => {
  await stack?.stop();
});

interface Pricing {
  billable: boolean;
  pricing_model: string;
  category: string;
  type?: string;
}

/** A `statuses` webhook for one outbound message, with its pricing when given. */
function statusBody(waMessageId: string, recipient: string, status: string, pricing?: Pricing): string {
  return webhookBody([
    {
      field: 'messages',
      value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550001111', phone_number_id: stack.config.whatsapp.phoneNumberId },
        statuses: [
          {
            id: waMessageId,
            status,
            timestamp: String(Math.floor(Date.now() / 1000)),
            recipient_id: recipient,
            ...(pricing ? { pricing } : {}),
          },
        ],
      },
    },
  ]);
}

it('counts and prices the billable messages the status webhooks reported', async () => {
  const from = new Date(Date.now() - 60_000);
  const ada = new TestUser(stack, newPhone(), 'Ada');
  const sends = [...(await ada.say('Hi')), ...(await ada.tap('faq')), ...(await ada.tap('help'))];
  expect(sends.length).toBeGreaterThanOrEqual(3);
  const contactId = await ada.contact();
  // Statuses find their message by wamid once the send activity has stored it.
  await waitFor(async () => {
    const { rows } = await stack.db.query<{ n: string }>(
      `select count(*) as n from messages where contact_id = $1 and wa_message_id = any($2)`,
      [contactId, sends.map((s) => s.waMessageId)],
    );
    return Number(rows[0]!.n) === sends.length;
  }, 'the replies stored with their wamids');

  const regular = (category: string): Pricing => ({ billable: true, pricing_model: 'PMP', category, type: 'regular' });
  const reports: { status: string; pricing?: Pricing }[][] = [
    // Pricing on `sent`, then a `delivered` without it: one billable utility message.
    [{ status: 'sent', pricing: regular('utility') }, { status: 'delivered' }],
    // In the service window: priced but free.
    [
      {
        status: 'sent',
        pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' },
      },
    ],
    // Meta's hyphen, redelivered: still one message.
    [
      { status: 'sent', pricing: regular('authentication-international') },
      { status: 'sent', pricing: regular('authentication-international') },
    ],
  ];
  for (const [i, statuses] of reports.entries()) {
    for (const report of statuses) {
      const answer = await stack.postWebhook(
        statusBody(sends[i]!.waMessageId, ada.phone, report.status, report.pricing),
      );
      expect(answer.status).toBe(200);
    }
  }
  const expected = {
    byCategory: { utility: 1, authentication_international: 1 },
    byPricingType: { regular: 2, free_customer_service: 1 },
  };
  const amount = RATE_CARD.utility + RATE_CARD.authentication_international;

  const conversation = await admin.request('GET', `/api/admin/conversations/${ada.phone}`);
  expect(conversation.status).toBe(200);
  const billing = conversation.body.conversation.billing;
  expect({ byCategory: billing.byCategory, byPricingType: billing.byPricingType }).toEqual(expected);
  expect(billing.estimatedCost.currency).toBe('USD');
  expect(billing.estimatedCost.amount).toBeCloseTo(amount, 6);

  const to = new Date(Date.now() + 60_000);
  const overview = await admin.request(
    'GET',
    `/api/admin/reports/overview?from=${from.toISOString()}&to=${to.toISOString()}`,
  );
  expect(overview.status).toBe(200);
  expect(overview.body.billable).toEqual(expected.byCategory);
  expect(overview.body.pricingTypes).toEqual(expected.byPricingType);
  expect(overview.body.messages.bot).toBe(sends.length);
  expect(overview.body.cost).toMatchObject({ currency: 'USD', unpricedMessages: 0 });
  expect(overview.body.cost.total).toBeCloseTo(amount, 6);
  const today = overview.body.byDay.find((d: { billable: Record<string, number> }) => d.billable.utility === 1);
  expect(today.cost.total).toBeCloseTo(amount, 6);
});
