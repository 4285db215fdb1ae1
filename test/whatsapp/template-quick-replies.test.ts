import { createFakeTemplates } from '../../tools/sandbox/graph-fake-templates';
import { fromGraphSendBody, GraphSendBody, toGraphSendBody } from '../../src/whatsapp/outbound';
import type { TemplateContent } from '../../domain/types';

// A template's quick-reply payloads (the chat-rating question past the 24-hour window): sent as
// button components by position, read back from a send body, and refused by the Graph fake as by
// WhatsApp when the template has fewer quick replies than payloads.

const rating: TemplateContent = {
  kind: 'template',
  name: 'chat_rating',
  language: 'en',
  parameters: [],
  rendered: 'How was your chat?',
  quickReplies: ['csat_1', 'csat_2', 'csat_3', 'csat_4', 'csat_5'],
};

describe('template quick replies', () => {
  it('go as one button component each, by index, with the payload WhatsApp hands back', () => {
    const body = toGraphSendBody({ phone: '15550002222' }, rating);
    expect(body).toMatchObject({ type: 'template', template: { name: 'chat_rating', language: { code: 'en' } } });
    const components = body.type === 'template' ? body.template.components : undefined;
    expect(components).toEqual(
      rating.quickReplies!.map((payload, i) => ({
        type: 'button',
        sub_type: 'quick_reply',
        index: String(i),
        parameters: [{ type: 'payload', payload }],
      })),
    );
    expect(GraphSendBody.safeParse(body).success).toBe(true);
    // Read back (as the Graph fake records a send): the payloads, and no parameters made of them.
    expect(fromGraphSendBody(body)).toEqual({ ...rating, rendered: '' });
  });

  it('leave a template without them as it was: body parameters only', () => {
    const { quickReplies: _none, ...plain } = rating;
    const body = toGraphSendBody(
      { phone: '15550002222' },
      { ...plain, parameters: [{ component: 'body', text: 'Ada' }] },
    );
    expect(body.type === 'template' && body.template.components).toEqual([
      { type: 'body', parameters: [{ type: 'text', text: 'Ada' }] },
    ]);
    expect(fromGraphSendBody(body)).not.toHaveProperty('quickReplies');
  });

  it('are checked by the Graph fake against the quick replies the template has', () => {
    const templates = createFakeTemplates();
    const sent = templates.checkSend(rating);
    expect(sent).toMatchObject({ ok: true, content: { rendered: expect.stringMatching(/^⭐ How was your chat/) } });
    const followUp: TemplateContent = {
      kind: 'template',
      name: 'support_follow_up',
      language: 'en',
      parameters: [{ component: 'body', name: 'first_name', text: 'Ada' }],
      rendered: '',
      quickReplies: ['a', 'b'],
    };
    expect(templates.checkSend(followUp)).toMatchObject({ ok: false, code: 132000 });
    expect(templates.checkSend({ ...followUp, quickReplies: ['talk'] })).toMatchObject({ ok: true });
  });
});
