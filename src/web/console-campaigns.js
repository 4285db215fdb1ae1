// @ts-check
// The console's Campaigns view, admins only (SPEC §13): the campaigns with their status and progress;
// a new campaign (console-campaign-form.js), previewed before it can start; and one campaign's page,
// kept live while it runs: progress, the delivery funnel, failures by WhatsApp code,
// pause/resume/cancel and the recipients' CSV. Built with node(): data is only ever text.
import { node } from './console-dom.js';
import { create as createCampaignForm } from './console-campaign-form.js';

/** @typedef {import('./api-types').CampaignSummary} CampaignSummary */
/** @typedef {import('./api-types').CampaignAnswer} CampaignAnswer */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */
/** A campaign's recipients by status. @typedef {Partial<Record<string, number>> | null | undefined} Counts */

const POLL_MS = 2000;
const LIST_POLL_MS = 5000;
const COUNTS = ['queued', 'sent', 'delivered', 'read', 'failed', 'capped', 'skipped', 'replied'];
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
const ACTIVE = ['scheduled', 'running', 'paused'];

const count = (/** @type {unknown} */ n) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
/**
 * @param {Counts} counts
 * @param {string[]} statuses
 */
const sum = (counts, statuses) => statuses.reduce((total, s) => total + count(counts && counts[s]), 0);

/**
 * Recipients finished with, one way or another (every status but queued), of all of them; a
 * campaign that has not taken its audience yet counts its expected recipients, none done.
 * @param {{ counts?: Counts; recipients?: number | null }} campaign
 */
function progressOf(campaign) {
  const done = sum(
    campaign.counts,
    COUNTS.filter((s) => s !== 'queued'),
  );
  const total = Math.max(count(campaign.recipients), sum(campaign.counts, COUNTS));
  return { done, total };
}

/** @param {string | null | undefined} iso */
function formatTime(iso) {
  const date = new Date(/** @type {string} */ (iso));
  return Number.isNaN(date.getTime()) ? '' : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
}

/**
 * @param {string} text
 * @param {string} [className]
 */
function button(text, className) {
  const element = node('button', className || null, text);
  element.type = 'button';
  return element;
}

/**
 * @param {number} done
 * @param {number} total
 * @param {string} label
 */
function progressBar(done, total, label) {
  const bar = document.createElement('progress');
  bar.max = Math.max(total, 1);
  bar.value = Math.min(done, bar.max);
  bar.setAttribute('aria-label', label);
  return bar;
}

/**
 * `api(method, path, body)` and `fetchBlob(path)` are the console's (with the token);
 * `describeFailure(res)` words a refusal. Returns `open()`, called whenever the view is shown, and
 * `setAdmin(admin)`, which shows the view's button to admins only.
 * @param {{ api: typeof import('./console-api.js').api; fetchBlob: typeof import('./console-api.js').fetchBlob;
 *   describeFailure: typeof import('./console-api.js').describeFailure }} parts
 */
