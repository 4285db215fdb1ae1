// @ts-check
// What the Reports view shows of a report (console-reports.js loads it): the headline figures, the
// charts (drawn by console-charts.js) and the tables (console-report-tables.js); and a conversation's
// billing line. Every value goes into the page as text. Times are seconds of business time.
import { node } from './console-dom.js';
import * as charts from './console-charts.js';
import {
  SENDERS,
  count,
  dayLabel,
  days,
  formatCount,
  formatDuration,
  formatMoney,
  formatTick,
  ratings,
  slaShare,
} from './console-report-figures.js';
import { agentsTable, billing, daysTable, labelsTable } from './console-report-tables.js';

/** @typedef {import('./console-report-figures.js').Loose} Loose */
/** @typedef {import('./console-report-figures.js').Shown} Shown */

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

export { render, drawCharts, renderBilling };
