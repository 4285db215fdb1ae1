// The console's Campaigns view, admins only (SPEC §13): the campaigns with their status and progress;
// a new campaign (name, approved template, each parameter from the profile or a constant, audience,
// start, rate, daily cap) previewed — how many students, and the text one of them would read — before
// it can start; and one campaign's detail, kept live while it runs: progress, the delivery funnel,
// failures by WhatsApp code, pause/resume/cancel and the recipients' CSV. Built with node(): data is
// only ever text.
(function (root) {
  'use strict';

  const { node } = root.EduBotDom;
  const POLL_MS = 2000;
  const LIST_POLL_MS = 5000;
  const COUNTS = ['queued', 'sent', 'delivered', 'read', 'failed', 'capped', 'skipped', 'replied'];
  // A recipient's status is the furthest it got, so each funnel step counts those at it or beyond.
  const FUNNEL = [
    ['queued', 'Queued', ['queued', 'sent', 'delivered', 'read', 'replied', 'failed', 'capped', 'skipped']],
    ['sent', 'Sent', ['sent', 'delivered', 'read', 'replied']],
    ['delivered', 'Delivered', ['delivered', 'read', 'replied']],
    ['read', 'Read', ['read', 'replied']],
    ['replied', 'Replied', ['replied']],
  ];
  const FIELDS = [
    ['{first_name}', 'First name'],
    ['{full_name}', 'Full name'],
    ['{class}', 'Class'],
    ['', 'Constant…'],
  ];
  // What WhatsApp's codes mean, for the failures table (reference: whatsapp-cloud-api.md).
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

  const count = (n) => (typeof n === 'number' && Number.isFinite(n) ? n : 0);
  const sum = (counts, statuses) => statuses.reduce((total, s) => total + count(counts && counts[s]), 0);

  /**
   * Recipients finished with, one way or another (every status but queued), of all of them; a
   * campaign that has not taken its audience yet counts its expected recipients, none done.
   */
  function progressOf(campaign) {
    const done = sum(
      campaign.counts,
      COUNTS.filter((s) => s !== 'queued'),
    );
    const total = Math.max(count(campaign.recipients), sum(campaign.counts, COUNTS));
    return { done, total };
  }

  function formatTime(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime())
      ? ''
      : date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' });
  }

  /** A labelled form control in a `.field` box; `hint` goes under it and is read with it. */
  function field(id, labelText, control, hint) {
    const box = node('div', 'field');
    control.id = id;
    const label = node('label', null, labelText);
    label.htmlFor = id;
    box.append(label, control);
    if (hint) {
      const help = node('span', 'muted hint', hint);
      help.id = id + '-hint';
      control.setAttribute('aria-describedby', help.id);
      box.append(help);
    }
    return box;
  }

  function input(type, attributes) {
    const element = document.createElement('input');
    element.type = type;
    for (const [name, value] of Object.entries(attributes || {})) element.setAttribute(name, value);
    return element;
  }

  function option(value, text) {
    const element = node('option', null, text);
    element.value = value;
    return element;
  }

  function select(options) {
    const element = document.createElement('select');
    for (const [value, text] of options) element.append(option(value, text));
    return element;
  }

  function button(text, className) {
    const element = node('button', className || null, text);
    element.type = 'button';
    return element;
  }

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
   */
  function create({ api, fetchBlob, describeFailure }) {
    const view = document.getElementById('campaigns-view');
    const tab = document.querySelector('[data-view="campaigns-view"]');
    let templates = [];
    let listTimer = null;
    let detailTimer = null;
    let detailId = null;
    let nextCursor = null;
    /** The body of the last successful preview; starting needs one of the form as it is now. */
    let previewed = null;

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

    const form = buildForm();
    const detail = node('section', 'campaign-detail');
    detail.id = 'campaign-detail';
    detail.hidden = true;
    detail.setAttribute('aria-labelledby', 'campaign-detail-title');
    view.append(head, form.element, listSection, detail);

    newButton.addEventListener('click', () => void openForm());
    refreshButton.addEventListener('click', () => void loadList());
    moreButton.addEventListener('click', () => void loadList(nextCursor));

    // ---- the list ----

    async function loadList(cursor) {
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

    // ---- a new campaign ----

    function buildForm() {
      const element = node('form', 'campaign-form');
      element.id = 'campaign-form';
      element.hidden = true;
      element.setAttribute('aria-labelledby', 'campaign-form-title');
      element.autocomplete = 'off';
      const title = node('h3', null, 'New campaign');
      title.id = 'campaign-form-title';

      const name = input('text', { maxlength: '200', required: '', spellcheck: 'false' });
      const template = select([['', 'Choose a template…']]);
      template.required = true;
      const templateText = node('p', 'muted campaign-template-text');
      const parameters = node('fieldset', 'campaign-parameters');
      parameters.append(node('legend', null, 'Parameters'));
      parameters.hidden = true;

      const audience = node('fieldset', 'campaign-audience');
      audience.append(node('legend', null, 'Audience (students matching every filter given)'));
      const registered = input('checkbox');
      const registeredBox = node('div', 'field check');
      registered.id = 'campaign-registered';
      const registeredLabel = node('label', null, 'Registered students');
      registeredLabel.htmlFor = registered.id;
      registeredBox.append(registered, registeredLabel);
      const className = input('text', { maxlength: '100', spellcheck: 'false' });
      const label = select([['', 'Any label']]);
      const contacts = document.createElement('textarea');
      contacts.rows = 2;
      contacts.spellcheck = false;
      const active = input('number', { min: '1', max: '3650', step: '1', inputmode: 'numeric' });
      audience.append(
        registeredBox,
        field('campaign-class', 'Class', className),
        field('campaign-label', 'Label', label),
        field('campaign-contacts', 'Contact ids', contacts, 'ct_… ids, separated by spaces, commas or lines'),
        field('campaign-active', 'Active within (days)', active),
      );
      const ignoreOptOut = input('checkbox');
      ignoreOptOut.id = 'campaign-ignore-opt-out';
      const ignoreBox = node('div', 'field check');
      const ignoreLabel = node('label', null, 'Include students who wrote STOP (a utility reminder only)');
      ignoreLabel.htmlFor = ignoreOptOut.id;
      ignoreBox.append(ignoreOptOut, ignoreLabel);
      ignoreBox.hidden = true;
      audience.append(ignoreBox);

      const timing = node('fieldset', 'campaign-timing');
      timing.append(node('legend', null, 'Sending'));
      const startAt = input('datetime-local');
      const rate = input('number', { min: '1', step: '1', inputmode: 'numeric', value: '20' });
      const dailyCap = input('number', { min: '1', step: '1', inputmode: 'numeric' });
      timing.append(
        field('campaign-start-at', 'Start at', startAt, 'empty: now'),
        field('campaign-rate', 'Messages per second', rate),
        field('campaign-daily-cap', 'Daily cap', dailyCap, 'empty: none'),
      );

      const previewButton = button('Preview', 'secondary');
      previewButton.id = 'campaign-preview';
      const startButton = node('button', null, 'Start campaign');
      startButton.type = 'submit';
      startButton.id = 'campaign-start';
      startButton.disabled = true;
      const cancelButton = button('Close', 'secondary');
      const actions = node('div', 'actions');
      actions.append(previewButton, startButton, cancelButton);
      const preview = node('div', 'campaign-preview');
      preview.id = 'campaign-preview-result';
      preview.setAttribute('role', 'status');
      preview.setAttribute('aria-live', 'polite');
      const error = node('p', 'error');
      error.setAttribute('role', 'alert');

      element.append(
        title,
        field('campaign-name', 'Name', name),
        field('campaign-template', 'Template', template),
        templateText,
        parameters,
        audience,
        timing,
        actions,
        preview,
        error,
      );
      return {
        element,
        name,
        template,
        templateText,
        parameters,
        registered,
        className,
        label,
        contacts,
        active,
        ignoreOptOut,
        ignoreBox,
        startAt,
        rate,
        dailyCap,
        previewButton,
        startButton,
        cancelButton,
        preview,
        error,
      };
    }

    const chosenTemplate = () => templates.find((t) => t.name + '\n' + t.language === form.template.value);

    function renderParameters() {
      const chosen = chosenTemplate();
      form.parameters.replaceChildren(node('legend', null, 'Parameters'));
      form.parameters.hidden = !chosen || chosen.parameters.length === 0;
      form.templateText.textContent = chosen ? chosen.text : '';
      form.ignoreBox.hidden = !chosen || String(chosen.category).toUpperCase() !== 'UTILITY';
      if (form.ignoreBox.hidden) form.ignoreOptOut.checked = false;
      if (!chosen) return;
      chosen.parameters.forEach((parameter, i) => {
        const source = select(FIELDS);
        const constant = input('text', { maxlength: '1024', spellcheck: 'false' });
        constant.hidden = true;
        constant.setAttribute('aria-label', 'Constant for {{' + (parameter.name || parameter.position) + '}}');
        if (parameter.example) constant.placeholder = parameter.example;
        source.addEventListener('change', () => {
          constant.hidden = source.value !== '';
          if (!constant.hidden) constant.focus();
        });
        const box = field('campaign-parameter-' + i, 'Value of {{' + parameter.key + '}}', source);
        box.dataset.key = parameter.key;
        box.append(constant);
        form.parameters.append(box);
      });
    }

    /** The request the form describes, or the first thing wrong with it. */
    function readForm() {
      const chosen = chosenTemplate();
      if (!form.name.value.trim()) return { problem: 'Give the campaign a name.' };
      if (!chosen) return { problem: 'Choose a template.' };
      const parameters = {};
      for (const box of form.parameters.querySelectorAll('[data-key]')) {
        const source = box.querySelector('select').value;
        const constant = box.querySelector('input').value;
        if (source === '' && constant.trim() === '') return { problem: 'Give {{' + box.dataset.key + '}} a value.' };
        parameters[box.dataset.key] = source === '' ? constant : source;
      }
      const audience = {};
      if (form.registered.checked) audience.registered = true;
      if (form.className.value.trim()) audience.class = form.className.value.trim();
      if (form.label.value) audience.label = form.label.value;
      const ids = form.contacts.value.split(/[\s,]+/).filter(Boolean);
      if (ids.length > 0) audience.contacts = ids;
      if (form.active.value) audience.activeWithinDays = Number(form.active.value);
      if (Object.keys(audience).length === 0) return { problem: 'Choose who gets it: at least one audience filter.' };
      const body = {
        name: form.name.value.trim(),
        template: { name: chosen.name, language: chosen.language, parameters },
        audience,
      };
      if (form.startAt.value) {
        const at = new Date(form.startAt.value);
        if (Number.isNaN(at.getTime())) return { problem: 'The start time is not a date.' };
        body.startAt = at.toISOString();
      }
      if (form.rate.value) body.ratePerSecond = Number(form.rate.value);
      if (form.dailyCap.value) body.dailyCap = Number(form.dailyCap.value);
      if (form.ignoreOptOut.checked) body.ignoreOptOut = true;
      return { body };
    }

    /** Any change to the form makes the preview stale: it must be looked at again before starting. */
    function forgetPreview() {
      previewed = null;
      form.startButton.disabled = true;
      form.preview.replaceChildren();
    }

    async function openForm() {
      form.element.hidden = false;
      form.error.textContent = '';
      form.name.focus();
      const [listed, labels] = await Promise.all([api('GET', '/api/admin/templates'), api('GET', '/api/admin/labels')]);
      if (listed.status !== 200) {
        form.error.textContent = 'Could not load the templates: ' + describeFailure(listed);
        return;
      }
      templates = listed.body.templates;
      const current = form.template.value;
      form.template.replaceChildren(option('', 'Choose a template…'));
      for (const t of templates) {
        const text = t.name + ' (' + t.language + ', ' + String(t.category).toLowerCase() + ')';
        form.template.append(option(t.name + '\n' + t.language, text));
      }
      form.template.value = current;
      if (labels.status === 200 && Array.isArray(labels.body.labels)) {
        const chosen = form.label.value;
        form.label.replaceChildren(option('', 'Any label'));
        for (const l of labels.body.labels) form.label.append(option(l.name, l.name));
        form.label.value = chosen;
      }
      renderParameters();
    }

    form.template.addEventListener('change', renderParameters);
    form.element.addEventListener('input', forgetPreview);
    form.element.addEventListener('change', forgetPreview);
    form.cancelButton.addEventListener('click', () => {
      form.element.hidden = true;
      newButton.focus();
    });

    form.previewButton.addEventListener('click', async () => {
      const read = readForm();
      form.error.textContent = read.problem || '';
      if (read.problem) return;
      form.previewButton.disabled = true;
      const res = await api('POST', '/api/admin/campaigns', Object.assign({}, read.body, { preview: true }));
      form.previewButton.disabled = false;
      if (res.status !== 200) {
        form.error.textContent = 'No preview: ' + describeFailure(res);
        return;
      }
      const recipients = count(res.body.recipients);
      const lines = [node('p', 'campaign-recipients', recipients + (recipients === 1 ? ' student' : ' students'))];
      if (res.body.sample) {
        lines.push(node('p', 'muted', 'What ' + res.body.sample.contactId + ' would read:'));
        lines.push(node('blockquote', 'campaign-sample', res.body.sample.text));
      } else {
        lines.push(node('p', 'muted', 'No student of this audience has what the parameters ask for.'));
      }
      form.preview.replaceChildren(...lines);
      previewed = JSON.stringify(read.body);
      form.startButton.disabled = recipients === 0;
    });

    form.element.addEventListener('submit', async (event) => {
      event.preventDefault();
      const read = readForm();
      if (read.problem || previewed !== JSON.stringify(read.body)) {
        form.error.textContent = read.problem || 'Preview the campaign as it is now before starting it.';
        return;
      }
      form.startButton.disabled = true;
      const res = await api('POST', '/api/admin/campaigns', read.body);
      if (res.status !== 201) {
        form.startButton.disabled = false;
        form.error.textContent = 'Not started: ' + describeFailure(res);
        return;
      }
      form.element.reset();
      forgetPreview();
      renderParameters();
      form.element.hidden = true;
      await loadList();
      await openDetail(res.body.id);
    });

    // ---- one campaign ----

    async function openDetail(id) {
      detailId = id;
      for (const b of list.querySelectorAll('.campaign-open')) b.removeAttribute('aria-current');
      const current = list.querySelector('[data-campaign-id="' + CSS.escape(id) + '"] .campaign-open');
      if (current) current.setAttribute('aria-current', 'true');
      detail.hidden = false;
      await loadDetail(true);
    }

    async function loadDetail(focus) {
      clearTimeout(detailTimer);
      const id = detailId;
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
      if (focus) detail.querySelector('h3').focus();
      if (ACTIVE.includes(res.body.status))
        detailTimer = setTimeout(() => {
          if (!view.hidden && !detail.hidden && detailId === id) void loadDetail(false);
        }, POLL_MS);
    }

    /**
     * Shows a campaign. Polling renders it every few seconds: only its figures are replaced, and its
     * buttons only when its status changed, so focus and a question being asked stay where they are.
     */
    function renderDetail(campaign) {
      if (detail.dataset.campaignId !== campaign.id) {
        const title = node('h3', null, campaign.name);
        title.id = 'campaign-detail-title';
        title.tabIndex = -1;
        const result = node('p', 'result campaign-result');
        result.setAttribute('role', 'status');
        result.setAttribute('aria-live', 'polite');
        detail.replaceChildren(
          title,
          node('div', 'campaign-figures-box'),
          node('div', 'campaign-controls-box'),
          result,
        );
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
      detail
        .querySelector('.campaign-figures-box')
        .replaceChildren(
          status,
          facts,
          progress,
          funnel(campaign.counts),
          outcomes(campaign),
          failures(campaign.failuresByCode || {}),
        );
      if (detail.dataset.status !== campaign.status) {
        detail.querySelector('.campaign-controls-box').replaceChildren(controls(campaign));
        detail.dataset.status = campaign.status;
      }
    }

    function funnel(counts) {
      const box = node('section', 'campaign-funnel');
      box.setAttribute('aria-label', 'Delivery funnel');
      const top = Math.max(sum(counts, FUNNEL[0][2]), 1);
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

    function outcomes(campaign) {
      const line = node('p', 'campaign-outcomes');
      for (const status of ['failed', 'capped', 'skipped']) {
        const figure = node('span', 'campaign-outcome', status + ': ' + count(campaign.counts[status]));
        figure.dataset.status = status;
        line.append(figure);
      }
      return line;
    }

    function failures(byCode) {
      const box = node('section', 'campaign-failures');
      box.append(node('h4', null, 'Failures by code'));
      const codes = Object.keys(byCode).sort((a, b) => byCode[b] - byCode[a]);
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
        row.append(
          node('td', null, code),
          node('td', null, CODES[code] || '—'),
          node('td', null, String(byCode[code])),
        );
        table.append(row);
      }
      box.append(table);
      return box;
    }

    /** "Cancel …? Yes / Keep it" in place of the controls; Yes runs `cancel`. */
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
        box.querySelector('#campaign-cancel').focus();
      });
      yes.addEventListener('click', () => {
        ask.remove();
        box.hidden = false;
        void cancel();
      });
    }

    function controls(campaign) {
      const box = node('div', 'actions campaign-controls');
      const result = detail.querySelector('.campaign-result');
      const actions = [];
      if (campaign.status === 'running' || campaign.status === 'scheduled') actions.push(['pause', 'Pause']);
      if (campaign.status === 'paused') actions.push(['resume', 'Resume']);
      if (ACTIVE.includes(campaign.status)) actions.push(['cancel', 'Cancel campaign']);
      for (const [action, text] of actions) {
        const b = button(text, action === 'cancel' ? 'secondary danger' : 'secondary');
        b.id = 'campaign-' + action;
        const run = async () => {
          b.disabled = true;
          const res = await api('POST', '/api/admin/campaigns/' + encodeURIComponent(campaign.id) + '/' + action);
          b.disabled = false;
          result.textContent = res.status === 200 ? 'Now ' + res.body.status + '.' : describeFailure(res);
          result.className = 'result campaign-result ' + (res.status === 200 ? 'ok' : 'error');
          if (res.status !== 200) return;
          await loadDetail(false);
          const after = detail.querySelector('.campaign-controls button') || detail.querySelector('h3');
          after.focus();
          void loadList();
        };
        // Cancelling cannot be undone: it asks once more, in the page (a dialog would stop the polling).
        b.addEventListener('click', () => (action === 'cancel' ? confirmCancel(box, campaign, run) : void run()));
        box.append(b);
      }
      const csv = button('Download recipients (CSV)', 'secondary');
      csv.addEventListener('click', async () => {
        const got = await fetchBlob('/api/admin/campaigns/' + encodeURIComponent(campaign.id) + '/recipients.csv');
        if (got.failure) {
          result.textContent = 'Not downloaded: ' + got.failure;
          result.className = 'result campaign-result error';
          return;
        }
        const url = root.URL.createObjectURL(got.blob);
        const link = node('a');
        link.href = url;
        link.download = campaign.id + '-recipients.csv';
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => root.URL.revokeObjectURL(url), 10_000);
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
      setAdmin(admin) {
        if (tab) tab.hidden = !admin;
      },
    };
  }

  root.EduBotCampaigns = { create, progressOf };
})(window);
