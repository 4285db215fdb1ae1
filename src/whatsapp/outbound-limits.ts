import type { OutboundContent } from '../../domain/types';
import {
  MAX_BUTTON_ID_CHARS,
  MAX_BUTTON_TITLE_CHARS,
  MAX_CAPTION_CHARS,
  MAX_FOOTER_CHARS,
  MAX_HEADER_CHARS,
  MAX_INTERACTIVE_BODY_CHARS,
  MAX_LIST_BUTTON_CHARS,
  MAX_LIST_ROWS,
  MAX_LIST_SECTIONS,
  MAX_OTHER_TEXT_CHARS,
  MAX_REPLY_BUTTONS,
  MAX_ROW_DESCRIPTION_CHARS,
  MAX_ROW_ID_CHARS,
  MAX_ROW_TITLE_CHARS,
  MAX_SECTION_TITLE_CHARS,
  MAX_TEXT_CHARS,
} from '../../domain/whatsapp-limits';

// WhatsApp's limits on what the bot sends (domain/whatsapp-limits.ts), checked on our side so that a bad
// payload fails fast and permanently instead of burning retries; Meta counts characters, so lengths are
// Unicode code points, not UTF-16 units.

const length = (s: string): number => [...s].length;

/** Lists every limit `content` breaks; an empty list means WhatsApp should accept it. */
export function checkOutboundLimits(content: OutboundContent): string[] {
  const problems: string[] = [];
  const within = (label: string, value: string, max: number, min = 1): void => {
    const n = length(value);
    if (n < min || n > max) problems.push(`${label} must be ${min}-${max} characters (got ${n})`);
  };
  const optional = (label: string, value: string | undefined, max: number): void => {
    if (value !== undefined) within(label, value, max);
  };
  const framed = (header: string | undefined, footer: string | undefined): void => {
    optional('header', header, MAX_HEADER_CHARS);
    optional('footer', footer, MAX_FOOTER_CHARS);
  };
  const counted = (label: string, n: number, max: number, scope = ''): void => {
    if (n < 1 || n > max) problems.push(`${label} must number 1-${max}${scope} (got ${n})`);
  };

  switch (content.kind) {
    case 'text':
      within('text', content.text, MAX_TEXT_CHARS);
      break;
    case 'buttons': {
      within('body', content.body, MAX_INTERACTIVE_BODY_CHARS);
      framed(content.header, content.footer);
      const count = content.buttons.length;
      counted('buttons', count, MAX_REPLY_BUTTONS);
      content.buttons.forEach((b, i) => {
        within(`buttons[${i}].title`, b.title, MAX_BUTTON_TITLE_CHARS);
        within(`buttons[${i}].id`, b.id, MAX_BUTTON_ID_CHARS);
      });
      if (new Set(content.buttons.map((b) => b.title)).size !== count) problems.push('button titles must be unique');
      if (new Set(content.buttons.map((b) => b.id)).size !== count) problems.push('button ids must be unique');
      break;
    }
    case 'list': {
      within('body', content.body, MAX_INTERACTIVE_BODY_CHARS);
      within('button', content.button, MAX_LIST_BUTTON_CHARS);
      framed(content.header, content.footer);
      counted('sections', content.sections.length, MAX_LIST_SECTIONS);
      const rows = content.sections.flatMap((s) => s.rows);
      counted('rows', rows.length, MAX_LIST_ROWS, ' in all');
      content.sections.forEach((s, i) => {
        within(`sections[${i}].title`, s.title, MAX_SECTION_TITLE_CHARS);
        s.rows.forEach((r, j) => {
          within(`sections[${i}].rows[${j}].title`, r.title, MAX_ROW_TITLE_CHARS);
          within(`sections[${i}].rows[${j}].id`, r.id, MAX_ROW_ID_CHARS);
          optional(`sections[${i}].rows[${j}].description`, r.description, MAX_ROW_DESCRIPTION_CHARS);
        });
      });
      // A pick comes back as the row id alone, so duplicates would be ambiguous.
      if (new Set(rows.map((r) => r.id)).size !== rows.length) problems.push('row ids must be unique');
      break;
    }
    case 'media':
      optional('caption', content.caption, MAX_CAPTION_CHARS);
      optional('filename', content.filename, MAX_OTHER_TEXT_CHARS);
      break;
    case 'contact_request':
      within('body', content.body, MAX_INTERACTIVE_BODY_CHARS);
      break;
  }
  return problems;
}
