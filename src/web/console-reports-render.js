// @ts-check
// What the Reports view shows of a report (console-reports.js loads it): the headline figures, the
// charts (drawn by console-charts.js), a table by day, per agent and per label, and what WhatsApp bills.
// Every value goes into the page as text. Times are seconds of business time, shown as "1h 05m".
import { node } from './console-dom.js';
import * as charts from './console-charts.js';

/**
 * A report's figures as the page reads them: defensively, every one may be missing (an older server,
 * a range with no chats), so they are looked up loosely and written with a fallback.
 * @typedef {Record<string, any>} Loose
 */
/**
 * A report as loaded: the filters it was asked with and the three answers.
 * @typedef {{ filters: { from: string; to: string }; overview: Loose; agents: Loose; labels: Loose }} Shown
 */

const DAY_MS = 24 * 60 * 60 * 1000;
/** @type {[string, string][]} */
const SENDERS = [
  ['student', 'Student'],
  ['bot', 'Bot'],
  ['agent', 'Agent'],
];

/**
 * "42s", "12m 05s", "1h 05m", "2d 03h"; "—" when there is nothing to measure.
 * @param {unknown} seconds
 */
function formatDuration(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) return '—';
  const s = Math.max(0, Math.round(seconds));
  const two = (/** @type {number} */ n) => String(n).padStart(2, '0');
  if (s < 60) return s + 's';
  if (s < 3600) return Math.floor(s / 60) + 'm ' + two(s % 60) + 's';
  if (s < 86400) return Math.floor(s / 3600) + 'h ' + two(Math.floor((s % 3600) / 60)) + 'm';
  return Math.floor(s / 86400) + 'd ' + two(Math.floor((s % 86400) / 3600)) + 'h';
}

/**
 * A duration axis's tick: whole units, short.
 * @param {number} seconds
 */
function formatTick(seconds) {
  if (seconds === 0) return '0';
  if (seconds < 60) return Math.round(seconds) + 's';
  if (seconds < 3600) return Math.round(seconds / 60) + 'm';
  if (seconds < 86400) return +(seconds / 3600).toFixed(1) + 'h';
  return +(seconds / 86400).toFixed(1) + 'd';
}

const count = (/** @type {unknown} */ n) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
const formatCount = (/** @type {unknown} */ n) => count(n).toLocaleString();

/**
 * "80% met" of an SLA's `{ met, breached }`, or "" when nothing was measured.
 * @param {Loose | null | undefined} sla
 */
function slaShare(sla) {
  const total = count(sla && sla.met) + count(sla && sla.breached);
  return total === 0 || !sla ? '' : Math.round((100 * count(sla.met)) / total) + '% met';
}

/**
 * @param {unknown} amount
 * @param {string | undefined} currency
 */
function formatMoney(amount, currency) {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return '—';
  try {
    return amount.toLocaleString(undefined, { style: 'currency', currency, maximumFractionDigits: 4 });
  } catch {
    return amount.toFixed(4) + ' ' + String(currency || '');
  }
}

/**
 * The CSAT distribution as counts for the ratings 1–5, from `{ "1": n, … }` or `[n1, …, n5]`.
 * @param {Loose | unknown[] | null | undefined} distribution
 */
function ratings(distribution) {
  const at = (/** @type {number} */ r) =>
    Array.isArray(distribution) ? distribution[r - 1] : distribution && distribution[r];
  return [1, 2, 3, 4, 5].map((r) => count(at(r)));
}

// ---- dates: local days in the report's time zone, as YYYY-MM-DD ----

/**
 * `date` moved by `days` (a calendar day: the zone plays no part).
 * @param {string} date
 * @param {number} days
 */
