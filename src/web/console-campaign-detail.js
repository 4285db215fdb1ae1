// @ts-check
// One campaign's page in the Campaigns view, kept live while it runs: progress, the delivery funnel,
// failures by WhatsApp code, pause/resume/cancel (cancel asked once more) and the recipients' CSV.
// Built with node(): data is only ever text.
import { node } from './console-dom.js';
import { ACTIVE, button, count, formatTime, progressBar, progressOf, sum } from './console-campaign-parts.js';

/** @typedef {import('./api-types').CampaignSummary} CampaignSummary */
/** @typedef {import('./api-types').CampaignAnswer} CampaignAnswer */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */
/** A campaign's recipients by status. @typedef {Partial<Record<string, number>> | null | undefined} Counts */

const POLL_MS = 2000;
// A recipient's status is the furthest it got, so each funnel step counts those at it or beyond.
/** @type {[string, string, string[]][]} */
const FUNNEL = [
  ['queued', 'Queued', ['queued', 'sent', 'delivered', 'read', 'replied', 'failed', 'capped', 'skipped']],
  ['sent', 'Sent', ['sent', 'delivered', 'read', 'replied']],
  ['delivered', 'Delivered', ['delivered', 'read', 'replied']],
  ['read', 'Read', ['read', 'replied']],
  ['replied', 'Replied', ['replied']],
];
// What WhatsApp's codes mean, for the failures table (reference: whatsapp-cloud-api.md).
/** @type {Record<string, string>} */
const CODES = {
  130429: 'rate limit of the number',
  131026: 'message undeliverable',
  131047: 'outside the 24-hour window',
  131049: 'marketing message limit of the student',
  131050: 'the student stopped marketing messages',
  131056: 'too many messages to one student',
  132000: 'wrong number of parameters',
  132001: 'template does not exist',
  132015: 'template paused',
  132016: 'template disabled',
};

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
      const title = node('h3', null, campaign.name);
      title.id = 'campaign-detail-title';
      title.tabIndex = -1;
      const result = node('p', 'result campaign-result');
      result.setAttribute('role', 'status');
      result.setAttribute('aria-live', 'polite');
      detail.replaceChildren(title, node('div', 'campaign-figures-box'), node('div', 'campaign-controls-box'), result);
      detail.dataset.campaignId = campaign.id;
      delete detail.dataset.status;
    }
    const status = node('span', 'badge campaign-status', campaign.status);
    status.dataset.status = campaign.status;
    status.id = 'campaign-detail-status';
    const { done, total } = progressOf(campaign);
    const facts = node(
      'p',
      'muted',
      [
        campaign.template.name + ' (' + campaign.template.language + ')',
        'starts ' + formatTime(campaign.startAt),
        campaign.ratePerSecond + '/s',
        campaign.dailyCap ? 'at most ' + campaign.dailyCap + ' a day' : 'no daily cap',
        campaign.createdBy ? 'by ' + campaign.createdBy : '',
      ]
        .filter(Boolean)
        .join(' · '),
    );
    const progress = node('div', 'campaign-progress');
    progress.append(
      progressBar(done, total, 'Progress: ' + done + ' of ' + total + ' recipients done'),
      node('span', 'campaign-progress-text', done + ' of ' + total + ' done'),
    );
    /** @type {HTMLElement} */ (detail.querySelector('.campaign-figures-box')).replaceChildren(
      status,
      facts,
      progress,
      funnel(campaign.counts),
      outcomes(campaign),
      failures(campaign.failuresByCode || {}),
    );
    if (detail.dataset.status !== campaign.status) {
      /** @type {HTMLElement} */ (detail.querySelector('.campaign-controls-box')).replaceChildren(controls(campaign));
      detail.dataset.status = campaign.status;
    }
  }

  /** @param {Counts} counts */
  function funnel(counts) {
    const box = node('section', 'campaign-funnel');
    box.setAttribute('aria-label', 'Delivery funnel');
    const top = Math.max(sum(counts, FUNNEL[0]?.[2] || []), 1);
    const steps = node('ol', 'funnel-steps');
    for (const [key, text, statuses] of FUNNEL) {
      const n = sum(counts, statuses);
      const step = node('li', 'funnel-step');
      step.dataset.step = key;
      const bar = node('span', 'funnel-bar');
      bar.style.width = Math.round((100 * n) / top) + '%';
      step.append(node('span', 'funnel-label', text), bar, node('span', 'funnel-count', String(n)));
      steps.append(step);
    }
    box.append(node('h4', null, 'Delivery'), steps);
    return box;
  }

  /** @param {{ counts: Counts }} campaign */
  function outcomes(campaign) {
    const line = node('p', 'campaign-outcomes');
    for (const status of ['failed', 'capped', 'skipped']) {
      const figure = node(
        'span',
        'campaign-outcome',
        status + ': ' + count(campaign.counts && campaign.counts[status]),
      );
      figure.dataset.status = status;
      line.append(figure);
    }
    return line;
  }

  /** @param {Record<string, number>} byCode */
  function failures(byCode) {
    const box = node('section', 'campaign-failures');
    box.append(node('h4', null, 'Failures by code'));
    const codes = Object.keys(byCode).sort((a, b) => count(byCode[b]) - count(byCode[a]));
    if (codes.length === 0) {
      box.append(node('p', 'muted', 'None.'));
      return box;
    }
    const table = node('table', 'campaign-failures-table');
    const head = node('tr');
    for (const text of ['Code', 'Meaning', 'Recipients']) head.append(node('th', null, text));
    table.append(head);
    for (const code of codes) {
      const row = node('tr');
      row.append(node('td', null, code), node('td', null, CODES[code] || '—'), node('td', null, String(byCode[code])));
      table.append(row);
    }
    box.append(table);
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

  /** @param {CampaignSummary} campaign */
  function controls(campaign) {
    const box = node('div', 'actions campaign-controls');
    const result = /** @type {HTMLElement} */ (detail.querySelector('.campaign-result'));
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
        await loadDetail(false);
        /** @type {HTMLElement | null} */
        const after = detail.querySelector('.campaign-controls button') || detail.querySelector('h3');
        after?.focus();
        onChanged();
      };
      // Cancelling cannot be undone: it asks once more, in the page (a dialog would stop the polling).
      b.addEventListener('click', () => (action === 'cancel' ? confirmCancel(box, campaign, run) : void run()));
      box.append(b);
    }
    const csv = button('Download recipients (CSV)', 'secondary');
    csv.addEventListener('click', async () => {
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
    });
    box.append(csv);
    return box;
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
