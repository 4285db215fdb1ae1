import fc from 'fast-check';
import { findContactBy, getContact } from '../../src/db/contacts';
import { listMessages } from '../../src/db/messages';
import { countQuarantined } from '../../src/db/quarantine';
import { parseWebhook } from '../../src/whatsapp/parse-webhook';
import { conversationQuery, conversationWorkflowId } from '../../workflows/messages';
import { expandDeep, fuzzRuns, json, loose, number, numericText, text } from '../helpers/fuzz-values';
import { newPhone, newWamid, webhookBody } from '../helpers/fixtures';
import { startTestStack, type TestStack } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

// Generated webhook bodies, signed correctly, posted to the real webhook of a whole product: valid
// shapes with values from every Unicode plane, U+0000, unpaired surrogates, huge strings, numbers
// out of range, fields of the wrong type and deep nesting, statuses and messages mixed, and some
// bodies that are not webhooks at all. Senders show a phone, a BSUID (with or without a parent), both
// or neither; some messages change the number or the BSUID or share a number on request; statuses name
// the recipient's BSUID and pricing; message echoes come beside them. While Temporal and Postgres are up
// the webhook never answers 5xx, and a webhook envelope is always answered 200; afterwards every
// conversation a body touched (found by its sender's BSUID, else phone) still answers an ordinary "hi". FUZZ_RUNS and FUZZ_SEED override the run; FUZZ_REPORT prints figures.

const RUNS = fuzzRuns('FUZZ_RUNS', 10_000);
const META_MAX_BYTES = 3 * 1024 * 1024;
// About 60 ms a body on two shared cores (bodies average 30 KB, some 200 KB), plus the final round.
const TIMEOUT_MS = Math.max(300_000, RUNS.numRuns * 80 + 120_000);

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
});

afterAll(async () => {
  await stack?.stop();
});

// Messages start workflows, the costly part: most come from a few numbers, the rest from whatever
// digits a generated `from` holds.
const PHONES = Array.from({ length: 6 }, () => newPhone());
const BSUIDS = Array.from({ length: 6 }, (_, i) => `US.FUZZ${process.pid}x${i}`);
const PARENTS = Array.from({ length: 2 }, (_, i) => `US.ENT.FUZZ${process.pid}x${i}`);
const TYPES = ['text', 'image', 'document', 'audio', 'video', 'sticker', 'interactive', 'button', 'location'];
const MORE_TYPES = ['reaction', 'edit', 'revoke', 'contacts', 'order', 'system', 'unsupported'];
const STATUSES = ['sent', 'delivered', 'read', 'failed', 'played'];

const nowSeconds = Math.floor(Date.now() / 1000);
const timestamp = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -60 * 86_400, max: 3600 }).map((d) => String(nowSeconds + d)) },
  { weight: 2, arbitrary: numericText },
  { weight: 1, arbitrary: number },
  { weight: 1, arbitrary: json },
);
const phone = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PHONES) }, { weight: 2, arbitrary: text });
const bsuid = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...BSUIDS) }, { weight: 2, arbitrary: text });
const parent = fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...PARENTS) }, { weight: 1, arbitrary: text });
/** Who a message is from: a phone, a BSUID (maybe with its parent), both, or (rarely) neither. */
const sender = fc.oneof(
  { weight: 3, arbitrary: fc.record({ from: loose(phone) }) },
  {
    weight: 3,
    arbitrary: fc.record(
      { from_user_id: loose(bsuid), from_parent_user_id: loose(parent) },
      { requiredKeys: ['from_user_id'] },
    ),
  },
  { weight: 3, arbitrary: fc.record({ from: loose(phone), from_user_id: loose(bsuid) }) },
  { weight: 1, arbitrary: fc.constant({}) },
);
const wamid = fc.oneof(
  { weight: 6, arbitrary: fc.nat({ max: 3000 }).map((n) => `wamid.FUZZ${n}`) },
  { weight: 1, arbitrary: text },
);
/** Replaced when posted by the wamid of a message the bot really sent, so statuses reach real rows. */
const sentWamid = fc.nat({ max: 1000 }).map((n) => `__OUT_${n}__`);

