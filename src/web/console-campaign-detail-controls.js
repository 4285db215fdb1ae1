// @ts-check
// The controls of one campaign's page (console-campaign-detail.js): pause, resume or cancel, as its
// status allows (cancel asked once more, in the page), and the recipients' CSV. Built with node():
// data is only ever text.
import { node } from './console-dom.js';
import { ACTIVE, button } from './console-campaign-parts.js';

/** @typedef {import('./api-types').CampaignSummary} CampaignSummary */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */
/**
 * What the controls need of the console and of the page: the API, the page's result line, and
 * `changed()`, run once a control changed the campaign (the page reads it again).
 * @typedef {{ api: typeof import('./console-api.js').api; fetchBlob: typeof import('./console-api.js').fetchBlob;
 *   describeFailure: typeof import('./console-api.js').describeFailure; result: HTMLElement;
 *   changed: () => Promise<void> }} ControlParts
 */

/**
 * The buttons a campaign in its status offers.
 * @param {CampaignSummary} campaign
 * @param {ControlParts} parts
 */
export function controls(campaign, { api, fetchBlob, describeFailure, result, changed }) {
  const box = node('div', 'actions campaign-controls');
  /** @type {[string, string][]} */
  const actions = [];
  if (campaign.status === 'running' || campaign.status === 'scheduled') actions.push(['pause', 'Pause']);
  if (campaign.status === 'paused') actions.push(['resume', 'Resume']);
  if (ACTIVE.includes(campaign.status)) actions.push(['cancel', 'Cancel campaign']);
  for (const [action, text] of actions) {
    const b = button(text, action === 'cancel' ? 'secondary danger' : 'secondary');
    b.id = 'campaign-' + action;
    const run = async () => {
      b.disabled = true;
      /** @type {Answer<{ status: string }>} */
      const res = await api('POST', '/api/admin/campaigns/' + encodeURIComponent(campaign.id) + '/' + action);
      b.disabled = false;
      result.textContent = res.status === 200 ? 'Now ' + res.body.status + '.' : describeFailure(res);
      result.className = 'result campaign-result ' + (res.status === 200 ? 'ok' : 'error');
      if (res.status !== 200) return;
      await changed();
    };
    // Cancelling cannot be undone: it asks once more, in the page (a dialog would stop the polling).
    b.addEventListener('click', () => (action === 'cancel' ? confirmCancel(box, campaign, run) : void run()));
    box.append(b);
  }
  const csv = button('Download recipients (CSV)', 'secondary');
  csv.addEventListener('click', () => void downloadRecipients(campaign, fetchBlob, result));
  box.append(csv);
  return box;
}

/**
 * "Cancel …? Yes / Keep it" in place of the controls; Yes runs `cancel`.
 * @param {HTMLElement} box
 * @param {CampaignSummary} campaign
 * @param {() => Promise<void>} cancel
 */
function confirmCancel(box, campaign, cancel) {
  const question = node(
    'p',
    'campaign-confirm',
    'Cancel “' + campaign.name + '”? Students not reached yet will not get it.',
  );
  const yes = button('Yes, cancel it', 'danger');
  yes.id = 'campaign-cancel-confirm';
  const keep = button('Keep it', 'secondary');
  const ask = node('div', 'actions campaign-confirm-box');
  ask.append(question, yes, keep);
  box.hidden = true;
  box.after(ask);
  yes.focus();
  keep.addEventListener('click', () => {
    ask.remove();
    box.hidden = false;
    /** @type {HTMLElement} */ (box.querySelector('#campaign-cancel')).focus();
  });
  yes.addEventListener('click', () => {
    ask.remove();
    box.hidden = false;
    void cancel();
  });
}

/**
 * Saves the campaign's recipients as a CSV file (fetched with the token, saved from a blob); a
 * failure is said in the page's result line.
 * @param {CampaignSummary} campaign
 * @param {ControlParts['fetchBlob']} fetchBlob
 * @param {HTMLElement} result
 */
async function downloadRecipients(campaign, fetchBlob, result) {
  const got = await fetchBlob('/api/admin/campaigns/' + encodeURIComponent(campaign.id) + '/recipients.csv');
  if (!got.blob) {
    result.textContent = 'Not downloaded: ' + got.failure;
    result.className = 'result campaign-result error';
    return;
  }
  const url = URL.createObjectURL(got.blob);
  const link = node('a');
  link.href = url;
  link.download = campaign.id + '-recipients.csv';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
