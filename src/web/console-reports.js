// @ts-check
// The console's Reports view, for a support team's lead: a date range in a time zone, label and
// priority filters (the form: console-reports-form.js), the three reports of
// GET /api/admin/reports/overview|agents|labels (shown by console-reports-render.js), and the chats'
// export with the same filters, fetched with the token.
import { latest } from './console-api.js';
import { node } from './console-dom.js';
import { dayLabel } from './console-report-figures.js';
import { clearForm, elements, fillOptions, filtersOf, presetDates, showLabels } from './console-reports-form.js';
import { render, drawCharts } from './console-reports-render.js';

/** @template T @typedef {import('./console-api.js').Answer<T>} Answer */
/** @typedef {import('./console-report-figures.js').Shown} Shown */

/** @typedef {import('./console-reports-form.js').Elements} Elements */
/** @typedef {import('./console-reports-form.js').Filters} Filters */

// ---- the export, with the token, saved from a blob ----

/**
 * Fetches the chats' export with the filters `wanted` and saves it as a file, saying so in the view.
 * @param {typeof import('./console-api.js').fetchBlob} fetchBlob
 * @param {Elements} ui
 * @param {Filters} wanted
 * @param {'csv' | 'jsonl'} format
 */
async function download(fetchBlob, ui, wanted, format) {
  ui.error.textContent = wanted.refusal || '';
  if (wanted.refusal !== undefined) return;
  ui.download.textContent = 'Preparing the ' + format.toUpperCase() + ' export…';
  const got = await fetchBlob('/api/admin/exports/chats.' + format + '?' + wanted.query);
  if (!got.blob) {
    ui.download.textContent = '';
    ui.error.textContent = 'The export failed: ' + got.failure;
    return;
  }
  const url = window.URL.createObjectURL(got.blob);
  const link = node('a');
  link.href = url;
  link.download = 'chats-' + wanted.from + '-to-' + wanted.to + '.' + format;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The browser has taken the file once the click's task is over.
  setTimeout(() => window.URL.revokeObjectURL(url), 60_000);
  ui.download.textContent = '✓ ' + link.download + ' downloaded';
}

/**
 * `api(method, path)` and `fetchBlob(path)` are the console's (with the token); `describeFailure(res)`
 * words a refusal. Returns `{ open(), reset() }`: open loads the view when it is shown, reset forgets
 * everything at sign-out.
 * @param {{ api: typeof import('./console-api.js').api; fetchBlob: typeof import('./console-api.js').fetchBlob;
 *   describeFailure: typeof import('./console-api.js').describeFailure }} parts
 */
function create({ api, fetchBlob, describeFailure }) {
  const ui = elements();
  const ownZone = new Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  const loads = latest();
  /** @type {Shown | null} */
  let shown = null;
  // Whether the signed-in person may export (the API lets admins only); null until asked.
  /** @type {boolean | null} */
  let admin = null;
  // The charts' last width, so a resize that changes nothing draws nothing.
  let chartWidth = 0;

  ui.csv.hidden = true;
  ui.jsonl.hidden = true;
  fillOptions(ui, ownZone);
  const applyPreset = () => presetDates(ui);
  const filters = () => filtersOf(ui);

  /** The export buttons only for an admin: the chats' export holds students' names. */
  async function loadRole() {
    /** @type {Answer<import('./api-types').MeAnswer>} */
    const res = await api('GET', '/api/admin/me');
    if (res.status !== 200 || !res.body || !res.body.agent) return;
    admin = res.body.agent.role === 'admin';
    ui.csv.hidden = !admin;
    ui.jsonl.hidden = !admin;
  }

  async function loadLabels() {
    /** @type {Answer<import('./api-types').LabelsAnswer>} */
    const res = await api('GET', '/api/admin/labels');
    const list = res.status === 200 && res.body && Array.isArray(res.body.labels) ? res.body.labels : null;
    if (!list) return;
    showLabels(ui, list);
  }

  async function load() {
    const wanted = filters();
    ui.error.textContent = wanted.refusal || '';
    if (wanted.refusal !== undefined) return;
    const signal = loads.next();
    // A download's line speaks of the filters before: it goes with them.
    ui.download.textContent = '';
    ui.status.textContent = 'Loading the reports…';
    const report = (/** @type {string} */ part) =>
      api('GET', '/api/admin/reports/' + part + '?' + wanted.query, undefined, { signal });
    /** @type {[Answer<import('./api-types').OverviewReportAnswer>, Answer<import('./api-types').AgentsReportAnswer>, Answer<import('./api-types').LabelsReportAnswer>]} */
    const [overview, agents, labels] = await Promise.all([report('overview'), report('agents'), report('labels')]);
    if (signal.aborted) return;
    const failed = [overview, agents, labels].find((res) => res.status !== 200);
    if (failed) {
      ui.status.textContent = '';
      ui.error.textContent = 'Could not load the reports: ' + describeFailure(failed);
      // The figures below would be those of other filters.
      shown = null;
      ui.body.replaceChildren();
      ui.body.hidden = true;
      return;
    }
    shown = { filters: wanted, overview: overview.body, agents: agents.body, labels: labels.body };
    ui.status.textContent =
      'From ' + dayLabel(wanted.from, true) + ' to ' + dayLabel(wanted.to, true) + ', ' + ui.tz.value + '.';
    chartWidth = render(ui.body, shown);
  }

  // ---- events ----

  ui.form.addEventListener('submit', (event) => {
    event.preventDefault();
    void load();
  });
  ui.range.addEventListener('change', () => {
    applyPreset();
    void load();
  });
  for (const input of [ui.from, ui.to])
    input.addEventListener('change', () => {
      ui.range.value = 'custom';
      void load();
    });
  ui.tz.addEventListener('change', () => {
    applyPreset();
    void load();
  });
  for (const filter of [ui.label, ui.priority]) filter.addEventListener('change', () => void load());
  ui.csv.addEventListener('click', () => void download(fetchBlob, ui, filters(), 'csv'));
  ui.jsonl.addEventListener('click', () => void download(fetchBlob, ui, filters(), 'jsonl'));
  if (window.ResizeObserver)
    new window.ResizeObserver(() => {
      const area = ui.body.querySelector('.chart-area');
      if (shown && area && area.clientWidth > 0 && Math.floor(area.clientWidth) !== chartWidth)
        chartWidth = drawCharts(ui.body, shown);
    }).observe(ui.body);

  return {
    /** The view was opened: load it. */
    open() {
      if (admin === null) void loadRole();
      if (!ui.from.value) applyPreset();
      // The labels again each time: an admin may have added one meanwhile.
      void loadLabels();
      void load();
    },
    /** Sign-out: nothing of the last report stays in the page. */
    reset() {
      admin = null;
      loads.cancel();
      shown = null;
      clearForm(ui);
    },
  };
}

export { create };
