import { WhatsAppApiError } from './errors';
import { parseJson } from './graph-answers';
import type { GraphCall } from './graph-request';
import { GraphTemplate, GraphTemplatePage } from './template-schema';

// The message templates of a WhatsApp Business Account, as the Graph client lists them: every page,
// each template checked on its own so that one Graph cannot describe does not hide the others.

// Graph's largest page of templates; a few pages cover any account.
const TEMPLATE_PAGE_SIZE = 100;
const TEMPLATE_FIELDS = 'name,language,status,category,components,parameter_format';
// A cursor that never ends (a Graph fault) must not loop for ever.
const MAX_TEMPLATE_PAGES = 100;

/** Every template of the account, all pages (WhatsAppClient.listTemplates). */
export async function listGraphTemplates(
  call: GraphCall,
  baseUrl: string,
  businessAccountId: string,
): Promise<GraphTemplate[]> {
  const templates: GraphTemplate[] = [];
  const listUrl = `${baseUrl}/${encodeURIComponent(businessAccountId)}/message_templates`;
  let after: string | undefined;
  for (let page = 0; page < MAX_TEMPLATE_PAGES; page++) {
    const query = new URLSearchParams({ fields: TEMPLATE_FIELDS, limit: String(TEMPLATE_PAGE_SIZE) });
    if (after !== undefined) query.set('after', after);
    const { status, bytes } = await call('template listing', `${listUrl}?${query.toString()}`);
    const parsed = GraphTemplatePage.safeParse(parseJson(bytes));
    if (!parsed.success) {
      throw new WhatsAppApiError('WhatsApp template listing answered without a data array', {
        status,
        retryable: false,
      });
    }
    for (const item of parsed.data.data) {
      const template = GraphTemplate.safeParse(item);
      if (template.success) templates.push(template.data);
    }
    // The last page still has cursors; only `next` says there is more.
    after = parsed.data.paging?.cursors?.after;
    if (parsed.data.paging?.next === undefined || after === undefined) return templates;
  }
  throw new WhatsAppApiError(`WhatsApp template listing did not end after ${MAX_TEMPLATE_PAGES} pages`, {
    retryable: false,
  });
}