function addDays(date, days) {
  return new Date(Date.parse(date + 'T00:00:00Z') + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * Every date from `from` to `to`, both included.
 * @param {string} from
 * @param {string} to
 */
function everyDay(from, to) {
  /** @type {string[]} */
  const days = [];
  for (let day = from; day <= to && days.length < 400; day = addDays(day, 1)) days.push(day);
  return days;
}

/**
 * "Dec 7", for an axis; the weekday too for a title.
 * @param {string} date
 * @param {boolean} long
 */
function dayLabel(date, long) {
  /** @type {Intl.DateTimeFormatOptions} */
  const options = long
    ? { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' }
    : { month: 'short', day: 'numeric', timeZone: 'UTC' };
  return new Date(date + 'T00:00:00Z').toLocaleDateString(undefined, options);
}

// ---- what is shown ----

/**
 * @param {string} key
 * @param {string} title
 * @param {string} main
 * @param {string} [sub]
 */
function figure(key, title, main, sub) {
  const box = node('div', 'report-figure');
  const value = node('dd', null);
  value.dataset.figure = key;
  value.append(node('span', 'figure-main', main));
  if (sub) value.append(node('span', 'figure-sub', sub));
  box.append(node('dt', null, title), value);
  return box;
}

/** @param {Loose} o */
function headline(o) {
  const frt = o.firstResponse || {};
  const res = o.resolution || {};
  const csat = o.csat || {};
  const messages = o.messages || {};
  const list = node('dl', 'report-figures');
  list.append(
    figure('chatsOpened', 'Chats opened', formatCount(o.chatsOpened)),
    figure('chatsClosed', 'Chats closed', formatCount(o.chatsClosed)),
    figure('firstResponse', 'First response', formatDuration(frt.median), 'median · p90 ' + formatDuration(frt.p90)),
    figure('resolution', 'Resolution', formatDuration(res.median), 'median · p90 ' + formatDuration(res.p90)),
    figure(
      'sla',
      'SLA',
      slaShare(o.sla) || '—',
      formatCount(o.sla && o.sla.met) + ' met · ' + formatCount(o.sla && o.sla.breached) + ' breached',
    ),
    figure(
      'csat',
      'Satisfaction',
      typeof csat.average === 'number' ? csat.average.toFixed(1) + ' / 5' : '—',
      formatCount(csat.count) + (count(csat.count) === 1 ? ' rating' : ' ratings'),
    ),
    figure(
      'messages',
      'Messages',
      formatCount(SENDERS.reduce((sum, [key]) => sum + count(messages[key]), 0)),
      SENDERS.map(([key, name]) => name.toLowerCase() + ' ' + formatCount(messages[key])).join(' · '),
    ),
  );
  const cost = o.cost;
  if (cost && typeof cost.total === 'number')
    list.append(figure('cost', 'Estimated cost', formatMoney(cost.total, cost.currency), 'what WhatsApp bills'));
  return list;
}

/**
 * A titled box for a chart, with its legend when it has more than one series.
 * @param {string} key
 * @param {string} title
 * @param {[string, string][]} [legend]
 */
function chartBox(key, title, legend) {
  const box = node('figure', 'report-chart');
  box.dataset.chart = key;
  box.append(node('figcaption', null, title));
  const area = node('div', 'chart-area');
  box.append(area);
  if (legend) {
    const list = node('ul', 'chart-legend');
    for (const [className, name] of legend) {
      const item = node('li', className);
      item.append(node('span', 'swatch'), document.createTextNode(name));
      list.append(item);
    }
    box.append(list);
  }
  return box;
}

/**
 * The days of the range, with the overview's figures for each (zero where it has none).
 * @param {Shown} shown
 * @returns {{ date: string; figures: Loose }[]}
 */
function days(shown) {
  /** @type {Map<string, Loose>} */
  const byDay = new Map();
  for (const day of (shown.overview && shown.overview.byDay) || []) byDay.set(String(day.date).slice(0, 10), day);
  return everyDay(shown.filters.from, shown.filters.to).map((date) => ({ date, figures: byDay.get(date) || {} }));
}

/**
 * Draws every chart of `body` into its box for the boxes' current width, and returns that width.
 * @param {HTMLElement} body
 * @param {Shown} shown
 */
function drawCharts(body, shown) {
  /** @type {NodeListOf<HTMLElement>} */
  const boxes = body.querySelectorAll('.report-chart');
  const area = (/** @type {HTMLElement} */ box) => /** @type {HTMLElement} */ (box.querySelector('.chart-area'));
  const width = Math.floor((boxes[0] && area(boxes[0]).clientWidth) || 320);
  const list = days(shown);
  const labels = list.map((d) => dayLabel(d.date, false));
  const names = list.map((d) => dayLabel(d.date, true));
  const o = shown.overview;
  /** @type {Record<string, () => Element>} */
  const draw = {
    chats: () =>
      charts.bars({
        width,
        labels,
        names,
        integers: true,
        format: formatCount,
        title: 'Chats opened and closed by day',
        description: list
          .map(
            (d) =>
              d.date + ': ' + count(d.figures.chatsOpened) + ' opened, ' + count(d.figures.chatsClosed) + ' closed',
          )
          .join('; '),
        series: [
          { name: 'opened', className: 'series-opened', values: list.map((d) => count(d.figures.chatsOpened)) },
          { name: 'closed', className: 'series-closed', values: list.map((d) => count(d.figures.chatsClosed)) },
        ],
      }),
    firstResponse: () => {
      const values = list.map((d) => {
        const median = d.figures.firstResponse && d.figures.firstResponse.median;
        return typeof median === 'number' ? median : null;
      });
      // An empty frame would read as "no data drawn": say why there is no line.
      if (values.every((v) => v === null)) return node('p', 'muted', 'No first reply in this range.');
      return charts.line({
        width,
        labels,
        names,
        values,
        format: formatDuration,
        tickFormat: formatTick,
        className: 'series-frt',
        durations: true,
        title: 'Median first response by day (business time)',
        description: list
          .map((d, i) => d.date + ': ' + (values[i] === null ? 'no reply' : formatDuration(values[i])))
          .join('; '),
      });
    },
    csat: () => {
      const values = ratings(o.csat && o.csat.distribution);
      return charts.bars({
        width,
        labels: ['1', '2', '3', '4', '5'],
        names: ['1 star', '2 stars', '3 stars', '4 stars', '5 stars'],
        integers: true,
        format: formatCount,
        title: 'Satisfaction ratings',
        description: values.map((n, i) => i + 1 + ': ' + n).join('; '),
        series: [{ name: 'ratings', className: 'series-csat', values }],
      });
    },
    messages: () => {
      const values = SENDERS.map(([key]) => count(o.messages && o.messages[key]));
      return charts.bars({
        width,
        labels: SENDERS.map(([, name]) => name),
        integers: true,
        format: formatCount,
        title: 'Messages by sender',
        description: SENDERS.map(([, name], i) => name + ': ' + values[i]).join('; '),
        series: [{ name: 'messages', className: 'series-messages', values }],
      });
    },
  };
  for (const box of boxes) {
    const drawn = draw[String(box.dataset.chart)];
    if (drawn) area(box).replaceChildren(drawn());
  }
  return width;
}

/**
 * @param {string} caption
 * @param {string[]} headings
 * @param {(string | Node)[][]} rows
 */
function table(caption, headings, rows) {
  const element = node('table', 'report-table');
  // The section's heading names the table on screen; the caption names it to a screen reader.
  element.append(node('caption', 'visually-hidden', caption));
  const head = node('tr');
  for (const heading of headings) {
    const cell = node('th', null, heading);
    cell.scope = 'col';
    head.append(cell);
  }
  const thead = node('thead');
  const tbody = node('tbody');
  element.append(thead, tbody);
  thead.append(head);
  for (const row of rows) {
    const tr = node('tr');
    row.forEach((value, i) => {
      const cell = i === 0 ? node('th', null) : node('td', null);
      if (i === 0) cell.scope = 'row';
      if (value instanceof window.Node) cell.append(value);
      else cell.textContent = String(value);
      tr.append(cell);
    });
    tbody.append(tr);
  }
  const box = node('div', 'table-scroll');
  box.tabIndex = 0;
  box.setAttribute('role', 'region');
  box.setAttribute('aria-label', caption);
  box.append(element);
  return box;
}

const FIGURE_HEADINGS = [
  'Opened',
  'Closed',
  'First response (median / p90)',
  'Resolution (median / p90)',
  'SLA met / breached',
  'CSAT',
];

/**
 * The figures of one row of a per-agent or per-label table, in FIGURE_HEADINGS' order.
 * @param {Loose} f
 */
function figureCells(f) {
  const frt = f.firstResponse || {};
  const res = f.resolution || {};
  const csat = f.csat || {};
  return [
    formatCount(f.chatsOpened),
    formatCount(f.chatsClosed),
    formatDuration(frt.median) + ' / ' + formatDuration(frt.p90),
    formatDuration(res.median) + ' / ' + formatDuration(res.p90),
    formatCount(f.sla && f.sla.met) + ' / ' + formatCount(f.sla && f.sla.breached),
    typeof csat.average === 'number' ? csat.average.toFixed(1) + ' (' + formatCount(csat.count) + ')' : '—',
  ];
}

/**
 * The items of a per-agent or per-label answer, whatever its key.
 * @param {Loose} body
 * @param {string} key
 * @returns {Loose[]}
 */
function itemsOf(body, key) {
  if (Array.isArray(body)) return body;
  if (body && Array.isArray(body[key])) return body[key];
  return [];
}

/** @param {Shown} shown */
function agentsTable(shown) {
  const rows = itemsOf(shown.agents, 'agents').map((a) => [
    // The chats nobody held (still waiting, or closed before anyone took them) come as a null agent.
    a.agentId === null || a.agentId === undefined ? 'Nobody' : a.name || 'Agent ' + a.agentId,
    ...figureCells(a),
  ]);
  if (rows.length === 0) return node('p', 'muted', 'No agent handled a chat in this range.');
  return table('By agent', ['Agent', ...FIGURE_HEADINGS], rows);
}

/** @param {Shown} shown */
function labelsTable(shown) {
  const rows = itemsOf(shown.labels, 'labels').map((l) => {
    const name = node('span', 'report-label', l.name || l.label || '');
    if (typeof l.color === 'string' && /^#[0-9a-f]{6}$/i.test(l.color)) {
      const chip = node('span', 'report-swatch');
      chip.setAttribute('aria-hidden', 'true');
      // A colour from the API is checked before it is used; the CSSOM is not an inline style attribute.
      chip.style.backgroundColor = l.color;
      name.prepend(chip);
    }
    return [name, ...figureCells(l)];
  });
  if (rows.length === 0) return node('p', 'muted', 'No labelled chat in this range.');
  return table('By label', ['Label', ...FIGURE_HEADINGS], rows);
}

/** @param {Shown} shown */
function daysTable(shown) {
  const rows = days(shown).map((d) => {
    const f = d.figures;
    return [
      dayLabel(d.date, true),
      formatCount(f.chatsOpened),
      formatCount(f.chatsClosed),
      formatDuration(f.firstResponse && f.firstResponse.median),
      formatDuration(f.resolution && f.resolution.median),
    ];
  });
  const box = node('details', 'report-days');
  box.append(
    node('summary', null, 'Figures by day'),
    table('By day', ['Day', 'Opened', 'Closed', 'First response (median)', 'Resolution (median)'], rows),
  );
  return box;
}

/**
 * Billable messages by category with their estimated cost (with a rate card), then priced ones by type.
 * @param {Shown} shown
 */
function billing(shown) {
  const types = shown.overview.pricingTypes || {};
  const typeRows = Object.keys(types)
    .sort()
    .map((type) => [type.replace(/_/g, ' '), formatCount(types[type])]);
  /** @type {HTMLElement[]} */
  const parts = [billingTable(shown)];
  if (typeRows.length > 0) parts.push(table('Priced messages by pricing type', ['Pricing type', 'Messages'], typeRows));
  const cost = shown.overview.cost;
  if (cost && count(cost.unpricedMessages) > 0)
    parts.push(
      node('p', 'muted', formatCount(cost.unpricedMessages) + ' billable messages have no price on the rate card.'),
    );
  return parts;
}

/** @param {Shown} shown */
function billingTable(shown) {
  const billable = shown.overview.billable || {};
  const cost = shown.overview.cost || null;
  const byCategory = (cost && cost.byCategory) || {};
  const categories = Object.keys(billable).sort();
  if (categories.length === 0) return node('p', 'muted', 'No billable message in this range.');
  const headings = ['Category', 'Billable messages'];
  if (cost) headings.push('Estimated cost (' + String(cost.currency || '') + ')');
  const rows = categories.map((category) => {
    const row = [category, formatCount(billable[category])];
    if (cost) row.push(formatMoney(byCategory[category], cost.currency));
    return row;
  });
  if (cost)
    rows.push([
      'Total',
      formatCount(categories.reduce((sum, c) => sum + count(billable[c]), 0)),
      formatMoney(cost.total, cost.currency),
    ]);
  return table('What WhatsApp bills', headings, rows);
}

/**
 * @param {string} title
 * @param {...Node} content
 */
function section(title, ...content) {
  const box = node('section', 'report-section');
  box.append(node('h3', null, title), ...content);
  return box;
}

/** Fills `body` with the report `shown`: `{ filters: { from, to }, overview, agents, labels }` as the API answered. */
/**
 * @param {HTMLElement} body
 * @param {Shown} shown
 */
function render(body, shown) {
  const grid = node('div', 'report-charts');
  grid.append(
    chartBox('chats', 'Chats by day', [
      ['series-opened', 'Opened'],
      ['series-closed', 'Closed'],
    ]),
    chartBox('firstResponse', 'First response by day (median, business time)'),
    chartBox('csat', 'Satisfaction ratings (1–5)'),
    chartBox('messages', 'Messages by sender'),
  );
  body.replaceChildren(
    headline(shown.overview),
    grid,
    daysTable(shown),
    section('Agents', agentsTable(shown)),
    section('Labels', labelsTable(shown)),
    section('Billable messages', ...billing(shown)),
  );
  body.hidden = false;
  return drawCharts(body, shown);
}

/**
 * A conversation's `billing` (its GET's) as one line: "WhatsApp billed 3 messages (utility 2,
 * marketing 1) · estimated $0.05"; hidden when it billed nothing.
 * @param {HTMLElement} element
 * @param {Loose | null | undefined} billing
 */
function renderBilling(element, billing) {
  const byCategory = (billing && billing.byCategory) || {};
  const categories = Object.keys(byCategory).sort();
  const total = categories.reduce((sum, c) => sum + count(byCategory[c]), 0);
  element.hidden = total === 0;
  if (total === 0) {
    element.textContent = '';
    return;
  }
  const cost = billing && billing.estimatedCost;
  element.textContent =
    'WhatsApp billed ' +
    formatCount(total) +
    (total === 1 ? ' message (' : ' messages (') +
    categories.map((c) => c + ' ' + formatCount(byCategory[c])).join(', ') +
    ')' +
    (cost ? ' · estimated ' + formatMoney(cost.amount, cost.currency) : '');
}

export { render, drawCharts, renderBilling, formatDuration, addDays, dayLabel };
