import type { OutboundContent } from '../../domain/types';
import { BSUID_RECIPIENT_NOT_SUPPORTED } from '../../src/whatsapp/errors';
import { checkOutboundLimits, fromGraphSendBody, GraphSendBody } from '../../src/whatsapp/outbound';
import type { GraphTemplate } from '../../src/whatsapp/template-schema';
import { graphError } from './graph-fake-http';
import type { FakeState } from './graph-fake-state';
import { THROUGHPUT_LIMIT_CODE } from './graph-fake-throughput';
import type { RecordedMedia } from './graph-fake-types';

// What WhatsApp checks of a send body before accepting it, in its order: the body's shape, the
// content's limits, the media it names, the template it names, the recipient a template may go to,
// and the number's throughput. The first refusal is the answer.

/** A send the checks refused: the HTTP status, the Graph code (which the attempt log keeps) and the body. */
export interface SendRefusal {
  ok: false;
  status: number;
  code: number;
  body: unknown;
}

/** A send the checks passed: its body, its content as WhatsApp renders it, and the uploaded file it names. */
export interface CheckedSend {
  ok: true;
  data: GraphSendBody;
  content: OutboundContent;
  media?: RecordedMedia;
}

export function checkSend(state: FakeState, json: unknown): SendRefusal | CheckedSend {
  const parsed = GraphSendBody.safeParse(json);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    return refuse(400, 100, 'Invalid parameter', details);
  }
  const content = fromGraphSendBody(parsed.data);
  const problems = checkOutboundLimits(content);
  if (problems.length > 0) return refuse(400, 100, 'Invalid parameter', problems.join('; '));
  const mediaSend = state.uploads.checkSend(parsed.data);
  if (mediaSend !== undefined && 'error' in mediaSend) {
    const { code, title, details } = mediaSend.error;
    return refuse(400, code, title, details);
  }
  // A template is checked against the catalogue as WhatsApp does, and recorded with its rendered text.
  const checked = state.templates.checkSend(content);
  if (!checked.ok) return { ok: false, status: 400, code: checked.code, body: checked.body };
  // Authentication templates go to phone numbers only: to a BSUID WhatsApp refuses them with 131062.
  if (parsed.data.to === undefined && needsPhone(content, state.templates.all)) {
    return refuse(
      400,
      BSUID_RECIPIENT_NOT_SUPPORTED,
      'Recipient not supported',
      'Business-scoped User ID (BSUID) recipients are not supported for this message.',
    );
  }
  // Past the number's throughput, WhatsApp refuses the send until the last second holds fewer.
  if (state.throughput.exceeded(Date.now()))
    return refuse(429, THROUGHPUT_LIMIT_CODE, 'Rate limit hit', 'Cloud API message throughput has been reached.');
  return {
    ok: true,
    data: parsed.data,
    content: checked.content,
    ...(mediaSend === undefined ? {} : { media: mediaSend.media }),
  };
}

function refuse(status: number, code: number, title: string, details: string): SendRefusal {
  return { ok: false, status, code, body: graphError(code, title, details) };
}

/** Whether WhatsApp sends this only to a phone number: an authentication template (reference §3.3). */
function needsPhone(content: OutboundContent, catalogue: readonly GraphTemplate[]): boolean {
  if (content.kind !== 'template') return false;
  const template = catalogue.find((t) => t.name === content.name && t.language === content.language);
  return template?.category.toUpperCase() === 'AUTHENTICATION';
}