const errorItem = fc.record(
  {
    code: loose(number),
    title: loose(text),
    message: loose(text),
    error_data: loose(fc.record({ details: loose(text) })),
    href: loose(text),
  },
  { requiredKeys: [] },
);
const media = fc.record(
  {
    id: loose(fc.oneof(fc.nat().map(String), text)),
    caption: loose(text),
    mime_type: loose(text),
    sha256: loose(text),
    filename: loose(text),
  },
  { requiredKeys: [] },
);
const message = fc.oneof(
  {
    weight: 9,
    arbitrary: fc
      .tuple(
        sender,
        fc.record(
          {
            id: loose(wamid),
            timestamp,
            type: fc.oneof(
              { weight: 6, arbitrary: fc.constantFrom(...TYPES) },
              { weight: 2, arbitrary: fc.constantFrom(...MORE_TYPES) },
              { weight: 1, arbitrary: text },
            ),
            context: loose(fc.record({ id: loose(wamid), from: loose(text), forwarded: loose(fc.boolean()) })),
            text: loose(fc.record({ body: loose(text) })),
            image: loose(media),
            document: loose(media),
            audio: loose(media),
            video: loose(media),
            sticker: loose(media),
            interactive: loose(
              fc.record({
                type: fc.oneof(fc.constantFrom('button_reply', 'list_reply', 'nfm_reply'), text),
                button_reply: loose(fc.record({ id: loose(text), title: loose(text) })),
                list_reply: loose(fc.record({ id: loose(text), title: loose(text), description: loose(text) })),
              }),
            ),
            button: loose(fc.record({ payload: loose(text), text: loose(text) })),
            location: loose(
              fc.record({ latitude: loose(number), longitude: loose(numericText), name: loose(text), address: text }),
            ),
            reaction: loose(fc.record({ message_id: loose(wamid), emoji: loose(text) })),
            edit: loose(
              fc.record({
                original_message_id: loose(wamid),
                message: loose(
                  fc.record({
                    type: loose(fc.constantFrom('text', 'image', 'video', 'document')),
                    text: loose(fc.record({ body: loose(text) })),
                    image: loose(fc.record({ caption: loose(text) })),
                  }),
                ),
              }),
            ),
            revoke: loose(fc.record({ original_message_id: loose(wamid) })),
            system: loose(
              fc.record(
                {
                  type: fc.oneof(
                    { weight: 4, arbitrary: fc.constantFrom('user_changed_number', 'user_changed_user_id') },
                    { weight: 1, arbitrary: loose(text) },
                  ),
                  body: loose(text),
                  wa_id: loose(phone),
                  user_id: loose(bsuid),
                  parent_user_id: loose(parent),
                  previous_user_id: loose(bsuid),
                  previous_parent_user_id: loose(parent),
                },
                { requiredKeys: ['type'] },
              ),
            ),
            contacts: loose(
              fc.array(
                fc.record({
                  origin: loose(fc.constantFrom('contact_request', 'other')),
                  phones: loose(fc.array(fc.record({ wa_id: loose(phone), phone: loose(text) }), { maxLength: 2 })),
                }),
                { maxLength: 2 },
              ),
            ),
            unsupported: loose(fc.record({ type: loose(text) })),
            errors: loose(fc.array(errorItem, { maxLength: 2 })),
          },
          { requiredKeys: ['id', 'type'] },
        ),
      )
      .map(([from, m]) => ({ ...m, ...from })),
  },
  { weight: 1, arbitrary: json },
);
/** What the business sent from the WhatsApp Business app: addressed to a phone, a BSUID, both or neither. */
const echo = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record(
      {
        from: loose(fc.constant('15550001111')),
        to: loose(phone),
        to_user_id: loose(bsuid),
        to_parent_user_id: loose(parent),
        id: loose(wamid),
        timestamp,
        type: fc.oneof(
          { weight: 6, arbitrary: fc.constantFrom('text', 'image', 'revoke', 'edit') },
          { weight: 1, arbitrary: text },
        ),
        text: loose(fc.record({ body: loose(text) })),
        image: loose(media),
        revoke: loose(fc.record({ original_message_id: loose(wamid) })),
      },
      { requiredKeys: ['id', 'type'] },
    ),
  },
  { weight: 1, arbitrary: json },
);
const status = fc.oneof(
  {
    weight: 9,
    arbitrary: fc.record(
      {
        id: fc.oneof(
          { weight: 3, arbitrary: sentWamid },
          { weight: 3, arbitrary: wamid },
          { weight: 1, arbitrary: json },
        ),
        status: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...STATUSES) }, { weight: 1, arbitrary: json }),
        timestamp,
        recipient_id: loose(phone),
        recipient_user_id: loose(bsuid),
        recipient_parent_user_id: loose(parent),
        parent_recipient_user_id: loose(parent),
        parent_user_id: loose(parent),
        errors: loose(fc.array(errorItem, { maxLength: 2 })),
        pricing: fc.oneof(
          fc.record({
            billable: loose(fc.boolean()),
            pricing_model: loose(fc.constantFrom('PMP', 'CBP')),
            type: loose(fc.constantFrom('regular', 'free_customer_service', 'free_entry_point')),
            category: loose(fc.constantFrom('service', 'utility', 'authentication-international')),
          }),
          json,
        ),
      },
      { requiredKeys: ['id', 'status'] },
    ),
  },
  { weight: 1, arbitrary: json },
);
const contact = fc.record(
  {
    wa_id: loose(phone),
    user_id: loose(bsuid),
    parent_user_id: loose(parent),
    profile: loose(
      fc.record({ name: loose(text), username: loose(fc.oneof(fc.constantFrom('ana.s', '@bia_r'), text)) }),
    ),
  },
  { requiredKeys: [] },
);

