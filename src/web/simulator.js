// The sandbox simulator: a person chats with the bot as a WhatsApp user. What they type or tap goes
// to POST /sandbox/messages, which hands a signed, Meta-shaped webhook to the product; the bot's
// replies are read back from the emulator's outbox (GET /sandbox/sends) by polling. Every text is
// put into the page as text (textContent), never as markup.
(function () {
  'use strict';

  const USER_KEY = 'edubot.simulator.user';
  const POLL_MS = 700;
  const POLL_HIDDEN_MS = 3000;

  const $ = (id) => document.getElementById(id);
  const ui = {
    identity: $('identity'),
    changeUser: $('change-user'),
    setupView: $('setup-view'),
    setupForm: $('setup-form'),
    phone: $('phone'),
    name: $('name'),
    setupError: $('setup-error'),
    chatView: $('chat-view'),
    thread: $('thread'),
    chatError: $('chat-error'),
    composer: $('composer'),
    text: $('text'),
    sheet: $('list-sheet'),
    sheetTitle: $('sheet-title'),
    sheetSections: $('sheet-sections'),
    sheetClose: $('sheet-close'),
  };

  let user = null;
  let seen = new Set();
  let pollTimer = null;
  let session = 0;

  function node(tag, className, text) {
    const element = document.createElement(tag);
    if (className) element.className = className;
    if (text !== undefined && text !== null) element.textContent = String(text);
    return element;
  }

  /** WhatsApp's *bold*, as text nodes and <strong> elements: never parsed as HTML. */
  function formatted(tag, className, text) {
    const element = node(tag, className);
    const parts = String(text).split(/\*([^*\n]+)\*/);
    parts.forEach((part, i) => {
      if (part === '') return;
      element.append(i % 2 === 1 ? node('strong', '', part) : document.createTextNode(part));
    });
    return element;
  }

  function clock(at) {
    return new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  }

  function atBottom() {
    const t = ui.thread;
    return t.scrollHeight - t.scrollTop - t.clientHeight < 60;
  }

  function append(element, force) {
    const stick = force || atBottom();
    ui.thread.append(element);
    if (stick) ui.thread.scrollTop = ui.thread.scrollHeight;
  }

  // ---- who is chatting ----

  function loadUser() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(USER_KEY) || 'null');
      if (saved && typeof saved.phone === 'string' && typeof saved.name === 'string') return saved;
    } catch {
      // A damaged entry is as good as none.
    }
    return null;
  }

  ui.setupForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const phone = ui.phone.value.replace(/\D/g, '');
    const name = ui.name.value.trim();
    if (phone.length < 8 || phone.length > 15) {
      ui.setupError.textContent = 'A phone number has 8 to 15 digits, country code included.';
      return;
    }
    if (name === '') {
      ui.setupError.textContent = 'Enter the display name the bot will see.';
      return;
    }
    ui.setupError.textContent = '';
    user = { phone, name };
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
    void startChat();
  });

  ui.changeUser.addEventListener('click', () => {
    stopPolling();
    session += 1;
    user = null;
    sessionStorage.removeItem(USER_KEY);
    ui.chatView.hidden = true;
    ui.changeUser.hidden = true;
    ui.setupView.hidden = false;
    ui.identity.textContent = 'Sandbox: messages go to the local WhatsApp emulator';
    ui.phone.focus();
  });

  async function startChat() {
    session += 1;
    const current = session;
    seen = new Set();
    ui.thread.replaceChildren();
    ui.chatError.textContent = '';
    ui.setupView.hidden = true;
    ui.chatView.hidden = false;
    ui.changeUser.hidden = false;
    ui.identity.textContent = user.name + ' · +' + user.phone;
    ui.phone.value = user.phone;
    ui.name.value = user.name;
    // What the bot already sent this number (a reload, or a number used before) is shown first.
    const earlier = await fetchSends();
    if (current !== session) return;
    if (earlier && earlier.length > 0) {
      append(node('li', 'divider', 'Earlier messages from the bot to this number'), true);
      earlier.forEach((send) => showSend(send));
      append(node('li', 'divider', 'Now'), true);
    }
    ui.text.focus();
    schedulePoll(current);
  }

  // ---- the bot's side: polling the emulator's outbox ----

  async function fetchSends() {
    try {
      const response = await fetch('/sandbox/sends?to=' + encodeURIComponent(user.phone), { cache: 'no-store' });
      if (!response.ok) {
        ui.chatError.textContent = 'Could not read the bot’s replies: HTTP ' + response.status;
        return null;
      }
      const body = await response.json();
      if (ui.chatError.dataset.source === 'poll') ui.chatError.textContent = '';
      return body.sends;
    } catch (err) {
      ui.chatError.textContent = 'Could not read the bot’s replies: ' + String((err && err.message) || err);
      ui.chatError.dataset.source = 'poll';
      return null;
    }
  }

  function schedulePoll(current) {
    stopPolling();
    pollTimer = setTimeout(() => void poll(current), document.hidden ? POLL_HIDDEN_MS : POLL_MS);
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = null;
  }

  async function poll(current) {
    const sends = await fetchSends();
    if (current !== session) return;
    if (sends) {
      for (const send of sends) if (!seen.has(send.waMessageId)) showSend(send);
    }
    schedulePoll(current);
  }

  function showSend(send) {
    seen.add(send.waMessageId);
    const content = send.content || {};
    const item = node('li', 'row row-in');
    item.dataset.waMessageId = send.waMessageId;
    const bubble = node('div', 'bubble bubble-in');
    if (content.header) bubble.append(node('p', 'bubble-header', content.header));
    // A template arrives as WhatsApp shows it: header, body and footer with its values filled in.
    const text =
      content.kind === 'text'
        ? content.text
        : content.kind === 'template'
          ? content.rendered
          : content.kind === 'media'
            ? mediaLine(content)
            : content.body;
    bubble.append(formatted('p', 'bubble-text', text === undefined ? '' : text));
    if (content.footer) bubble.append(node('p', 'bubble-footer', content.footer));
    bubble.append(node('span', 'bubble-time', clock(send.at)));
    item.append(bubble);

    if (content.kind === 'buttons' && Array.isArray(content.buttons)) {
      const buttons = node('div', 'reply-buttons');
      for (const b of content.buttons) {
        const button = node('button', 'reply-button', b.title);
        button.type = 'button';
        button.dataset.id = b.id;
        button.addEventListener(
          'click',
          () => void sendReply({ kind: 'button', id: b.id, title: b.title }, send.waMessageId),
        );
        buttons.append(button);
      }
      item.append(buttons);
    } else if (content.kind === 'list' && Array.isArray(content.sections)) {
      const open = node('button', 'reply-button list-button', '☰ ' + content.button);
      open.type = 'button';
      open.setAttribute('aria-haspopup', 'dialog');
      open.addEventListener('click', () => openSheet(content, send.waMessageId));
      const wrap = node('div', 'reply-buttons');
      wrap.append(open);
      item.append(wrap);
    }
    append(item);
  }

  // An agent's attachment, as a line naming it: the simulator shows no file itself.
  function mediaLine(content) {
    const name = content.filename ? `${content.mediaType}: ${content.filename}` : content.mediaType;
    return `📎 [${name}]` + (content.caption ? `\n${content.caption}` : '');
  }

  // ---- list messages: the sheet of rows ----

  function openSheet(content, contextId) {
    ui.sheetTitle.textContent = content.button;
    const sections = content.sections.map((section) => {
      const group = node('section', 'sheet-section');
      if (section.title) group.append(node('h3', 'section-title', section.title));
      const rows = node('ul', 'sheet-rows');
      for (const row of section.rows || []) {
        const item = node('li');
        const button = node('button', 'sheet-row');
        button.type = 'button';
        button.dataset.id = row.id;
        button.append(node('span', 'row-title', row.title));
        if (row.description) button.append(node('span', 'row-description', row.description));
        button.addEventListener('click', () => {
          ui.sheet.close();
          void sendReply({ kind: 'list', id: row.id, title: row.title }, contextId);
        });
        item.append(button);
        rows.append(item);
      }
      group.append(rows);
      return group;
    });
    ui.sheetSections.replaceChildren(...sections);
    ui.sheet.showModal();
    const first = ui.sheetSections.querySelector('button');
    if (first) first.focus();
  }

  ui.sheetClose.addEventListener('click', () => ui.sheet.close());
  // A click on the backdrop (the dialog element itself, outside its content) closes it, as in WhatsApp.
  ui.sheet.addEventListener('click', (event) => {
    if (event.target === ui.sheet) ui.sheet.close();
  });

  // ---- the user's side ----

  function showOwn(text) {
    const item = node('li', 'row row-out');
    const bubble = node('div', 'bubble bubble-out');
    bubble.append(node('p', 'bubble-text', text));
    const meta = node('span', 'bubble-time', clock(Date.now()) + ' · sending…');
    bubble.append(meta);
    item.append(bubble);
    append(item, true);
    return {
      delivered() {
        meta.textContent = clock(Date.now()) + ' ✓';
        meta.title = 'Accepted by the webhook';
      },
      failed(reason) {
        item.classList.add('row-failed');
        meta.textContent = 'not delivered';
        bubble.append(node('p', 'bubble-error', reason));
      },
    };
  }

  async function post(payload, shownText) {
    const current = session;
    const bubble = showOwn(shownText);
    let response;
    let body;
    try {
      response = await fetch('/sandbox/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(payload),
        cache: 'no-store',
      });
      try {
        body = await response.json();
      } catch {
        body = null;
      }
    } catch (err) {
      bubble.failed('No answer from the server: ' + String((err && err.message) || err));
      return;
    }
    if (current !== session) return;
    if (response.status === 200) {
      bubble.delivered();
      // Look for the reply soon rather than at the next tick.
      schedulePoll(current);
      return;
    }
    const error = body && body.error;
    bubble.failed('HTTP ' + response.status + (error ? ' ' + error.code + ': ' + error.message : ''));
  }

  function sendReply(reply, contextId) {
    if (!user) return;
    return post({ from: user.phone, name: user.name, reply, context: contextId }, reply.title);
  }

  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!user) return;
    const text = ui.text.value;
    if (text.trim() === '') return;
    ui.text.value = '';
    void post({ from: user.phone, name: user.name, text }, text);
  });

  document.addEventListener('visibilitychange', () => {
    if (user && !document.hidden) schedulePoll(session);
  });

  user = loadUser();
  if (user) void startChat();
  else ui.phone.focus();
})();
