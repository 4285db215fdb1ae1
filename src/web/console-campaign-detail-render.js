// @ts-check
// The figures of one campaign's page (console-campaign-detail.js): its status, what it sends and how
// fast, its progress, the delivery funnel, its other outcomes and its failures by WhatsApp code. Pure
// functions of the campaign's answer; built with node(): data is only ever text.
import { node } from './console-dom.js';
import { count, formatTime, progressBar, progressOf, sum } from './console-campaign-parts.js';
import { RECIPIENT_STATUSES } from './facts.js';

/** @typedef {import('./api-types').CampaignAnswer} CampaignAnswer */
/** A campaign's recipients by status. @typedef {Partial<Record<string, number>> | null | undefined} Counts */
/** @typedef {import('./console-campaign-parts.js').RecipientStatus} RecipientStatus */

// A recipient's status is the furthest it got, so each funnel step counts those at it or beyond.
/** @type {[RecipientStatus, string, readonly RecipientStatus[]][]} */
const FUNNEL = [
  ['queued', 'Queued', RECIPIENT_STATUSES],
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
 * The page's frame for a campaign: its title (focusable), the boxes its figures and controls go in,
 * and the line that says how a control went.
 * @param {CampaignAnswer} campaign
 */
export function detailFrame(campaign) {
  const title = node('h3', null, campaign.name);
  title.id = 'campaign-detail-title';
  title.tabIndex = -1;
  const result = node('p', 'result campaign-result');
  result.setAttribute('role', 'status');
  result.setAttribute('aria-live', 'polite');
  return [title, node('div', 'campaign-figures-box'), node('div', 'campaign-controls-box'), result];
}

/**
 * Everything the page says of the campaign, redrawn at each poll.
 * @param {CampaignAnswer} campaign
 */
export function figures(campaign) {
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
  return [
    status,
    facts,
    progress,
    funnel(campaign.counts),
    outcomes(campaign),
    failures(campaign.failuresByCode || {}),
  ];
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
    const figure = node('span', 'campaign-outcome', status + ': ' + count(campaign.counts && campaign.counts[status]));
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