const value = (
  messages: fc.Arbitrary<unknown>,
  statuses: fc.Arbitrary<unknown>,
  echoes: fc.Arbitrary<unknown> = fc.constant(undefined),
) =>
  fc.record(
    {
      messaging_product: loose(fc.constant('whatsapp')),
      metadata: loose(fc.record({ display_phone_number: loose(text), phone_number_id: loose(text) })),
      contacts: loose(fc.array(contact, { maxLength: 3 })),
      messages,
      statuses,
      message_echoes: echoes,
      errors: loose(fc.array(errorItem, { maxLength: 2 })),
    },
    { requiredKeys: ['messages', 'statuses'] },
  );

const change = (values: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 8, arbitrary: fc.record({ field: fc.constant('messages'), value: values }) },
    { weight: 1, arbitrary: fc.record({ field: fc.constant('smb_message_echoes'), value: values }) },
    { weight: 1, arbitrary: fc.record({ field: loose(text), value: json }) },
    { weight: 1, arbitrary: json },
  );

const envelope = (values: fc.Arbitrary<unknown>) =>
  fc.record({
    object: fc.constant('whatsapp_business_account'),
    entry: fc.array(
      fc.oneof(
        { weight: 9, arbitrary: fc.record({ id: loose(text), changes: fc.array(change(values), { maxLength: 2 }) }) },
        { weight: 1, arbitrary: json },
      ),
      { minLength: 1, maxLength: 2 },
    ),
  });

const none = fc.constant(undefined);
/** A webhook body: its kind, and the JSON the test signs and posts (or, once in a while, not JSON). */
const body = fc.oneof(
  {
    weight: 60,
    arbitrary: envelope(value(loose(none), loose(fc.array(status, { minLength: 1, maxLength: 6 })))).map(
      (b) => ({ kind: 'statuses', json: b }) as const,
    ),
  },
  {
    weight: 28,
    arbitrary: envelope(
      value(
        loose(fc.array(message, { minLength: 1, maxLength: 2 })),
        loose(fc.array(status, { maxLength: 3 })),
        // Echoes come with messages, as in Meta's coexistence traffic; each may make a contact.
        loose(fc.array(echo, { maxLength: 2 })),
      ),
    ).map((b) => ({ kind: 'messages', json: b }) as const),
  },
  {
    weight: 12,
    arbitrary: fc
      .oneof(
        json,
        fc.record({ object: json, entry: json }),
        fc.record({ object: fc.constant('whatsapp_business_account'), entry: json }),
        fc.record({ object: fc.constant('page'), entry: fc.array(json) }),
      )
      .map((b) => ({ kind: 'other', json: b }) as const),
  },
);

function bodyText(json: unknown, sent: readonly { waMessageId: string }[]): string {
  return expandDeep(JSON.stringify(json) ?? 'null').replace(/"__OUT_(\d+)__"/g, (_m, n: string) =>
    JSON.stringify(sent.length > 0 ? sent[Number(n) % sent.length]!.waMessageId : `wamid.NOTSENT${n}`),
  );
}

