import { explainWhatsAppRefusal } from '../../src/server/admin/whatsapp-refusal';
import { BSUID_RECIPIENT_NOT_SUPPORTED, isRetryableCode } from '../../src/whatsapp/errors';
import { checkOutboundLimits, fromGraphSendBody, GraphSendBody, toGraphSendBody } from '../../src/whatsapp/outbound';

// WhatsApp's request for the student's phone number as a Graph send body (reference:
// whatsapp-identity.md §3.7), both ways; and 131062, the refusal only a phone number avoids.

const request = {
  kind: 'contact_request' as const,
  body: 'Please share your phone number so we can finish your request.',
};

it('is the interactive request_contact_info body, to the BSUID as recipient, and reads back as itself', () => {
  const body = toGraphSendBody({ bsuid: 'US.13491208655302741918' }, request);
  expect(body).toEqual({
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    recipient: 'US.13491208655302741918',
    type: 'interactive',
    interactive: {
      type: 'request_contact_info',
      body: { text: request.body },
      action: { name: 'request_contact_info' },
    },
  });
  const parsed = GraphSendBody.parse(JSON.parse(JSON.stringify(body)));
  expect(fromGraphSendBody(parsed)).toEqual(request);
});

it('is refused by the schema with another action name', () => {
  const body = toGraphSendBody({ bsuid: 'US.13491208655302741918' }, request) as { interactive: { action: unknown } };
  body.interactive.action = { name: 'send_location' };
  expect(GraphSendBody.safeParse(body).success).toBe(false);
});

it('keeps its text within WhatsApp’s interactive body limit', () => {
  expect(checkOutboundLimits(request)).toEqual([]);
  expect(checkOutboundLimits({ kind: 'contact_request', body: 'x'.repeat(1025) })).toEqual([
    'body must be 1-1024 characters (got 1025)',
  ]);
  expect(checkOutboundLimits({ kind: 'contact_request', body: '' })).toHaveLength(1);
});

it('131062 is final, and the agent is told to ask for the phone number', () => {
  expect(BSUID_RECIPIENT_NOT_SUPPORTED).toBe(131062);
  expect(isRetryableCode(131062)).toBe(false);
  expect(isRetryableCode(130429)).toBe(true);
  expect(explainWhatsAppRefusal('WhatsApp refused the message', 131062)).toBe(
    "WhatsApp refused the message. This message needs the student's phone number: ask for it with Request contact info",
  );
  expect(explainWhatsAppRefusal('WhatsApp refused the message', 131026)).toBe('WhatsApp refused the message');
  expect(explainWhatsAppRefusal('WhatsApp refused the message', undefined)).toBe('WhatsApp refused the message');
});
