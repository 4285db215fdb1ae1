// @ts-check
// The console's Campaigns view, admins only (SPEC §13): the campaigns with their status and progress;
// a new campaign (console-campaign-form.js), previewed before it can start; and one campaign's page,
// kept live while it runs: progress, the delivery funnel, failures by WhatsApp code,
// pause/resume/cancel and the recipients' CSV. Built with node(): data is only ever text.
import { node } from './console-dom.js';
import { createCampaignDetail } from './console-campaign-detail.js';
import { create as createCampaignForm } from './console-campaign-form.js';
import { button, formatTime, progressBar, progressOf } from './console-campaign-parts.js';

/** @typedef {import('./api-types').CampaignSummary} CampaignSummary */
/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */

const LIST_POLL_MS = 5000;

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
  const detail = createCampaignDetail({ api, fetchBlob, describeFailure, view, onChanged: () => void loadList() });
  view.append(head, form.element, listSection, detail.element);

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
    if (campaign.id === detail.shown()) open.setAttribute('aria-current', 'true');
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

  /**
   * Opens a campaign's page, and marks it in the list.
   * @param {string} id
   */
  async function openDetail(id) {
    for (const b of list.querySelectorAll('.campaign-open')) b.removeAttribute('aria-current');
    const current = list.querySelector('[data-campaign-id="' + CSS.escape(id) + '"] .campaign-open');
    if (current) current.setAttribute('aria-current', 'true');
    await detail.open(id);
  }

  return {
    open() {
      void loadList();
      pollList();
      detail.refresh();
    },
    /** @param {boolean} admin */
    setAdmin(admin) {
      if (tab) tab.hidden = !admin;
    },
    /** Signed out: nothing of the last person's campaigns stays on the page. */
    reset() {
      clearTimeout(listTimer);
      nextCursor = null;
      form.reset();
      list.replaceChildren();
      detail.reset();
      if (tab) tab.hidden = true;
    },
  };
}

export { create, progressOf };
