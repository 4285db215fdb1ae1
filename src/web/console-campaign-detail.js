// @ts-check
// One campaign's page in the Campaigns view, kept live while it runs: progress, the delivery funnel,
// failures by WhatsApp code, pause/resume/cancel (cancel asked once more) and the recipients' CSV.
// The figures are drawn by console-campaign-detail-render.js, the controls by
// console-campaign-detail-controls.js; this module loads the campaign and keeps it live.
import { node } from './console-dom.js';
import { ACTIVE } from './console-campaign-parts.js';
import { controls } from './console-campaign-detail-controls.js';
import { detailFrame, figures } from './console-campaign-detail-render.js';

/** @typedef {import('./api-types').CampaignAnswer} CampaignAnswer */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */

const POLL_MS = 2000;

/**
 * The page of one campaign, in `view` (polling stops while the view is hidden); `onChanged()` runs
 * after a control changed the campaign (the list shows its new status).
 * @param {{ api: typeof import('./console-api.js').api; fetchBlob: typeof import('./console-api.js').fetchBlob;
 *   describeFailure: typeof import('./console-api.js').describeFailure; view: HTMLElement; onChanged: () => void }} parts
 */
export function createCampaignDetail({ api, fetchBlob, describeFailure, view, onChanged }) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let detailTimer;
  /** @type {string | null} */
  let detailId = null;
  const detail = node('section', 'campaign-detail');
  detail.id = 'campaign-detail';
  detail.hidden = true;
  detail.setAttribute('aria-labelledby', 'campaign-detail-title');

  /** @param {boolean} focus */
  async function loadDetail(focus) {
    clearTimeout(detailTimer);
    const id = String(detailId);
    /** @type {Answer<CampaignAnswer>} */
    const res = await api('GET', '/api/admin/campaigns/' + encodeURIComponent(id));
    if (id !== detailId) return;
    if (res.status !== 200) {
      const failed = node('p', 'error', 'Could not load the campaign: ' + describeFailure(res));
      failed.setAttribute('role', 'alert');
      detail.replaceChildren(failed);
      delete detail.dataset.campaignId;
      return;
    }
    renderDetail(res.body);
    if (focus) detail.querySelector('h3')?.focus();
    if (ACTIVE.includes(res.body.status))
      detailTimer = setTimeout(() => {
        if (!view.hidden && !detail.hidden && detailId === id) void loadDetail(false);
      }, POLL_MS);
  }

  /**
   * Shows a campaign. Polling renders it every few seconds: only its figures are replaced, and its
   * buttons only when its status changed, so focus and a question being asked stay where they are.
   * @param {CampaignAnswer} campaign
   */
  function renderDetail(campaign) {
    if (detail.dataset.campaignId !== campaign.id) {
      detail.replaceChildren(...detailFrame(campaign));
      detail.dataset.campaignId = campaign.id;
      delete detail.dataset.status;
    }
    /** @type {HTMLElement} */ (detail.querySelector('.campaign-figures-box')).replaceChildren(...figures(campaign));
    if (detail.dataset.status !== campaign.status) {
      const result = /** @type {HTMLElement} */ (detail.querySelector('.campaign-result'));
      /** @type {HTMLElement} */ (detail.querySelector('.campaign-controls-box')).replaceChildren(
        controls(campaign, { api, fetchBlob, describeFailure, result, changed }),
      );
      detail.dataset.status = campaign.status;
    }
  }

  /** A control changed the campaign: the page reads it again, the focus on its first button, the list is told. */
  async function changed() {
    await loadDetail(false);
    /** @type {HTMLElement | null} */
    const after = detail.querySelector('.campaign-controls button') || detail.querySelector('h3');
    after?.focus();
    onChanged();
  }

  return {
    element: detail,
    /** The campaign shown, or null. */
    shown: () => detailId,
    /**
     * Shows campaign `id`, the focus on its title.
     * @param {string} id
     */
    async open(id) {
      detailId = id;
      detail.hidden = false;
      await loadDetail(true);
    },
    /** The view is shown again: the campaign on the page is read again. */
    refresh() {
      if (detailId !== null && !detail.hidden) void loadDetail(false);
    },
    reset() {
      clearTimeout(detailTimer);
      detailId = null;
      detail.replaceChildren();
      delete detail.dataset.campaignId;
      delete detail.dataset.status;
      detail.hidden = true;
    },
  };
}
