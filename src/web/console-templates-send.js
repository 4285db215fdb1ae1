// @ts-check
// Sending the chosen template (console-templates.js picks it): POST …/template with the parameters
// typed, the button off while it runs, and the result line in the API's words when refused. A send
// that got no answer at all is repeated with the same Idempotency-Key, so the student gets it once.
import { showResult } from './console-result.js';

/** @typedef {import('./api-types').Template} Template */

/**
 * `chosen()` and `values()` read the picker; `sent()` clears its fields once WhatsApp took the template;
 * `onSent(contactId)` runs after that.
 * @param {{ api: typeof import('./console-api.js').api; describeFailure: typeof import('./console-api.js').describeFailure;
 *   newKey: () => string; contactId: () => string | null; onSent: (contactId: string) => void;
 *   button: HTMLButtonElement; result: HTMLElement; chosen: () => Template | null;
 *   values: () => Record<string, string>; sent: () => void }} parts
 */
function createTemplateSend({ api, describeFailure, newKey, contactId, onSent, button, result, chosen, values, sent }) {
  let busy = false;
  /** @type {{ contactId: string; text: string; key: string } | null} */
  let unanswered = null;

  async function send() {
    const to = contactId();
    const template = chosen();
    if (!to || !template || busy) return;
    const body = { name: template.name, language: template.language, parameters: values() };
    const text = JSON.stringify(body);
    const same = unanswered && unanswered.contactId === to && unanswered.text === text;
    const key = same && unanswered ? unanswered.key : newKey();
    busy = true;
    button.disabled = true;
    showResult(result, 'Sending the template…', 'pending');
    const res = await api('POST', '/api/admin/conversations/' + encodeURIComponent(to) + '/template', body, {
      headers: { 'Idempotency-Key': key },
    });
    busy = false;
    button.disabled = !chosen();
    unanswered = res.status === 0 ? { contactId: to, text, key } : null;
    if (contactId() !== to) return;
    if (res.status === 200) {
      showResult(result, '✓ Template ' + template.name + ' sent', 'ok');
      sent();
      onSent(to);
      return;
    }
    showResult(result, '✗ Template not sent — ' + describeFailure(res), 'error');
  }

  return {
    send,
    /** Whether a send is running. */
    busy: () => busy,
    /** Another conversation: nothing to repeat. */
    reset() {
      unanswered = null;
    },
  };
}

export { createTemplateSend };
