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
    kindPhone: $('kind-phone'),
    kindUsername: $('kind-username'),
    phoneFields: $('phone-fields'),
    usernameFields: $('username-fields'),
    phone: $('phone'),
    username: $('username'),
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
    account: $('account'),
    changeNumberForm: $('change-number-form'),
    newPhone: $('new-phone'),
    changeUserId: $('change-user-id'),
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
      if (
        saved &&
        typeof saved.name === 'string' &&
        (typeof saved.phone === 'string' || typeof saved.userId === 'string')
      )
        return Object.assign({ phone: null, userId: null, username: null, past: [] }, saved);
    } catch {
      // A damaged entry is as good as none.
    }
    return null;
  }

  /**
   * A new business-scoped user id, as WhatsApp makes one for each user of a business: a country, a
   * period, 20 digits.
   */
  function newUserId() {
    const digits = Array.from(window.crypto.getRandomValues(new Uint8Array(20)), (b) => String(b % 10)).join('');
    return 'US.' + (digits[0] === '0' ? '1' + digits.slice(1) : digits);
  }

  const USERNAME = /^(?=[a-z0-9._]*[a-z])[a-z0-9._]{3,35}$/;

  function phoneDigits(text) {
    const digits = text.replace(/\D/g, '');
    return digits.length >= 8 && digits.length <= 15 ? digits : null;
  }

  function usernameMode() {
    return ui.kindUsername.checked;
  }

  function renderKind() {
    ui.phoneFields.hidden = usernameMode();
    ui.usernameFields.hidden = !usernameMode();
  }
  ui.kindPhone.addEventListener('change', renderKind);
  ui.kindUsername.addEventListener('change', renderKind);

  ui.setupForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const name = ui.name.value.trim();
    let next;
    if (usernameMode()) {
      const username = ui.username.value.trim().replace(/^@/, '').toLowerCase();
      if (!USERNAME.test(username)) {
        ui.setupError.textContent = 'A username has 3 to 35 of a–z, 0–9, . and _, with at least one letter.';
        return;
      }
      // WhatsApp hides a username user's number: the bot knows them by a business-scoped user id only.
      next = { phone: null, userId: newUserId(), username, name, past: [] };
    } else {
      const phone = phoneDigits(ui.phone.value);
      if (phone === null) {
        ui.setupError.textContent = 'A phone number has 8 to 15 digits, country code included.';
        return;
      }
      next = { phone, userId: null, username: null, name, past: [] };
    }
    if (name === '') {
      ui.setupError.textContent = 'Enter the display name the bot will see.';
      return;
    }
    ui.setupError.textContent = '';
    user = next;
    saveUser();
    void startChat();
  });

  function saveUser() {
    sessionStorage.setItem(USER_KEY, JSON.stringify(user));
  }

  /** "Ada · @ada.l · number hidden", or "Ada · +15550001111". */
  function identityText() {
    return [user.name, user.username ? '@' + user.username : null, user.phone ? '+' + user.phone : 'number hidden']
      .filter(Boolean)
      .join(' · ');
  }

  /** Who writes, as /sandbox/messages takes it. */
  function sender() {
    return Object.assign(
      { name: user.name },
      user.phone ? { from: user.phone } : {},
      user.userId ? { userId: user.userId } : {},
      user.username ? { username: user.username } : {},
    );
  }

  /** Every address the bot may have written this user at: phone or BSUID, now and before a change. */
  function addresses() {
    return [user.phone, user.userId, ...(user.past || [])].filter(Boolean);
  }

  ui.changeUser.addEventListener('click', () => {
    stopPolling();
    session += 1;
    user = null;
    sessionStorage.removeItem(USER_KEY);
    ui.chatView.hidden = true;
    ui.changeUser.hidden = true;
    ui.setupView.hidden = false;
    ui.identity.textContent = 'Sandbox: messages go to the local WhatsApp emulator';
    if (usernameMode()) ui.username.focus();
    else ui.phone.focus();
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
    ui.identity.textContent = identityText();
    ui.kindUsername.checked = !user.phone && Boolean(user.username);
    ui.kindPhone.checked = !ui.kindUsername.checked;
    renderKind();
    ui.phone.value = user.phone || '';
    ui.username.value = user.username || '';
    ui.name.value = user.name;
    // What the bot already sent this number (a reload, or a number used before) is shown first.
    const earlier = await fetchSends();
    if (current !== session) return;
    if (earlier && earlier.length > 0) {
      append(node('li', 'divider', 'Earlier messages from the bot to this user'), true);
      earlier.forEach((send) => showSend(send));
      append(node('li', 'divider', 'Now'), true);
    }
    ui.text.focus();
    schedulePoll(current);
  }

  // ---- the bot's side: polling the emulator's outbox ----

  async function fetchSends() {
    try {
      // A reply to a user with no phone goes to their BSUID (`recipient`): the outbox lists it by that.
      const query = addresses()
        .map((to) => 'to=' + encodeURIComponent(to))
        .join('&');
      const response = await fetch('/sandbox/sends?' + query, { cache: 'no-store' });
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
    return post(Object.assign(sender(), { reply, context: contextId }), reply.title);
  }

  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    if (!user) return;
    const text = ui.text.value;
    if (text.trim() === '') return;
    ui.text.value = '';
    void post(Object.assign(sender(), { text }), text);
  });

  // ---- account changes: WhatsApp's system messages ----

  /** Tells the bot the user changed number (or only their user id); from then on they write as the new one. */
  async function changeAccount(change) {
    if (!user) return;
    const current = session;
    const newId = newUserId();
    const system =
      change.phone === null
        ? { type: 'user_changed_user_id', newUserId: newId }
        : { type: 'user_changed_number', newPhone: change.phone, newUserId: newId };
    const notice = node(
      'li',
      'row-system',
      change.phone === null
        ? 'You changed your number; WhatsApp does not share the new one… '
        : 'You changed your number to +' + change.phone + '… ',
    );
    append(notice, true);
    let response;
    try {
      response = await fetch('/sandbox/messages', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(Object.assign(sender(), { system })),
        cache: 'no-store',
      });
    } catch (err) {
      notice.textContent += 'not delivered: ' + String((err && err.message) || err);
      return;
    }
    if (current !== session) return;
    if (response.status !== 200) {
      notice.textContent += 'not delivered: HTTP ' + response.status;
      return;
    }
    notice.textContent = notice.textContent.replace(/… $/, ' ✓');
    user.past = [...new Set([...(user.past || []), user.phone, user.userId].filter(Boolean))];
    user.phone = change.phone;
    user.userId = newId;
    saveUser();
    ui.identity.textContent = identityText();
    ui.account.open = false;
  }

  ui.changeNumberForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const phone = phoneDigits(ui.newPhone.value);
    if (phone === null) {
      ui.chatError.textContent = 'A new number has 8 to 15 digits, country code included.';
      ui.chatError.dataset.source = 'account';
      return;
    }
    if (ui.chatError.dataset.source === 'account') ui.chatError.textContent = '';
    ui.newPhone.value = '';
    void changeAccount({ phone });
  });
  ui.changeUserId.addEventListener('click', () => void changeAccount({ phone: null }));

  document.addEventListener('visibilitychange', () => {
    if (user && !document.hidden) schedulePoll(session);
  });

  user = loadUser();
  if (user) void startChat();
  else ui.phone.focus();
})();
