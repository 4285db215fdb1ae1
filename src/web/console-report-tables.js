// @ts-check
// The Reports view's tables: by day, per agent, per label, and what WhatsApp bills. Every value goes
// into the page as text; a label's colour only through the CSSOM, once checked.
import { node } from './console-dom.js';
import { count, dayLabel, days, formatCount, formatDuration, formatMoney } from './console-report-figures.js';

/** @typedef {import('./console-report-figures.js').Loose} Loose */
/** @typedef {import('./console-report-figures.js').Shown} Shown */

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

export { agentsTable, labelsTable, daysTable, billing };
