// @ts-check
// The Reports view's form (console-reports.js loads what it asks for): its elements, the options of
// its time zone and priority, the presets' dates (local days in the report's time zone, as
// YYYY-MM-DD), and the filters read as the API's query, or why they cannot be.
import { addDays } from './console-report-figures.js';
import { PRIORITIES, PRIORITY_NAMES } from './console-names.js';

/**
 * Today's date in `tz`.
 * @param {string} tz
 */
function today(tz) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date())
    .slice(0, 10);
}

/** @param {string} own */
function zones(own) {
  /** @type {string[]} */
  let all = [];
  try {
    all = Intl.supportedValuesOf('timeZone');
  } catch {
    // An older browser lists none: the browser's own and UTC remain.
  }
  return Array.from(new Set([own, 'UTC', ...all]));
}

/** The view's form, lines and buttons. */
function elements() {
  const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
  const select = (/** @type {string} */ id) => /** @type {HTMLSelectElement} */ ($(id));
  const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($(id));
  return {
    form: $('reports-form'),
    range: select('reports-range'),
    from: input('reports-from'),
    to: input('reports-to'),
    tz: select('reports-tz'),
    label: select('reports-label'),
    priority: select('reports-priority'),
    status: $('reports-status'),
    error: $('reports-error'),
    body: $('reports-body'),
    csv: $('reports-csv'),
    jsonl: $('reports-jsonl'),
    download: $('reports-download'),
  };
}
/** @typedef {ReturnType<typeof elements>} Elements */
/** The filters as the API takes them, or why there are none. @typedef {{ from: string; to: string; query: string; refusal?: undefined } | { refusal: string }} Filters */

/**
 * The time zones (the browser's own first) and the priorities to choose from.
 * @param {Elements} ui
 * @param {string} ownZone
 */
function fillOptions(ui, ownZone) {
  for (const zone of zones(ownZone)) ui.tz.append(new window.Option(zone, zone));
  ui.tz.value = ownZone;
  for (const priority of PRIORITIES) ui.priority.append(new window.Option(PRIORITY_NAMES[priority], priority));
}

/**
 * Fills From and To from the chosen preset, in the chosen zone.
 * @param {Elements} ui
 */
function presetDates(ui) {
  const end = today(ui.tz.value);
  const preset = ui.range.value;
  if (preset === 'custom') return;
  ui.to.value = end;
  ui.from.value = preset === 'month' ? end.slice(0, 8) + '01' : addDays(end, 1 - Number(preset));
}

/**
 * The filters as the API takes them (`to` the day after the last one shown), or a refusal.
 * @param {Elements} ui
 * @returns {Filters}
 */
function filtersOf(ui) {
  const from = ui.from.value;
  const to = ui.to.value;
  if (!from || !to) return { refusal: 'Choose both dates.' };
  if (from > to) return { refusal: 'The first day must not be after the last.' };
  const query = new URLSearchParams({ from, to: addDays(to, 1), tz: ui.tz.value });
  if (ui.label.value) query.set('label', ui.label.value);
  if (ui.priority.value) query.set('priority', ui.priority.value);
  return { from, to, query: query.toString() };
}

/**
 * The label filter offers `list`, keeping the label chosen while it still exists.
 * @param {Elements} ui
 * @param {{ name: string }[]} list
 */
function showLabels(ui, list) {
  const chosen = ui.label.value;
  ui.label.replaceChildren(new window.Option('All labels', ''));
  for (const label of list) ui.label.append(new window.Option(label.name, label.name));
  ui.label.value = list.some((l) => l.name === chosen) ? chosen : '';
}

/**
 * Sign-out: the form as on a first visit, and nothing of the last report in the page.
 * @param {Elements} ui
 */
function clearForm(ui) {
  ui.csv.hidden = true;
  ui.jsonl.hidden = true;
  ui.body.replaceChildren();
  ui.body.hidden = true;
  ui.status.textContent = '';
  ui.error.textContent = '';
  ui.download.textContent = '';
  ui.label.replaceChildren(new window.Option('All labels', ''));
  ui.priority.value = '';
  ui.range.value = '7';
  ui.from.value = '';
  ui.to.value = '';
}

export { elements, fillOptions, presetDates, filtersOf, showLabels, clearForm };
