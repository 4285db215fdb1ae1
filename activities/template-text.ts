import { getTemplate } from '../src/db/templates';
import type { Db } from '../src/db/pool';
import { renderTemplate, valuesFromSend } from '../src/templates/template';
import type { OutboundContent } from '../domain/types';

// A template the conversation flow sends on its own (the rating question past the 24-hour window,
// SPEC §7) is named by configuration; the flow cannot know the account's wording or buttons. Before it
// is stored and sent, the account's copy in the catalogue (message_templates) gives it its text, so the
// history shows what the student read, and its quick-reply payloads are cut to the buttons it has, since
// WhatsApp refuses a payload for a button that does not exist. A template the catalogue does not know
// goes as the flow wrote it, and WhatsApp is the judge. Agents' templates were rendered by the admin
// route from the same catalogue and carry no payloads: they pass unchanged, without a query.

/** The content as the account's template makes it; anything but a flow's template is returned as is. */
export async function withAccountTemplate(db: Db, content: OutboundContent): Promise<OutboundContent> {
  if (content.kind !== 'template' || content.quickReplies === undefined) return content;
  const template = await getTemplate(db, content.name, content.language);
  if (template === undefined) return content;
  const values = valuesFromSend(template, content.parameters);
  const rendered = values.ok ? renderTemplate(template, values.values) : undefined;
  const buttons = template.components.find((c) => c.type.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  const quickReplies = content.quickReplies.slice(0, buttons.filter((b) => b.type === 'QUICK_REPLY').length);
  const { quickReplies: _all, ...rest } = content;
  return {
    ...rest,
    ...(rendered?.ok ? { rendered: rendered.content.rendered } : {}),
    ...(quickReplies.length > 0 ? { quickReplies } : {}),
  };
}