function create({ api, fetchBlob, describeFailure }) {
  const view = /** @type {HTMLElement} */ (document.getElementById('campaigns-view'));
  /** @type {HTMLElement | null} */
  const tab = document.querySelector('[data-view="campaigns-view"]');
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let listTimer;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let detailTimer;
  /** @type {string | null} */
  let detailId = null;
  /** @type {string | null} */
  let nextCursor = null;

  // ---- the page ----

  const heading = node('h2', null, 'Campaigns');
  heading.id = 'campaigns-heading';
  const newButton = button('New campaign');
  newButton.id = 'campaign-new';
  const refreshButton = button('Refresh', 'secondary');
  const head = node('div', 'campaigns-head');
  head.append(heading, newButton, refreshButton);

  const listError = node('p', 'error');
  listError.setAttribute('role', 'alert');
  const list = node('ul', 'campaign-list');
  list.id = 'campaign-list';
  list.setAttribute('aria-labelledby', 'campaigns-heading');
  const listEmpty = node('p', 'muted', 'No campaigns yet.');
  listEmpty.hidden = true;
  const moreButton = button('Load more', 'secondary');
  moreButton.hidden = true;
  const listSection = node('section', 'campaigns-list');
  listSection.append(listError, list, listEmpty, moreButton);

  const form = createCampaignForm({
    api,
    describeFailure,
    async onStarted(id) {
      await loadList();
      await openDetail(id);
    },
    onClose: () => newButton.focus(),
  });
  const detail = node('section', 'campaign-detail');
  detail.id = 'campaign-detail';
  detail.hidden = true;
  detail.setAttribute('aria-labelledby', 'campaign-detail-title');
  view.append(head, form.element, listSection, detail);

  newButton.addEventListener('click', () => void form.open());
  refreshButton.addEventListener('click', () => void loadList());
  moreButton.addEventListener('click', () => void loadList(nextCursor));

  // ---- the list ----

  /** @param {string | null} [cursor] */
  async function loadList(cursor) {
    /** @type {Answer<import('./api-types').CampaignsAnswer>} */
    const res = await api('GET', '/api/admin/campaigns' + (cursor ? '?cursor=' + encodeURIComponent(cursor) : ''));
    if (res.status !== 200) {
      listError.textContent = 'Could not load the campaigns: ' + describeFailure(res);
      return;
    }
    listError.textContent = '';
    if (!cursor) list.replaceChildren();
    for (const campaign of res.body.campaigns) list.append(listItem(campaign));
    nextCursor = res.body.nextCursor || null;
    moreButton.hidden = !nextCursor;
    listEmpty.hidden = list.children.length > 0;
  }

  /** @param {CampaignSummary} campaign */
  function listItem(campaign) {
    const item = node('li', 'campaign-item');
    item.dataset.campaignId = campaign.id;
    const open = button('', 'campaign-open secondary');
    const { done, total } = progressOf(campaign);
    const status = node('span', 'badge campaign-status', campaign.status);
    status.dataset.status = campaign.status;
    open.append(
      node('span', 'campaign-name', campaign.name),
      status,
      progressBar(done, total, campaign.name + ': ' + done + ' of ' + total + ' recipients done'),
      node('span', 'muted campaign-figures', done + ' / ' + total + ' · ' + formatTime(campaign.createdAt)),
    );
    if (campaign.id === detailId) open.setAttribute('aria-current', 'true');
    open.addEventListener('click', () => void openDetail(campaign.id));
    item.append(open);
    return item;
  }

  function pollList() {
    clearTimeout(listTimer);
    listTimer = setTimeout(async () => {
      if (view.hidden) return;
      // Only the first page is kept current: pages loaded further down stay as they were.
      if (!nextCursor) await loadList();
      pollList();
    }, LIST_POLL_MS);
  }

  // ---- one campaign ----

  /** @param {string} id */
  async function openDetail(id) {
    detailId = id;
    for (const b of list.querySelectorAll('.campaign-open')) b.removeAttribute('aria-current');
    const current = list.querySelector('[data-campaign-id="' + CSS.escape(id) + '"] .campaign-open');
    if (current) current.setAttribute('aria-current', 'true');
    detail.hidden = false;
    await loadDetail(true);
  }

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
        void loadList();
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
    open() {
      void loadList();
      pollList();
      if (detailId !== null && !detail.hidden) void loadDetail(false);
    },
    /** @param {boolean} admin */
    setAdmin(admin) {
      if (tab) tab.hidden = !admin;
    },
    /** Signed out: nothing of the last person's campaigns stays on the page. */
    reset() {
      clearTimeout(listTimer);
      clearTimeout(detailTimer);
      detailId = null;
      nextCursor = null;
      form.reset();
      list.replaceChildren();
      detail.replaceChildren();
      delete detail.dataset.campaignId;
      delete detail.dataset.status;
      detail.hidden = true;
      if (tab) tab.hidden = true;
    },
  };
}

export { create, progressOf };
