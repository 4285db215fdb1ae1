import {
  isSendable,
  renderTemplate,
  statusAfterEvent,
  templateParameters,
  templateParts,
  valuesFromSend,
} from '../../src/templates/template';
import type { MessageTemplate } from '../../domain/message-template';

// The template model: which values a template asks for, how an agent's values are checked, and the
// text the history shows once they are filled in.

const base = { id: '1', status: 'APPROVED', category: 'UTILITY', language: 'en' } as const;

const named: MessageTemplate = {
  ...base,
  name: 'support_follow_up',
  parameterFormat: 'NAMED',
  components: [
    {
      type: 'BODY',
      text: 'Hi {{first_name}}, about your {{subject}} question: {{first_name}}, reply here.',
      example: {
        body_text_named_params: [
          { param_name: 'first_name', example: 'Ada' },
          { param_name: 'subject', example: 'maths' },
        ],
      },
    },
    { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Talk to support' }, { type: 'URL' }] },
  ],
};

const positional: MessageTemplate = {
  ...base,
  name: 'homework_reminder',
  parameterFormat: 'POSITIONAL',
  components: [
    { type: 'HEADER', format: 'TEXT', text: 'Due {{1}}', example: { header_text: ['Friday'] } },
    // Out of order in the text: WhatsApp fills by number, not by place.
    {
      type: 'BODY',
      text: 'Your {{2}} homework, {{1}}, is due. {{not a parameter}} {{x}}',
      example: { body_text: [['Ada', 'Physics']] },
    },
    { type: 'FOOTER', text: 'EduBot' },
  ],
};

const plain: MessageTemplate = {
  ...base,
  name: 'hello',
  parameterFormat: 'POSITIONAL',
  components: [
    { type: 'HEADER', format: 'IMAGE' },
    { type: 'BODY', text: 'Hello from EduBot!' },
  ],
};

describe('templateParameters', () => {
  it('lists named body parameters once each, in order of first appearance, with their examples', () => {
    expect(templateParameters(named)).toEqual([
      { key: 'first_name', component: 'body', name: 'first_name', example: 'Ada' },
      { key: 'subject', component: 'body', name: 'subject', example: 'maths' },
    ]);
  });

  it('lists a text header first, then positional body parameters by number; other braces are text', () => {
    expect(templateParameters(positional)).toEqual([
      { key: 'header.1', component: 'header', position: 1, example: 'Friday' },
      { key: '1', component: 'body', position: 1, example: 'Ada' },
      { key: '2', component: 'body', position: 2, example: 'Physics' },
    ]);
  });

  it('names a named header parameter header.<name>', () => {
    const template: MessageTemplate = {
      ...named,
      components: [
        {
          type: 'HEADER',
          format: 'TEXT',
          text: 'For {{first_name}}',
          example: { header_text_named_params: [{ param_name: 'first_name', example: 'Bo' }] },
        },
        { type: 'BODY', text: 'Hi {{first_name}}' },
      ],
    };
    expect(templateParameters(template)).toEqual([
      { key: 'header.first_name', component: 'header', name: 'first_name', example: 'Bo' },
      { key: 'first_name', component: 'body', name: 'first_name' },
    ]);
  });

  it('finds none in a template without placeholders or with a media header', () => {
    expect(templateParameters(plain)).toEqual([]);
    expect(templateParts(plain)).toEqual({ body: 'Hello from EduBot!', buttons: [] });
  });

  it('gives the parts and the button labels', () => {
    expect(templateParts(named).buttons).toEqual(['Talk to support']);
    expect(templateParts(positional)).toMatchObject({ header: 'Due {{1}}', footer: 'EduBot', buttons: [] });
  });
});

describe('renderTemplate', () => {
  it('fills a named template and keeps its parameters in the template order', () => {
    const result = renderTemplate(named, { subject: 'algebra', first_name: 'Ada' });
    expect(result).toEqual({
      ok: true,
      content: {
        kind: 'template',
        name: 'support_follow_up',
        language: 'en',
        parameters: [
          { component: 'body', name: 'first_name', text: 'Ada' },
          { component: 'body', name: 'subject', text: 'algebra' },
        ],
        rendered: 'Hi Ada, about your algebra question: Ada, reply here.',
      },
    });
  });

  it('fills a positional template with header, body and footer in the rendered text', () => {
    const result = renderTemplate(positional, { '2': 'Chemistry', 'header.1': 'Monday', '1': 'Bayo' });
    expect(result).toEqual({
      ok: true,
      content: {
        kind: 'template',
        name: 'homework_reminder',
        language: 'en',
        parameters: [
          { component: 'header', text: 'Monday' },
          { component: 'body', text: 'Bayo' },
          { component: 'body', text: 'Chemistry' },
        ],
        rendered: 'Due Monday\n\nYour Chemistry homework, Bayo, is due. {{not a parameter}} {{x}}\n\nEduBot',
      },
    });
  });

  it('takes no values for a template without parameters, and refuses any', () => {
    expect(renderTemplate(plain, {})).toMatchObject({
      ok: true,
      content: { parameters: [], rendered: 'Hello from EduBot!' },
    });
    expect(renderTemplate(plain, { '1': 'x' })).toEqual({
      ok: false,
      problems: ['1: not a parameter of this template'],
    });
  });

  it('keeps mixed scripts and emoji as they are and counts characters, not UTF-16 units', () => {
    const name = 'Zoë 李 محمد 👩🏽‍🎓';
    const result = renderTemplate(named, { first_name: name, subject: 'ευκλείδεια γεωμετρία' });
    expect(result.ok && result.content.rendered).toBe(
      `Hi ${name}, about your ευκλείδεια γεωμετρία question: ${name}, reply here.`,
    );
    // 60 emoji are 120 UTF-16 units but 60 characters: a header of exactly 60 is accepted.
    const header: MessageTemplate = {
      ...plain,
      components: [
        { type: 'HEADER', format: 'TEXT', text: '{{1}}' },
        { type: 'BODY', text: 'x' },
      ],
    };
    expect(renderTemplate(header, { 'header.1': '😀'.repeat(60) }).ok).toBe(true);
    expect(renderTemplate(header, { 'header.1': '😀'.repeat(61) })).toEqual({
      ok: false,
      problems: ['header.1: the header must be at most 60 characters filled in'],
    });
  });

  it('names every missing, extra, empty and unacceptable value', () => {
    const result = renderTemplate(positional, {
      '1': '   ',
      '2': 'line\nbreak',
      first_name: 'Ada',
    });
    expect(result).toEqual({
      ok: false,
      problems: [
        'header.1: missing',
        '1: must not be empty',
        '2: must not hold a newline, a tab or more than four spaces in a row',
        'first_name: not a parameter of this template',
      ],
    });
    expect(renderTemplate(named, { first_name: 'a'.repeat(1025), subject: 'b     c' })).toEqual({
      ok: false,
      problems: [
        'first_name: must be at most 1024 characters (got 1025)',
        'subject: must not hold a newline, a tab or more than four spaces in a row',
      ],
    });
  });

  it('refuses values that are each fine but make the body too long', () => {
    const result = renderTemplate(named, { first_name: 'a'.repeat(500), subject: 'b' });
    expect(result).toEqual({
      ok: false,
      problems: ['first_name, subject: the text must be at most 1024 characters filled in'],
    });
  });

  it('does not take inherited keys for parameters', () => {
    expect(renderTemplate(named, { subject: 'x', toString: 'x' })).toEqual({
      ok: false,
      problems: ['first_name: missing', 'toString: not a parameter of this template'],
    });
    const withProto = Object.create({ first_name: 'inherited' }) as Record<string, string>;
    withProto.subject = 'x';
    expect(renderTemplate(named, withProto)).toEqual({ ok: false, problems: ['first_name: missing'] });
  });
});

describe('valuesFromSend', () => {
  it('keys the parameters of a send as renderTemplate would take them back', () => {
    const rendered = renderTemplate(positional, { 'header.1': 'Monday', '1': 'Bayo', '2': 'Chemistry' });
    if (!rendered.ok) throw new Error('expected a rendered template');
    expect(valuesFromSend(positional, rendered.content.parameters)).toEqual({
      ok: true,
      values: { 'header.1': 'Monday', '1': 'Bayo', '2': 'Chemistry' },
    });
    expect(
      valuesFromSend(named, [
        { component: 'body', name: 'subject', text: 's' },
        { component: 'body', name: 'first_name', text: 'f' },
      ]),
    ).toEqual({ ok: true, values: { subject: 's', first_name: 'f' } });
  });

  it('finds a wrong count or a wrong name', () => {
    expect(valuesFromSend(positional, [{ component: 'body', text: 'only one' }])).toEqual({
      ok: false,
      problems: ['header: expected 1 parameters, got 0', 'body: expected 2 parameters, got 1'],
    });
    expect(
      valuesFromSend(named, [
        { component: 'body', name: 'first_name', text: 'f' },
        { component: 'body', name: 'surname', text: 's' },
      ]),
    ).toEqual({ ok: false, problems: ['body: parameter surname does not match the template'] });
  });
});

describe('statuses', () => {
  it('sends only APPROVED templates', () => {
    expect(
      ['APPROVED', 'PAUSED', 'DISABLED', 'REJECTED', 'PENDING'].filter((status) => isSendable({ status })),
    ).toEqual(['APPROVED']);
  });

  it('maps status-update events to the status they leave', () => {
    expect(statusAfterEvent('PAUSED')).toBe('PAUSED');
    expect(statusAfterEvent('disabled')).toBe('DISABLED');
    expect(statusAfterEvent('REINSTATED')).toBe('APPROVED');
    expect(statusAfterEvent('PENDING_DELETION')).toBe('DELETED');
    expect(statusAfterEvent('FLAGGED')).toBeUndefined();
  });
});