/** Waits until the contact's conversation has handled everything, then says "hi" from its current identifiers. */
async function answersHi(contactId: string): Promise<void> {
  const handle = stack.client.workflow.getHandle(conversationWorkflowId(contactId));
  const idle = async () => {
    const view = await handle.query(conversationQuery);
    return !view.busy && view.pending === 0;
  };
  await waitFor(idle, `conversation ${contactId} to handle what it was sent`, 120_000);
  const contact = (await getContact(stack.db, contactId))!;
  const addresses = new Set([contact.phone, contact.bsuid].filter((a): a is string => a !== null));
  const before = stack.fake.sends.filter((s) => addresses.has(s.to)).length;
  const id = newWamid();
  const hi = webhookBody([
    {
      value: {
        messaging_product: 'whatsapp',
        metadata: { display_phone_number: '15550001111', phone_number_id: '106000000000001' },
        messages: [
          {
            ...(contact.phone === null ? {} : { from: contact.phone }),
            ...(contact.bsuid === null ? {} : { from_user_id: contact.bsuid }),
            id,
            timestamp: String(Math.floor(Date.now() / 1000)),
            type: 'text',
            text: { body: 'hi' },
          },
        ],
      },
      field: 'messages',
    },
  ]);
  expect((await stack.postWebhook(hi)).status).toBe(200);
  await waitFor(
    async () => (await listMessages(stack.db, contactId)).some((m) => m.waMessageId === id) && (await idle()),
    `conversation ${contactId} to answer hi`,
    60_000,
  );
  const replies = stack.fake.sends.filter((s) => addresses.has(s.to)).length - before;
  const view = await handle.query(conversationQuery);
  if (view.state !== 'CHAT_SUPPORT_ACTIVE') expect(replies).toBeGreaterThan(0);
  expect((await handle.describe()).status.name).toBe('RUNNING');
}

describe('POST /api/webhook/whatsapp with generated bodies', () => {
  it(
    'never answers 5xx, answers every envelope 200, and leaves every touched conversation answering',
    async () => {
      const started = Date.now();
      const answers = new Map<number, number>();
      const kinds = { statuses: 0, messages: 0, other: 0 };
      /** Every sender of a signalled message, by the identifier that finds its contact (BSUID first). */
      const touched = new Set<string>();
      let messages = 0;
      let statuses = 0;
      let quarantined = 0;
      let bytes = 0;

      await fc.assert(
        fc.asyncProperty(body, async ({ kind, json }) => {
          const raw = Buffer.from(bodyText(json, stack.fake.sends), 'utf8');
          const answer = await stack.postWebhook(raw);
          kinds[kind]++;
          bytes += raw.length;
          answers.set(answer.status, (answers.get(answer.status) ?? 0) + 1);
          expect(answer.status).toBeLessThan(500);
          // Meta's payloads are 3 MB at most; past 4 MB the webhook answers 413.
          if (kind !== 'other' && raw.length <= META_MAX_BYTES) expect(answer.status).toBe(200);
          if (answer.status === 200) {
            const counts = answer.body as { messages?: number; statuses?: number; quarantined?: number };
            messages += counts.messages ?? 0;
            statuses += counts.statuses ?? 0;
            quarantined += counts.quarantined ?? 0;
            // The numbers the server signalled, read as the server reads them: a change for another
            // business number is quarantined (foreign_number), so its senders are never touched.
            const owner = {
              phoneNumberId: stack.config.whatsapp.phoneNumberId,
              businessAccountId: stack.config.templates.businessAccountId,
            };
            for (const m of parseWebhook(JSON.parse(raw.toString('utf8')), Date.now(), owner).messages)
              touched.add(
                JSON.stringify(m.sender.bsuid === undefined ? ['phone', m.sender.phone] : ['bsuid', m.sender.bsuid]),
              );
          }
        }),
        RUNS,
      );
      const posted = Date.now();

      // Every touched conversation has handled all it was sent, then answers an ordinary message.
      const contactIds = new Set<string>();
      for (const key of touched) {
        const [kind, value] = JSON.parse(key) as ['phone' | 'bsuid', string];
        const contactId = await findContactBy(stack.db, kind, value);
        expect(contactId).toBeDefined();
        contactIds.add(contactId!);
      }
      const phones = [...contactIds];
      await Promise.all(phones.map((contactId) => answersHi(contactId)));
      // The parser made every value storable: Postgres refused none.
      const kept = await countQuarantined(stack.db);
      expect(kept.get('store_refused')).toBe(0);

      if (process.env.FUZZ_REPORT) {
        process.stdout.write(
          `fuzz: ${RUNS.numRuns} bodies (${JSON.stringify(kinds)}), ${(bytes / 1e6).toFixed(1)} MB, answers ${JSON.stringify(
            Object.fromEntries(answers),
          )}; ${messages} messages signalled to ${phones.length} conversations, ${statuses} statuses stored, ` +
            `${quarantined} items quarantined (${[...kept].map(([reason, n]) => `${reason} ${n}`).join(', ')} kept); ` +
            `posting ${((posted - started) / 1000).toFixed(1)} s, final hi ${((Date.now() - posted) / 1000).toFixed(1)} s\n`,
        );
      }
    },
    TIMEOUT_MS,
  );
});
