// The agents' console: conversations, their history and notes, live updates, search, canned responses,
// unread counts, desktop notifications, chat-support commands, WhatsApp's 24-hour window with its
// templates (console-templates.js), media (console-media.js), attachments (console-attach.js) and the
// students' reactions, edits and deletions (console-history.js), all through the admin API with the agent's bearer token.
// Every piece of data goes into the page as text (textContent), never as markup. A command is shown as
// done only after the API answered 200.
(function () {
  'use strict';

  const TOKEN_KEY = 'edubot.console.token';
  // What this tab has noticed, kept across a reload (see readTabState).
  const TAB_KEY = 'edubot.console.tab';
  const STATES = [
    'INITIAL',
    'IDLE',
    'REGISTERED',
    'REGISTERING_NAME',
    'REGISTERING_EMAIL',
    'REGISTERING_CLASS',
    'HOMEWORK_SUBJECT',
    'HOMEWORK_TYPE',
    'HOMEWORK_CONTENT',
    'HOMEWORK_SUBMITTED',
    'PAYMENT_PENDING',
    'CHAT_SUPPORT_ACTIVE',
  ];
  const PAGE_SIZE = 50;
  const MAX_PAGE = 100;
  // Events come in bursts (a message, its state change, its statuses): one reload per burst.
  const REFRESH_DELAY_MS = 150;
  // An event replayed after a long absence is no news: it counts as unread but notifies nobody.
  const NOTIFY_MAX_AGE_MS = 10 * 60 * 1000;
  // WhatsApp shows an agent as typing for 25 s at most; the server sends it at most once per 20 s too.
  const TYPING_EVERY_MS = 20 * 1000;
  // The width below which the list and the conversation take turns (console.css says the same).
  const NARROW = window.matchMedia('(max-width: 720px)');

  const $ = (id) => document.getElementById(id);
  const ui = {
    live: $('live'),
    signOut: $('sign-out'),
    availability: $('availability'),
    availabilityError: $('availability-error'),
    notifyMe: $('notify-me'),
    back: $('back'),
    loginView: $('login-view'),
    loginForm: $('login-form'),
    token: $('token'),
    signIn: $('sign-in'),
    loginError: $('login-error'),
    appView: $('app-view'),
    filter: $('state-filter'),
    refresh: $('refresh'),
    listError: $('list-error'),
    list: $('conversation-list'),
    listEmpty: $('list-empty'),
    loadMore: $('load-more'),
    listView: $('list-view'),
    searchForm: $('search-form'),
    search: $('search'),
    searchView: $('search-view'),
    searchHeading: $('search-heading'),
    searchClear: $('search-clear'),
    searchError: $('search-error'),
    searchList: $('search-list'),
    searchEmpty: $('search-empty'),
    searchMore: $('search-more'),
    noSelection: $('no-selection'),
    body: $('conversation-body'),
    title: $('conversation-title'),
    phone: $('conversation-phone'),
    username: $('conversation-username'),
    temporal: $('conversation-temporal'),
    state: $('conversation-state'),
    registered: $('conversation-registered'),
    profile: $('conversation-profile'),
    optOut: $('conversation-opt-out'),
    billing: $('conversation-billing'),
    chat: $('conversation-chat'),
    conversationError: $('conversation-error'),
    messages: $('messages'),
    composer: $('composer'),
    message: $('message'),
    send: $('send'),
    startChat: $('start-chat'),
    endChat: $('end-chat'),
    result: $('command-result'),
    noteBox: $('note-box'),
    noteForm: $('note-form'),
    note: $('note'),
    addNote: $('add-note'),
    noteResult: $('note-result'),
    cannedMenu: $('canned-menu'),
    cannedHint: $('canned-hint'),
    queueCount: $('queue-count'),
    queueError: $('queue-error'),
    queueList: $('queue-list'),
    queueEmpty: $('queue-empty'),
    holderBox: $('holder-box'),
    holder: $('conversation-holder'),
    takeChat: $('take-chat'),
    giveBack: $('give-back'),
    conversation: $('conversation'),
    window: $('conversation-window'),
    composerBlocked: $('composer-blocked'),
    attach: $('attach'),
    attachInput: $('attach-input'),
    attachment: $('attachment'),
    attachmentName: $('attachment-name'),
    attachmentRemove: $('attachment-remove'),
    mediaViewer: $('media-viewer'),
    templateBox: $('template-box'),
    templateForm: $('template-form'),
    templateSelect: $('template-select'),
    templateFields: $('template-fields'),
    templatePreview: $('template-preview'),
    templateSend: $('template-send'),
    templateResult: $('template-result'),
  };

  let token = sessionStorage.getItem(TOKEN_KEY);
  let stream = null;
  let conversations = [];
  let nextCursor = null;
  let listSequence = 0;
  let openId = null;
  let conversationSequence = 0;
  // The search shown in the sidebar, if any, and the message a search hit opened the history at.
  let searchText = null;
  let searchHits = [];
  let searchCursor = null;
  let searchSequence = 0;
  let foundMessageId = null;
  let scrollToFound = false;
  let busy = false;
  let noteBusy = false;
  // The agent just added a note: the next render scrolls to the end, where it is.
  let scrollToEnd = false;
  // The canned-response menu under the composer: open while the text is "/" and a filter.
  let cannedOpen = false;
  let cannedItems = null;
  let cannedShown = [];
  let cannedActive = 0;
  let cannedSequence = 0;
  // A command whose request got no answer: retrying the same text reuses its Idempotency-Key, so the
  // workflow answers it once even if the first attempt did reach it.
  let unanswered = null;
  // Who is signed in ({ agentId, name, role }), the chats waiting for an agent, and the wait after
  // which one is marked.
  let me = null;
  let waiting = [];
  let warnAfterSeconds = 300;
  let queueSequence = 0;
  // The open conversation's chat, as last loaded: who holds it decides whether this agent may answer.
  let openChat = null;
  let availabilityBusy = false;
  let tabState = readTabState();
  // When the open conversation's student last wrote (ISO), which decides WhatsApp's window; undefined
  // until known.
  let lastInboundAt;
  // When this tab last told WhatsApp the agent is typing, per contact.
  const typingSentAt = {};
  // A student's message arrived while the tab was hidden: it is marked read once the agent looks.
  let readOwed = false;
  // The history was scrolled to its end at the last render: a photo that gets its size keeps it there.
  let pinnedToEnd = false;

  /**
   * Per tab, kept across a reload in sessionStorage: `unread` counts the users' messages per contact
   * since this agent last had that conversation open; `holders` the agent id holding each open chat
   * this tab has heard of; `waiting` the contacts last seen in the queue (null before the first load);
   * `lastEventId` the last event handled, where the stream resumes, so a reload misses nothing.
   */
  function readTabState() {
    try {
      const saved = JSON.parse(sessionStorage.getItem(TAB_KEY) || 'null');
      if (saved && typeof saved.unread === 'object' && typeof saved.holders === 'object') return saved;
    } catch {
      // An unreadable entry is forgotten.
    }
    return { unread: {}, holders: {}, waiting: null, lastEventId: '' };
  }

  function saveTabState() {
    try {
      sessionStorage.setItem(TAB_KEY, JSON.stringify(tabState));
    } catch {
      // A full storage loses the counts on the next reload, nothing more.
    }
  }

  function forgetTabState() {
    sessionStorage.removeItem(TAB_KEY);
    tabState = readTabState();
  }

  const { node } = window.EduBotDom;

  // Labels and priority (console-labels.js): chips, the editor, the list's filters.
  const labels = window.EduBotLabels.create({
    api: (...args) => api(...args),
    describeFailure: (res) => describeFailure(res),
    contactId: () => openId,
    onFilterChange() {
      conversations = [];
      void loadList();
    },
    onChanged(contactId) {
      if (openId === contactId) conversationRefresh.schedule();
      listRefresh.schedule();
      queueRefresh.schedule();
    },
  });

  // Business hours and SLAs (console-hours.js): the header's open/closed line, SLA clocks, the admins' editors.
  const hours = window.EduBotHours.create({
    api: (...args) => api(...args),
    describeFailure: (res) => describeFailure(res),
  });

  function formatTime(iso) {
    if (!iso) return '';
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return '';
    return date.toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' });
  }

  function timeElement(iso) {
    const element = node('time', 'time', formatTime(iso));
    if (iso) element.dateTime = iso;
    return element;
  }

  function newKey() {
    if (window.crypto && typeof window.crypto.randomUUID === 'function') return window.crypto.randomUUID();
    // randomUUID needs a secure context; getRandomValues works over plain http on a LAN address too.
    const bytes = window.crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  /** Calls the admin API. Never throws: a network failure is { status: 0, networkError }. */
  async function api(method, path, body, extraHeaders) {
    const headers = Object.assign({ Authorization: 'Bearer ' + token, Accept: 'application/json' }, extraHeaders || {});
    // A form (a file upload) goes as multipart, with the boundary the browser sets itself.
    const form = body instanceof window.FormData;
    if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined || form ? body : JSON.stringify(body),
        cache: 'no-store',
      });
    } catch (err) {
      return { status: 0, body: null, networkError: String((err && err.message) || err) };
    }
    let json;
    try {
      json = await response.json();
    } catch {
      json = null;
    }
    if (response.status === 401 && token) signOut('The server refused the token (401 unauthorized). Sign in again.');
    return { status: response.status, body: json };
  }

  /** A media file's bytes, with the token: `{ blob }`, or `{ failure }` worded for the agent. */
  async function fetchBlob(path) {
    let response;
    try {
      response = await fetch(path, { headers: { Authorization: 'Bearer ' + token }, cache: 'no-store' });
    } catch (err) {
      return { failure: 'no answer from the server (' + String((err && err.message) || err) + ')' };
    }
    if (response.ok) {
      try {
        return { blob: await response.blob() };
      } catch (err) {
        return { failure: 'the download broke off (' + String((err && err.message) || err) + ')' };
      }
    }
    let json = null;
    try {
      json = await response.json();
    } catch {
      // Not every refusal has a JSON body.
    }
    if (response.status === 401 && token) signOut('The server refused the token (401 unauthorized). Sign in again.');
    return { failure: describeFailure({ status: response.status, body: json }) };
  }

  /** "HTTP 409 not_in_chat_support: …", with WhatsApp's code when it refused the message. */
  function describeFailure(res) {
    if (res.networkError)
      return 'No answer from the server (' + res.networkError + '). Nothing is confirmed; try again.';
    const error = res.body && res.body.error;
    let text = 'HTTP ' + res.status;
    if (error && error.code) text += ' ' + error.code;
    if (error && error.whatsappCode !== undefined && error.whatsappCode !== null)
      text += ' (WhatsApp code ' + error.whatsappCode + ')';
    if (error && error.message) text += ': ' + error.message;
    return text;
  }

  /** Runs `task` after a short quiet period; a request during a run makes it run once more after. */
  function refresher(task) {
    let timer = null;
    let running = false;
    let again = false;
    const run = async () => {
      timer = null;
      if (running) {
        again = true;
        return;
      }
      running = true;
      try {
        do {
          again = false;
          await task();
        } while (again);
      } finally {
        running = false;
      }
    };
    return {
      schedule() {
        if (timer === null) timer = setTimeout(run, REFRESH_DELAY_MS);
      },
    };
  }

  // ---- sign in and out ----

  function showLogin(message) {
    ui.appView.hidden = true;
    ui.signOut.hidden = true;
    ui.live.hidden = true;
    ui.availability.hidden = true;
    ui.availabilityError.textContent = '';
    ui.notifyMe.hidden = true;
    hideViews();
    ui.loginView.hidden = false;
    ui.loginError.textContent = message || '';
    ui.token.value = '';
    ui.token.focus();
  }

  function showApp() {
    ui.loginView.hidden = true;
    showView('app-view');
    ui.signOut.hidden = false;
    ui.live.hidden = false;
    renderNotifyMe();
    startStream();
    labels.start();
    hours.start();
    void loadList();
    void loadQueue();
    void loadMe();
  }

  function signOut(message) {
    token = null;
    sessionStorage.removeItem(TOKEN_KEY);
    forgetTabState();
    stopStream();
    conversations = [];
    nextCursor = null;
    openId = null;
    me = null;
    waiting = [];
    openChat = null;
    lastInboundAt = undefined;
    attachments.clear();
    media.reset();
    templates.forget();
    labels.forget();
    hours.forget();
    reports.reset();
    campaigns.reset();
    ui.queueList.replaceChildren();
    closeCanned();
    closeSearch();
    ui.search.value = '';
    ui.list.replaceChildren();
    ui.messages.replaceChildren();
    ui.body.hidden = true;
    ui.noSelection.hidden = false;
    ui.appView.classList.remove('conversation-open');
    showLogin(message);
  }

  ui.loginForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    const candidate = ui.token.value.trim();
    if (candidate === '') {
      ui.loginError.textContent = 'Enter a token.';
      return;
    }
    ui.signIn.disabled = true;
    ui.loginError.textContent = 'Checking the token…';
    token = candidate;
    const res = await api('GET', '/api/admin/conversations?limit=1');
    ui.signIn.disabled = false;
    if (res.status === 200) {
      forgetTabState();
      sessionStorage.setItem(TOKEN_KEY, candidate);
      ui.token.value = '';
      ui.loginError.textContent = '';
      showApp();
      return;
    }
    token = null;
    ui.loginError.textContent =
      res.status === 401 ? 'That token is not valid (401 unauthorized).' : 'Could not sign in: ' + describeFailure(res);
  });

  // Signing out revokes the token on the server first: a copy left in this browser (its storage, a
  // password manager, the history of a shared computer) must let nobody in afterwards.
  ui.signOut.addEventListener('click', async () => {
    ui.signOut.disabled = true;
    // The revocation closes the live stream; its reconnection must not sign out first, with a refusal.
    stopStream();
    const res = await api('POST', '/api/admin/tokens/self/revoke');
    ui.signOut.disabled = false;
    // A 401 has signed out already (the token no longer worked).
    if (token === null) return;
    if (res.status === 200) signOut('Signed out. The token is revoked: ask an admin for a new one to sign in again.');
    else if (res.body && res.body.error && res.body.error.code === 'token_not_revocable')
      signOut('Signed out. The ADMIN_TOKEN stays valid until the server is given another.');
    else
      signOut(
        'Signed out of this browser, but the server did not revoke the token (' +
          describeFailure(res) +
          '): ask an admin to revoke it.',
      );
  });

  // ---- live updates ----

  function setLive(text, ok) {
    ui.live.textContent = text;
    ui.live.classList.toggle('live-ok', ok);
  }

  function startStream() {
    stopStream();
    stream = window.EduBotSse.followEvents({
      url: '/api/admin/events',
      token,
      lastEventId: tabState.lastEventId,
      onEvent(event) {
        // This token opened more streams than the server keeps (other tabs): reconnecting would only
        // push out another tab's, which would do the same. This tab stays quiet until it is reloaded.
        if (event.event === 'superseded') {
          stopStream();
          setLive('Paused: live in your other tabs (reload to resume here)', false);
          return;
        }
        // The server skipped events since this tab last listened (too many, or too old): counts and
        // lists built from them cannot be trusted, so everything shown is read again.
        if (event.event === 'reload') {
          tabState.lastEventId = event.id;
          saveTabState();
          listRefresh.schedule();
          queueRefresh.schedule();
          if (openId) conversationRefresh.schedule();
          return;
        }
        let data;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        if (data) labels.noteEvent(data);
        if (data) hours.noteEvent(data);
        if (data && typeof idOf(data) === 'string') {
          noteEvent(data);
          if (idOf(data) === openId) noteOpenEvent(data);
        }
        tabState.lastEventId = event.id;
        saveTabState();
        listRefresh.schedule();
        queueRefresh.schedule();
        if (data && idOf(data) && idOf(data) === openId) conversationRefresh.schedule();
      },
      onStatus(status, detail) {
        if (status === 'open') {
          setLive('Live', true);
          // Catch up with whatever changed before the stream was (re)connected.
          listRefresh.schedule();
          queueRefresh.schedule();
          if (openId) conversationRefresh.schedule();
        } else if (status === 'connecting') {
          setLive('Connecting…', false);
        } else if (status === 'reconnecting') {
          setLive(
            detail && detail.delayMs ? 'Reconnecting in ' + Math.round(detail.delayMs / 1000) + ' s…' : 'Reconnecting…',
            false,
          );
        } else if (status === 'unauthorized') {
          signOut('The server refused the token for live updates. Sign in again.');
        }
      },
    });
  }

  function stopStream() {
    if (stream) stream.stop();
    stream = null;
  }

  /** A message the student wrote: not WhatsApp's notice that they changed their number, not an echo. */
  function fromStudent(data) {
    const payload = data.payload || {};
    return (
      data.kind === 'message' &&
      payload.sender === 'user' &&
      payload.direction === 'inbound' &&
      payload.type !== 'system'
    );
  }

  /** What an event changes in this tab: an unread count, a notification, who holds a chat. */
  function noteEvent(data) {
    const contactId = idOf(data);
    const payload = data.payload || {};
    if (fromStudent(data)) {
      if (contactId !== openId) {
        tabState.unread[contactId] = (tabState.unread[contactId] || 0) + 1;
        renderList();
        renderQueue();
      }
      const fresh = !(Date.now() - Date.parse(data.at) > NOTIFY_MAX_AGE_MS);
      if (fresh && me && tabState.holders[contactId] === me.agentId) {
        const summary = conversations.find((c) => idOf(c) === contactId);
        notify(
          'Message from ' + (summary ? displayName(summary) : 'a student'),
          payload.body ? String(payload.body) : '(' + (payload.type || 'message') + ')',
          contactId,
        );
      }
    } else if (data.kind === 'holder') {
      noteHolder(contactId, payload.holder);
    } else if (data.kind === 'sla' && payload.escalated && me && me.role === 'admin') {
      // An escalation is the admins' to see (SPEC §7.6); the queue shows it to everyone.
      const fresh = !(Date.now() - Date.parse(data.at) > NOTIFY_MAX_AGE_MS);
      if (fresh) notify('A chat was escalated', describeSla(payload), contactId);
    } else if (data.kind === 'state' && payload.state !== 'CHAT_SUPPORT_ACTIVE') {
      // The chat is over: nobody holds it any more.
      noteHolder(contactId, null);
    }
  }

  /** A student's message in the open conversation moves its window at once and is marked read. */
  function noteOpenEvent(data) {
    const payload = data.payload || {};
    if (!fromStudent(data)) return;
    const at = Date.parse(payload.at);
    if (!Number.isNaN(at) && !(Date.parse(lastInboundAt) >= at)) {
      lastInboundAt = new Date(at).toISOString();
      renderWindow();
    }
    markRead(idOf(data));
  }

  // ---- read receipts and the typing indicator, both best effort ----

  /** Tells WhatsApp the agent has seen the student's messages, now or once the tab is looked at. */
  function markRead(contactId) {
    if (document.visibilityState !== 'visible') {
      readOwed = true;
      return;
    }
    readOwed = false;
    // A refusal (no such route, no chat, nothing to mark) changes nothing the agent can act on: silent.
    void api('POST', '/api/admin/conversations/' + encodeURIComponent(contactId) + '/read');
  }

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && readOwed && openId && token) markRead(openId);
  });

  /** While the agent writes in an open chat with the window open: at most once per TYPING_EVERY_MS. */
  function noteTyping() {
    const contactId = openId;
    if (!contactId || !openChat || windowClosed() || ui.message.disabled) return;
    if (ui.message.value.trim() === '' || cannedFilter() !== null) return;
    if (Date.now() - (typingSentAt[contactId] || 0) < TYPING_EVERY_MS) return;
    typingSentAt[contactId] = Date.now();
    void api('POST', '/api/admin/conversations/' + encodeURIComponent(contactId) + '/typing');
  }

  function noteHolder(contactId, holder) {
    if (holder && typeof holder.agentId === 'number') tabState.holders[contactId] = holder.agentId;
    else delete tabState.holders[contactId];
  }

  // ---- unread counts and desktop notifications ----

  function unreadBadge(contactId) {
    const count = tabState.unread[contactId] || 0;
    if (count === 0) return null;
    // Not a .badge: that class is the state's, and the count is no state.
    const badge = node('span', 'unread', count > 99 ? '99+' : String(count));
    badge.title = count === 1 ? '1 unread message' : count + ' unread messages';
    return badge;
  }

  function clearUnread(contactId) {
    if (!tabState.unread[contactId]) return;
    delete tabState.unread[contactId];
    saveTabState();
    renderList();
    renderQueue();
  }

  /** True while this agent is looking at that conversation: nothing to notify them of. */
  function watching(contactId) {
    return openId === contactId && document.visibilityState === 'visible' && document.hasFocus();
  }

  function notificationsAllowed() {
    return 'Notification' in window && window.Notification.permission === 'granted';
  }

  /** A desktop notification, if allowed; a click on it brings the conversation up. */
  function notify(title, body, contactId) {
    if (!notificationsAllowed() || watching(contactId)) return;
    let shown;
    try {
      // One per conversation: a newer one replaces the last instead of piling up.
      shown = new window.Notification(title, { body, tag: 'edubot-' + contactId });
    } catch {
      // Some browsers (Chrome on Android) show notifications only from a service worker.
      return;
    }
    shown.onclick = () => {
      window.focus();
      openConversation(contactId);
      shown.close();
    };
  }

  /** "Notify me" is offered only while the browser has not been asked yet: once answered, never again. */
  function renderNotifyMe() {
    ui.notifyMe.hidden = !('Notification' in window) || window.Notification.permission !== 'default';
  }

  ui.notifyMe.addEventListener('click', () => {
    // Asked from the click itself: browsers ignore or penalise a request without a user gesture.
    void Promise.resolve(window.Notification.requestPermission()).then(renderNotifyMe, renderNotifyMe);
  });

  // ---- available or away, for automatic assignment ----

  function renderAvailability() {
    const known = Boolean(me) && typeof me.available === 'boolean';
    ui.availability.hidden = !known || !token;
    if (!known) return;
    ui.availability.textContent = me.available ? 'Available' : 'Away';
    ui.availability.classList.toggle('away', !me.available);
    ui.availability.title = me.available
      ? 'New chats can be given to you. Click to be away.'
      : 'No new chats are given to you. Click to be available.';
  }

  async function toggleAvailability() {
    if (!me || availabilityBusy) return;
    availabilityBusy = true;
    ui.availability.disabled = true;
    const res = await api('POST', '/api/admin/me/availability', { available: !me.available });
    availabilityBusy = false;
    ui.availability.disabled = false;
    if (!token) return;
    if (res.status === 200 && res.body && res.body.agent) {
      ui.availabilityError.textContent = '';
      me = res.body.agent;
      renderAvailability();
      return;
    }
    ui.availabilityError.textContent = 'Not changed — ' + describeFailure(res);
  }

  ui.availability.addEventListener('click', () => void toggleAvailability());

  // ---- moving through a list with the keyboard ----

  /** Up and Down move between a list's items, Home and End jump to its ends; Enter opens (the button's own). */
  function listKeys(list) {
    list.addEventListener('keydown', (event) => {
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
      const buttons = Array.from(list.querySelectorAll('button.conversation-item'));
      const at = buttons.indexOf(event.target);
      if (at === -1 || buttons.length === 0) return;
      const to = {
        ArrowDown: Math.min(at + 1, buttons.length - 1),
        ArrowUp: Math.max(at - 1, 0),
        Home: 0,
        End: buttons.length - 1,
      }[event.key];
      if (to === undefined) return;
      event.preventDefault();
      buttons[to].focus();
    });
  }

  /** The contact id of the item of `list` that has the focus and its place, or null. */
  function focusedIn(list) {
    const active = document.activeElement;
    if (!active || !list.contains(active)) return null;
    const holder = active.closest('[data-contact-id]');
    const buttons = Array.from(list.querySelectorAll('button.conversation-item'));
    return { contactId: holder ? holder.dataset.contactId : null, index: buttons.indexOf(active) };
  }

  /** After a rebuild, the focus goes back to the same conversation, or to the item now in its place. */
  function refocus(list, focused) {
    if (!focused) return;
    const buttons = Array.from(list.querySelectorAll('button.conversation-item'));
    const same = buttons.find((b) => b.closest('[data-contact-id]').dataset.contactId === focused.contactId);
    const target = same || buttons[Math.min(Math.max(focused.index, 0), buttons.length - 1)];
    // The list keeps its scroll position: a live reload must not move what the agent is reading.
    if (target) target.focus({ preventScroll: true });
  }

  // ---- conversation list ----

  function listQuery(cursor, limit) {
    const params = new URLSearchParams({ limit: String(limit) });
    if (ui.filter.value) params.set('state', ui.filter.value);
    labels.filterParams(params);
    if (cursor) params.set('cursor', cursor);
    return '/api/admin/conversations?' + params.toString();
  }

  async function loadList() {
    const sequence = ++listSequence;
    // A live reload keeps what "Load more" already showed.
    const limit = Math.min(MAX_PAGE, Math.max(PAGE_SIZE, conversations.length));
    const res = await api('GET', listQuery(null, limit));
    if (sequence !== listSequence || !token) return;
    if (res.status !== 200) {
      ui.listError.textContent = 'Could not load conversations: ' + describeFailure(res);
      return;
    }
    ui.listError.textContent = '';
    conversations = res.body.conversations;
    nextCursor = res.body.nextCursor || null;
    renderList();
  }

  async function loadMore() {
    if (!nextCursor) return;
    const sequence = ++listSequence;
    const res = await api('GET', listQuery(nextCursor, PAGE_SIZE));
    if (sequence !== listSequence || !token) return;
    if (res.status !== 200) {
      ui.listError.textContent = 'Could not load more: ' + describeFailure(res);
      return;
    }
    const known = new Set(conversations.map((c) => idOf(c)));
    conversations = conversations.concat(res.body.conversations.filter((c) => !known.has(idOf(c))));
    nextCursor = res.body.nextCursor || null;
    renderList();
  }

  /**
   * A conversation's key: its contact's opaque id (`ct_…`). The API answers `contactId` on every
   * conversation, queue entry, search hit and event; `phone` is the fallback of an older server.
   */
  function idOf(item) {
    return item.contactId || item.phone;
  }

  /** The student's WhatsApp username as `@name`, or null: display only, it changes. */
  function usernameOf(item) {
    const name = typeof item.username === 'string' ? item.username.trim().replace(/^@/, '') : '';
    return name === '' ? null : '@' + name;
  }

  /**
   * The phone as `+digits`; "number hidden" when the API says there is none (a username user known
   * only by a BSUID); '' when the answer does not say (an older server).
   */
  function phoneText(item) {
    if (typeof item.phone === 'string' && item.phone !== '') return '+' + item.phone;
    return item.phone === null ? 'number hidden' : '';
  }

  /** The username and the phone (or "number hidden") of a list item, on one line. */
  function identityElement(item) {
    const element = node('span', 'item-phone');
    const username = usernameOf(item);
    if (username) element.append(node('span', 'item-username', username));
    const phone = phoneText(item);
    if (phone) element.append(node('span', item.phone === null ? 'phone-hidden' : 'phone', phone));
    return element;
  }

  function displayName(summary) {
    return summary.profileName || usernameOf(summary) || phoneText(summary) || 'Student';
  }

  function stateBadge(state) {
    const badge = node('span', 'badge', state);
    badge.dataset.state = state;
    return badge;
  }

  function renderList() {
    const focused = focusedIn(ui.list);
    const items = conversations.map((c) => {
      const item = node('li');
      const button = node('button', 'conversation-item');
      button.type = 'button';
      button.dataset.contactId = idOf(c);
      if (idOf(c) === openId) button.setAttribute('aria-current', 'true');
      const top = node('span', 'item-top');
      top.append(node('span', 'item-name', displayName(c)));
      const unread = unreadBadge(idOf(c));
      if (unread) top.append(unread);
      top.append(stateBadge(c.state));
      const bottom = node('span', 'item-bottom');
      bottom.append(identityElement(c), timeElement(c.lastActivityAt));
      button.append(top, bottom, labels.decorations(c));
      button.addEventListener('click', () => openConversation(idOf(c)));
      item.append(button);
      return item;
    });
    ui.list.replaceChildren(...items);
    ui.listEmpty.hidden = conversations.length > 0;
    ui.loadMore.hidden = !nextCursor;
    // Rebuilding the list must not throw the keyboard user's focus away.
    refocus(ui.list, focused);
  }

  listKeys(ui.list);
  listKeys(ui.queueList);
  listKeys(ui.searchList);

  ui.filter.append(
    ...STATES.map((state) => {
      const option = node('option', '', state);
      option.value = state;
      return option;
    }),
  );
  ui.filter.addEventListener('change', () => {
    conversations = [];
    void loadList();
  });
  ui.refresh.addEventListener('click', () => void loadList());
  ui.loadMore.addEventListener('click', () => void loadMore());

  const listRefresh = refresher(loadList);

  // ---- the queue: chats waiting for an agent, oldest first, the wait ticking ----

  async function loadMe() {
    const res = await api('GET', '/api/admin/me');
    if (res.status === 200 && token) {
      me = res.body.agent;
      campaigns.setAdmin(me.role === 'admin');
      renderAvailability();
      if (openChat !== null) renderHolder();
    }
  }

  async function loadQueue() {
    const sequence = ++queueSequence;
    const res = await api('GET', '/api/admin/queue');
    if (sequence !== queueSequence || !token) return;
    if (res.status !== 200) {
      ui.queueError.textContent = 'Could not load the queue: ' + describeFailure(res);
      return;
    }
    ui.queueError.textContent = '';
    warnAfterSeconds = res.body.warnAfterSeconds;
    // Each wait counts from when the chat began waiting, measured on this clock from the server's answer.
    const loadedAt = Date.now();
    waiting = res.body.queue.map((chat) => Object.assign({}, chat, { since: loadedAt - chat.waitSeconds * 1000 }));
    noteWaiting();
    renderQueue();
  }

  /** Notifies of each chat that started waiting since the last load, unless someone else holds it. */
  function noteWaiting() {
    const before = tabState.waiting;
    for (const chat of waiting) {
      noteHolder(idOf(chat), chat.holder);
      // The first load ever in this tab shows what was already waiting: that is no news.
      if (before === null || before.includes(idOf(chat))) continue;
      if (chat.holder && !(me && chat.holder.agentId === me.agentId)) continue;
      notify(
        'Waiting: ' + (chat.name || displayName(chat)),
        chat.holder ? 'A chat given to you is waiting for an answer.' : 'A chat is waiting for an agent.',
        idOf(chat),
      );
    }
    tabState.waiting = waiting.map((chat) => idOf(chat));
    saveTabState();
  }

  function formatWait(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    if (s < 60) return s + ' s';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + String(s % 60).padStart(2, '0') + ' s';
    return Math.floor(s / 3600) + ' h ' + String(Math.floor((s % 3600) / 60)).padStart(2, '0') + ' min';
  }

  function renderQueue() {
    const focused = focusedIn(ui.queueList);
    const items = waiting.map((chat) => {
      const item = node('li', 'queue-item');
      item.dataset.contactId = idOf(chat);
      // The contact id is on the item only: a button[data-contact-id] is the conversation list's.
      const button = node('button', 'conversation-item');
      button.type = 'button';
      if (idOf(chat) === openId) button.setAttribute('aria-current', 'true');
      const top = node('span', 'item-top');
      top.append(node('span', 'item-name', chat.name || displayName(chat)));
      const unread = unreadBadge(idOf(chat));
      if (unread) top.append(unread);
      top.append(node('span', 'item-holder badge', chat.holder ? chat.holder.name : 'nobody'));
      const bottom = node('span', 'item-bottom');
      bottom.append(identityElement(chat), node('span', 'item-wait'));
      button.append(top, bottom, labels.decorations(chat), hours.queueClock(chat));
      button.addEventListener('click', () => openConversation(idOf(chat)));
      item.append(button);
      return item;
    });
    ui.queueList.replaceChildren(...items);
    ui.queueCount.textContent = String(waiting.length);
    ui.queueEmpty.hidden = waiting.length > 0;
    tickQueue();
    refocus(ui.queueList, focused);
  }

  /** The waits, once a second: a chat past CHAT_WAIT_WARN is marked. */
  function tickQueue() {
    const now = Date.now();
    for (const item of ui.queueList.children) {
      const chat = waiting.find((c) => idOf(c) === item.dataset.contactId);
      if (!chat) continue;
      const seconds = (now - chat.since) / 1000;
      item.querySelector('.item-wait').textContent = 'waiting ' + formatWait(seconds);
      item.classList.toggle('waiting-long', seconds >= warnAfterSeconds);
    }
  }
  setInterval(tickQueue, 1000);

  const queueRefresh = refresher(loadQueue);

  // ---- one conversation ----

  const media = window.EduBotMedia.create({
    fetchBlob,
    viewer: ui.mediaViewer,
    onImageLoad() {
      if (pinnedToEnd) ui.messages.scrollTop = ui.messages.scrollHeight;
    },
  });

  const templates = window.EduBotTemplates.create({
    api,
    describeFailure,
    newKey,
    elements: {
      box: ui.templateBox,
      form: ui.templateForm,
      select: ui.templateSelect,
      fields: ui.templateFields,
      preview: ui.templatePreview,
      send: ui.templateSend,
      result: ui.templateResult,
    },
    contactId: () => openId,
    onSent(contactId) {
      if (openId === contactId) conversationRefresh.schedule();
      listRefresh.schedule();
    },
  });

  // ---- views: the header's buttons show one <main> at a time ----

  const views = document.getElementById('views');
  const viewTabs = Array.from(views.querySelectorAll('[data-view]'));
  // What a view does each time it is shown, by its <main>'s id.
  const viewOpeners = {
    'reports-view': () => reports.open(),
    'campaigns-view': () => campaigns.open(),
  };

  function showView(id) {
    views.hidden = false;
    for (const tab of viewTabs) {
      const on = tab.dataset.view === id;
      tab.setAttribute('aria-pressed', String(on));
      $(tab.dataset.view).hidden = !on;
    }
    if (viewOpeners[id]) viewOpeners[id]();
  }

  function hideViews() {
    views.hidden = true;
    for (const tab of viewTabs) $(tab.dataset.view).hidden = true;
  }

  for (const tab of viewTabs) tab.addEventListener('click', () => showView(tab.dataset.view));

  const reports = window.EduBotReports.create({ api, fetchBlob, describeFailure });
  const campaigns = window.EduBotCampaigns.create({ api, fetchBlob, describeFailure });

  const attachments = window.EduBotAttach.create({
    api,
    describeFailure,
    elements: {
      conversation: ui.conversation,
      attach: ui.attach,
      input: ui.attachInput,
      box: ui.attachment,
      name: ui.attachmentName,
      remove: ui.attachmentRemove,
      message: ui.message,
    },
    contactId: () => openId,
    refusal() {
      if (windowClosed()) return 'WhatsApp’s window is closed: only a template reaches the student.';
      if (ui.composer.classList.contains('held-by-other')) return ui.holder.textContent;
      if (busy) return 'a command is still in progress; try again when it has answered.';
      return null;
    },
    showResult,
    onChange: () => renderHolder(),
  });

  /** Opens a conversation's history; with a message id, at that message, marked. */
  function openConversation(contactId, messageId) {
    foundMessageId = messageId === undefined ? null : String(messageId);
    scrollToFound = foundMessageId !== null;
    if (openId !== contactId) {
      // The object URLs of the conversation left are of no more use.
      media.reset();
      templates.open();
      attachments.clear();
      ui.messages.replaceChildren();
      ui.chat.textContent = '';
      ui.window.textContent = '';
      lastInboundAt = undefined;
      ui.conversationError.textContent = '';
      ui.result.textContent = '';
      ui.result.className = 'result';
      ui.noteResult.textContent = '';
      ui.noteResult.className = 'result';
      ui.cannedHint.hidden = true;
      closeCanned();
      unanswered = null;
    }
    openId = contactId;
    ui.noSelection.hidden = true;
    ui.body.hidden = false;
    markCurrent();
    clearUnread(contactId);
    markRead(contactId);
    const summary = conversations.find((c) => idOf(c) === contactId);
    if (summary) renderHead(summary);
    // On a narrow screen the conversation takes the list's place: the focus goes with it.
    ui.appView.classList.add('conversation-open');
    if (NARROW.matches) ui.back.focus();
    void loadConversation();
  }

  /** Marks the open conversation in the list and the Waiting view. */
  function markCurrent() {
    for (const button of [...ui.list.children, ...ui.queueList.children].map((item) => item.firstChild)) {
      if (button.closest('[data-contact-id]').dataset.contactId === openId) button.setAttribute('aria-current', 'true');
      else button.removeAttribute('aria-current');
    }
  }

  /** Back to the list (on a narrow screen, the only way there), the focus on the conversation left. */
  function closeConversation() {
    const contactId = openId;
    openId = null;
    openChat = null;
    lastInboundAt = undefined;
    conversationSequence++;
    media.reset();
    attachments.clear();
    closeCanned();
    ui.body.hidden = true;
    ui.noSelection.hidden = false;
    ui.appView.classList.remove('conversation-open');
    markCurrent();
    const item =
      ui.queueList.querySelector('li[data-contact-id="' + CSS.escape(contactId) + '"] button') ||
      ui.list.querySelector('button[data-contact-id="' + CSS.escape(contactId) + '"]');
    if (item) item.focus();
  }

  ui.back.addEventListener('click', () => closeConversation());

  async function loadConversation() {
    const contactId = openId;
    if (!contactId) return;
    const sequence = ++conversationSequence;
    const path = '/api/admin/conversations/' + encodeURIComponent(contactId);
    const answers = await Promise.all([api('GET', path), api('GET', path + '/messages'), api('GET', path + '/notes')]);
    if (sequence !== conversationSequence || contactId !== openId || !token) return;
    const failed = answers.find((res) => res.status !== 200);
    if (failed) {
      ui.conversationError.textContent = 'Could not load the conversation: ' + describeFailure(failed);
      return;
    }
    const [detail, history, notes] = answers;
    ui.conversationError.textContent = '';
    renderHead(detail.body.conversation);
    renderMessages(
      history.body.messages,
      detail.body.conversation,
      history.body.setAside || [],
      notes.body.notes,
      history.body.slaEvents || [],
    );
  }

  const conversationRefresh = refresher(loadConversation);

  function renderHead(conversation) {
    const profile = conversation.profile;
    ui.title.textContent = (profile && profile.fullName) || displayName(conversation);
    renderIdentity(conversation);
    ui.state.textContent = conversation.state;
    ui.state.dataset.state = conversation.state;
    ui.registered.textContent = conversation.registered ? 'registered' : 'not registered';
    ui.profile.textContent = profile ? [profile.email, profile.className].filter(Boolean).join(' · ') : '';
    labels.renderHead(conversation);
    hours.renderChat(conversation);
    const optOut = conversation.campaignOptOut;
    ui.optOut.textContent = optOut ? 'Opted out of campaigns since ' + formatTime(optOut.since) : '';
    ui.optOut.hidden = !optOut;
    window.EduBotReportsRender.renderBilling(ui.billing, conversation.billing);
    if (conversation.lastInboundAt !== undefined) {
      lastInboundAt = conversation.lastInboundAt;
      renderWindow();
    }
    if (conversation.openChat === undefined) return;
    const chat = conversation.openChat;
    ui.chat.textContent = chat
      ? 'Chat open since ' + formatTime(chat.startedAt) + ', started by ' + chat.startedBy
      : 'No chat open. Start chat opens one while the user’s 24-hour window is open.';
    ui.chat.classList.toggle('chat-open', Boolean(chat));
    openChat = chat;
    noteHolder(idOf(conversation), chat && chat.holder);
    renderHolder();
  }

  /** The header's username, phone (or "number hidden") and the link to the conversation's workflow. */
  function renderIdentity(conversation) {
    ui.username.textContent = usernameOf(conversation) || '';
    ui.username.hidden = ui.username.textContent === '';
    ui.phone.textContent = phoneText(conversation);
    ui.phone.classList.toggle('phone-hidden', conversation.phone === null);
    const link = temporalLink(conversation.contactId);
    ui.temporal.hidden = link === null;
    if (link === null) ui.temporal.removeAttribute('href');
    else ui.temporal.href = link;
  }

  /**
   * The conversation's workflow (`conversation-<contact id>`) in the Temporal Web UI, whose address and
   * namespace the page carries as data attributes of <body>; null without a contact id or an http(s)
   * address.
   */
  function temporalLink(contactId) {
    const base = (document.body.dataset.temporalUi || '').replace(/\/+$/, '');
    const namespace = document.body.dataset.temporalNamespace || 'default';
    if (typeof contactId !== 'string' || contactId === '' || !/^https?:\/\/[^\s]+$/.test(base)) return null;
    return (
      base +
      '/namespaces/' +
      encodeURIComponent(namespace) +
      '/workflows/' +
      encodeURIComponent('conversation-' + contactId)
    );
  }

  /** Who holds the open chat; the composer is greyed out for anyone who may not answer in it. */
  function renderHolder() {
    const chat = openChat;
    ui.holderBox.hidden = !chat;
    const holder = chat ? chat.holder : null;
    const mine = Boolean(holder && me && holder.agentId === me.agentId);
    const admin = Boolean(me && me.role === 'admin');
    const blocked = Boolean(holder) && !mine && !admin;
    if (chat) {
      ui.holder.textContent = holder
        ? mine
          ? 'You hold this chat.'
          : 'Held by ' + holder.name + (blocked ? ': only ' + holder.name + ' or an admin can answer.' : '.')
        : 'Nobody holds this chat: answering it takes it.';
    }
    // Still offered to an agent who may not answer: trying shows who holds it, as the API says.
    ui.takeChat.hidden = mine;
    ui.giveBack.hidden = !holder || blocked;
    ui.composer.classList.toggle('held-by-other', blocked);
    // Outside WhatsApp's window free text and files cannot reach the student: only a template can.
    const closed = windowClosed();
    ui.composer.classList.toggle('window-closed', closed);
    ui.composerBlocked.hidden = !closed;
    ui.composerBlocked.textContent = closed
      ? 'WhatsApp’s 24-hour window is closed: free text and files cannot reach the student until they write ' +
        'again. Send an approved template instead (Templates, above).'
      : '';
    ui.message.disabled = blocked || closed;
    ui.send.disabled = blocked || closed || busy || attachments.uploading();
    ui.startChat.disabled = closed || busy;
    ui.attach.disabled = blocked || closed || busy || attachments.uploading();
    ui.endChat.disabled = blocked || busy;
  }

  // ---- WhatsApp's 24-hour window ----

  /** True once the open conversation's window is known to be closed. */
  function windowClosed() {
    if (!openId || lastInboundAt === undefined) return false;
    return !window.EduBotTemplates.windowOf(lastInboundAt, Date.now()).open;
  }

  /** The window line, ticking; the composer follows it the moment the window closes or opens again. */
  function renderWindow() {
    if (!openId || lastInboundAt === undefined) {
      ui.window.textContent = '';
      return;
    }
    const now = Date.now();
    const state = window.EduBotTemplates.windowOf(lastInboundAt, now);
    ui.window.textContent = window.EduBotTemplates.windowText(state, now);
    ui.window.classList.toggle('window-open', state.open);
    const closed = !state.open;
    if (closed !== ui.composer.classList.contains('window-closed')) renderHolder();
    templates.offer(closed);
  }
  setInterval(renderWindow, 1000);

  function senderLabel(message, conversation) {
    if (message.sender === 'user') return (conversation && conversation.profileName) || 'User';
    if (message.sender === 'agent') return message.senderName ? 'Agent ' + message.senderName : 'Agent';
    if (message.sender === 'business_app') return message.senderName || 'Business';
    return 'Bot';
  }

  /**
   * What a `system` message tells, in words for the agent: WhatsApp's own text names the old and new
   * numbers, so it is never shown; only the kind of change is read (from the stored payload or body).
   */
  function systemNotice(message) {
    const payload = message.payload && typeof message.payload === 'object' ? message.payload : {};
    const said = [payload.systemType, payload.type, payload.summary, message.body]
      .filter((part) => typeof part === 'string')
      .join(' ')
      .toLowerCase()
      .replace(/_/g, ' ');
    if (said.includes('changed user id')) return 'The student’s WhatsApp account changed (their number is not shared)';
    if (said.includes('changed number')) return 'The student changed their number';
    return 'WhatsApp notice about the student’s account';
  }

  /** A `system` message: a centered notice across the history, never a bubble, never its numbers. */
  function renderSystem(message) {
    const item = node('li', 'message-system');
    item.dataset.messageId = String(message.id);
    item.append(node('span', '', systemNotice(message)), document.createTextNode(' '), timeElement(message.timestamp));
    return item;
  }

  /** Titles of the buttons or list rows an outbound interactive message offered. */
  function choicesOf(payload) {
    if (!payload || typeof payload !== 'object') return [];
    if (payload.kind === 'buttons' && Array.isArray(payload.buttons)) return payload.buttons.map((b) => b && b.title);
    if (payload.kind === 'list' && Array.isArray(payload.sections)) {
      return payload.sections.flatMap((s) => (s && Array.isArray(s.rows) ? s.rows.map((r) => r && r.title) : []));
    }
    return [];
  }

  /** The text under a message: its body, or its latest edit marked as such, or that it was deleted. */
  function bodyOf(folded) {
    const message = folded.message;
    if (folded.revoked) return node('p', 'message-body message-deleted', 'This message was deleted');
    if (folded.edit) {
      const body = node('p', 'message-body', folded.edit.text);
      const mark = node('span', 'edited', 'edited');
      mark.title = 'Before the edit: ' + (folded.edit.original || '(no text)');
      body.append(document.createTextNode(' '), mark);
      return body;
    }
    const text = message.body === null || message.body === '' ? null : message.body;
    // A file's name is on its link already; only a caption is worth a line of its own.
    if (message.media) return text === null || text === message.media.filename ? null : node('p', 'message-body', text);
    return node('p', 'message-body', text === null ? '(' + message.type + ')' : text);
  }

  function renderMessage(folded, conversation) {
    const message = folded.message;
    if (message.type === 'system') return renderSystem(message);
    const item = node('li', 'message message-' + message.sender);
    item.dataset.messageId = String(message.id);
    if (message.waMessageId) item.dataset.waMessageId = message.waMessageId;
    if (folded.revoked) item.classList.add('message-revoked');
    const meta = node('p', 'message-meta');
    meta.append(node('span', 'sender', senderLabel(message, conversation)), timeElement(message.timestamp));
    if (message.direction === 'outbound' || message.status !== 'received') {
      const status = node('span', 'status status-' + message.status, message.status);
      meta.append(status);
    }
    if (message.type && message.type !== 'text') meta.append(node('span', 'type', message.type));
    item.append(meta);
    // A message echo: someone at the business wrote from the WhatsApp Business app on the phone.
    if (message.sender === 'business_app')
      item.append(node('p', 'message-origin', 'sent from the WhatsApp Business app'));
    if (message.media && message.media.url && !folded.revoked) item.append(media.element(message.media, message.type));
    const body = bodyOf(folded);
    if (body) item.append(body);
    // A deleted message keeps no reaction, as on the student's contactId.
    if (folded.reaction && !folded.revoked) {
      const reaction = node('span', 'reaction', folded.reaction);
      reaction.title = 'Reaction from ' + ((conversation && conversation.profileName) || 'the student');
      item.append(reaction);
    }
    if (folded.revoked) return item;
    const choices = choicesOf(message.payload).filter((t) => typeof t === 'string');
    if (choices.length > 0) {
      const list = node('ul', 'choices');
      list.setAttribute('aria-label', 'Options offered');
      list.append(...choices.map((title) => node('li', '', title)));
      item.append(list);
    }
    if (message.status === 'failed') {
      item.classList.add('message-failed');
      const code =
        message.errorCode === null || message.errorCode === undefined ? 'no code' : 'code ' + message.errorCode;
      item.append(
        node(
          'p',
          'message-error',
          'Not delivered: WhatsApp error ' + code + (message.errorTitle ? ' — ' + message.errorTitle : ''),
        ),
      );
    }
    return item;
  }

  const SET_ASIDE_KINDS = {
    message: 'A message from the user',
    agent_command: 'An agent command',
    payment: 'A payment confirmation',
    timer: 'A timer',
    other: 'An event',
  };

  /** An item the conversation could not handle and set aside, where it happened in the history. */
  function renderSetAside(entry) {
    const item = node('li', 'message message-set-aside');
    item.dataset.setAsideId = String(entry.id);
    const meta = node('p', 'message-meta');
    meta.append(node('span', 'sender', 'Set aside'), timeElement(entry.at), node('span', 'type', entry.reason));
    item.append(
      meta,
      node(
        'p',
        'message-body',
        (SET_ASIDE_KINDS[entry.kind] || SET_ASIDE_KINDS.other) +
          ' could not be handled and was set aside; an admin finds it in the quarantine.',
      ),
    );
    return item;
  }

  const SLA_EVENTS = {
    first_response_warning: 'First response due soon',
    first_response_breach: 'First response overdue',
    resolution_warning: 'Resolution due soon',
    resolution_breach: 'Resolution overdue',
  };

  /** What an SLA warning or breach says (the history's row, an admin's notification). */
  function describeSla(event) {
    const what = SLA_EVENTS[event.kind] || 'SLA event';
    const due = new Date(event.dueAt);
    const when = Number.isNaN(due.getTime()) ? '' : ' (due ' + due.toLocaleString() + ')';
    return (
      what + when + ', ' + event.priority + ' priority' + (event.escalated ? ': escalated to the top of the queue' : '')
    );
  }

  /** An SLA warning or breach of a chat, where it happened in the history: for the team, never sent. */
  function renderSlaEvent(event) {
    const breach = /_breach$/.test(event.kind);
    const item = node('li', 'message message-sla' + (breach ? ' message-sla-breach' : ''));
    item.dataset.slaEventId = String(event.id);
    const meta = node('p', 'message-meta');
    meta.append(
      node('span', 'sender', 'SLA'),
      timeElement(event.at),
      node('span', 'type', breach ? 'breach' : 'warning'),
    );
    item.append(meta, node('p', 'message-body', describeSla(event)));
    return item;
  }

  /** A note an agent left on the conversation: for the team only, so it looks like no message. */
  function renderNote(note) {
    const item = node('li', 'message message-note');
    item.dataset.noteId = String(note.id);
    const meta = node('p', 'message-meta');
    meta.append(
      node('span', 'sender', 'Note by ' + note.agentName),
      timeElement(note.createdAt),
      node('span', 'type', 'internal, not sent'),
    );
    item.append(meta, node('p', 'message-body', note.text));
    return item;
  }

  const ORPHANS = {
    reaction: (change) =>
      change.emoji
        ? 'Reacted ' + change.emoji + ' to a message that is not in this history'
        : 'Removed a reaction from a message that is not in this history',
    edit: () => 'Edited a message that is not in this history',
    revoke: () => 'Deleted a message that is not in this history',
  };

  /** A reaction, edit or deletion aimed at a message the history does not hold: one small line. */
  function renderOrphan(folded, conversation) {
    const message = folded.orphan;
    const item = node('li', 'message-change muted');
    item.dataset.messageId = String(message.id);
    item.append(
      node('span', 'sender', senderLabel(message, conversation)),
      document.createTextNode(' '),
      node('span', '', ORPHANS[folded.change.kind](folded.change)),
      document.createTextNode(' '),
      timeElement(message.timestamp),
    );
    return item;
  }

  /** Set-aside items and notes, oldest first (a stable sort keeps each list's own order at one instant). */
  function betweenMessages(setAside, notes, slaEvents) {
    return [
      ...setAside.map((entry) => ({ at: Date.parse(entry.at), render: () => renderSetAside(entry) })),
      ...slaEvents.map((event) => ({ at: Date.parse(event.at), render: () => renderSlaEvent(event) })),
      ...notes.map((note) => ({ at: Date.parse(note.createdAt), render: () => renderNote(note) })),
    ].sort((a, b) => a.at - b.at);
  }

  function atEnd() {
    return ui.messages.scrollHeight - ui.messages.scrollTop - ui.messages.clientHeight < 40;
  }

  // A photo getting its size moves what is below it: the end stays in view only if the agent was there.
  ui.messages.addEventListener('scroll', () => {
    pinnedToEnd = atEnd();
  });

  function renderMessages(messages, conversation, setAside, notes, slaEvents) {
    const list = ui.messages;
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    // Messages keep their order; each set-aside item and note goes before the first message stored after it.
    const pending = betweenMessages(setAside, notes, slaEvents);
    const elements = [];
    for (const folded of window.EduBotHistory.fold(messages)) {
      const message = folded.orphan || folded.message;
      while (pending.length > 0 && pending[0].at < Date.parse(message.createdAt))
        elements.push(pending.shift().render());
      elements.push(folded.orphan ? renderOrphan(folded, conversation) : renderMessage(folded, conversation));
    }
    elements.push(...pending.map((item) => item.render()));
    list.replaceChildren(...elements);
    const found =
      foundMessageId === null ? null : list.querySelector('li[data-message-id="' + CSS.escape(foundMessageId) + '"]');
    if (found) {
      found.classList.add('message-found');
      found.setAttribute('aria-current', 'true');
    }
    // A search hit scrolls to its message once; live reloads after that keep the agent's place.
    if (found && scrollToFound) {
      scrollToFound = false;
      found.tabIndex = -1;
      found.scrollIntoView({ block: 'center' });
      found.focus({ preventScroll: true });
    } else if ((atBottom || scrollToEnd) && !scrollToFound) {
      list.scrollTop = list.scrollHeight;
    }
    pinnedToEnd = atEnd();
    scrollToEnd = false;
  }

  // ---- search ----

  function searchQuery(cursor) {
    const params = new URLSearchParams({ q: searchText, limit: String(PAGE_SIZE) });
    if (cursor) params.set('cursor', cursor);
    return '/api/admin/search?' + params.toString();
  }

  async function runSearch(more) {
    if (searchText === null || (more && !searchCursor)) return;
    const sequence = ++searchSequence;
    ui.searchError.textContent = '';
    if (!more) {
      ui.searchHeading.textContent = 'Searching for “' + searchText + '”…';
      ui.searchList.replaceChildren();
      ui.searchEmpty.hidden = true;
      ui.searchMore.hidden = true;
    }
    const res = await api('GET', searchQuery(more ? searchCursor : null));
    if (sequence !== searchSequence || searchText === null || !token) return;
    if (res.status !== 200) {
      ui.searchHeading.textContent = 'Results for “' + searchText + '”';
      ui.searchError.textContent = 'Could not search: ' + describeFailure(res);
      return;
    }
    searchHits = more ? searchHits.concat(res.body.hits) : res.body.hits;
    searchCursor = res.body.nextCursor || null;
    renderSearch();
  }

  function closeSearch() {
    searchText = null;
    searchHits = [];
    searchCursor = null;
    searchSequence++;
    ui.searchList.replaceChildren();
    ui.searchView.hidden = true;
    ui.listView.hidden = false;
  }

  /** The snippet as text, the words found in <mark>: built from offsets, never from markup. */
  function snippetElement(snippet, highlights) {
    const element = node('span', 'hit-snippet');
    let at = 0;
    for (const [start, end] of highlights || []) {
      if (start < at || end > snippet.length) continue;
      element.append(document.createTextNode(snippet.slice(at, start)), node('mark', '', snippet.slice(start, end)));
      at = end;
    }
    element.append(document.createTextNode(snippet.slice(at)));
    return element;
  }

  function hitName(hit) {
    return hit.fullName || displayName(hit);
  }

  function renderHit(hit) {
    const item = node('li');
    const button = node('button', 'conversation-item search-hit');
    button.type = 'button';
    button.dataset.hitContactId = idOf(hit);
    const top = node('span', 'item-top');
    top.append(
      node('span', 'item-name', hitName(hit)),
      node('span', 'badge hit-kind', hit.kind === 'message' ? 'message' : 'conversation'),
    );
    const bottom = node('span', 'item-bottom');
    if (hit.kind === 'message') {
      button.dataset.messageId = String(hit.messageId);
      bottom.append(identityElement(hit), timeElement(hit.timestamp));
      button.append(top, snippetElement(hit.snippet, hit.highlights), bottom);
      button.addEventListener('click', () => openConversation(idOf(hit), hit.messageId));
    } else {
      const matched = node('span', 'hit-matched', 'matches ' + hit.matched.join(', '));
      const details = node('span', 'item-bottom');
      details.append(identityElement(hit), timeElement(hit.lastActivityAt));
      if (hit.email) bottom.append(node('span', 'hit-email', hit.email));
      bottom.append(matched);
      button.append(top, details, bottom);
      button.addEventListener('click', () => openConversation(idOf(hit)));
    }
    item.append(button);
    return item;
  }

  function renderSearch() {
    ui.searchHeading.textContent = 'Results for “' + searchText + '”';
    ui.searchList.replaceChildren(...searchHits.map(renderHit));
    ui.searchEmpty.hidden = searchHits.length > 0;
    ui.searchMore.hidden = !searchCursor;
  }

  ui.searchForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const text = ui.search.value.trim();
    if (text === '') {
      closeSearch();
      return;
    }
    searchText = text;
    searchHits = [];
    searchCursor = null;
    ui.listView.hidden = true;
    ui.searchView.hidden = false;
    void runSearch(false);
  });
  ui.searchClear.addEventListener('click', () => {
    ui.search.value = '';
    closeSearch();
  });
  ui.searchMore.addEventListener('click', () => void runSearch(true));

  // ---- chat commands ----

  const SUCCESS = { start: 'Chat started', send: 'Message sent', end: 'Chat ended' };
  const PENDING = { start: 'Starting the chat…', send: 'Sending…', end: 'Ending the chat…' };
  const REFUSED = { start: 'Chat not started', send: 'Message not sent', end: 'Chat not ended' };

  function setBusy(value) {
    busy = value;
    ui.startChat.disabled = value;
    ui.takeChat.disabled = value;
    ui.giveBack.disabled = value;
    renderHolder();
  }

  function showResult(text, kind, element) {
    const target = element || ui.result;
    target.textContent = text;
    target.className = 'result result-' + kind;
  }

  async function command(action) {
    const contactId = openId;
    if (!contactId || busy) return;
    const text = ui.message.value;
    const file = action === 'send' ? attachments.current() : null;
    let body;
    if (file) {
      // With a file the text is its caption, and optional.
      body = { attachment: Object.assign({ id: file.id }, text.trim() === '' ? {} : { caption: text }) };
    } else {
      // Send always carries the text, so an empty one gets the API's own 400; start and end take it as optional.
      body = action === 'send' || text.trim() !== '' ? { message: text } : {};
    }
    const fileId = file ? file.id : null;
    const same =
      unanswered &&
      unanswered.action === action &&
      unanswered.contactId === contactId &&
      unanswered.text === text &&
      unanswered.fileId === fileId;
    const key = same ? unanswered.key : newKey();
    setBusy(true);
    showResult(file ? 'Sending ' + (file.filename || 'the file') + '…' : PENDING[action], 'pending');
    const res = await api(
      'POST',
      '/api/admin/conversations/' + encodeURIComponent(contactId) + '/chat-support/' + action,
      body,
      {
        'Idempotency-Key': key,
      },
    );
    setBusy(false);
    if (!token) return;
    unanswered = res.status === 0 ? { action, contactId, text, key, fileId } : null;
    if (res.status === 200) {
      if (openId === contactId && ui.message.value === text) {
        ui.message.value = '';
        ui.cannedHint.hidden = true;
      }
      if (file) attachments.sent(file);
      showResult(
        '✓ ' + (file ? 'File sent' : SUCCESS[action]) + ' (' + formatTime(res.body && res.body.timestamp) + ')',
        'ok',
      );
      if (openId === contactId) conversationRefresh.schedule();
      listRefresh.schedule();
      return;
    }
    showResult('✗ ' + REFUSED[action] + ' — ' + describeFailure(res), 'error');
  }

  /** Take the open chat, or give it back; the answer is shown as the API words it. */
  async function holderCommand(action) {
    const contactId = openId;
    if (!contactId || busy) return;
    setBusy(true);
    showResult(action === 'assign' ? 'Taking the chat…' : 'Giving the chat back…', 'pending');
    const res = await api('POST', '/api/admin/conversations/' + encodeURIComponent(contactId) + '/' + action);
    setBusy(false);
    if (!token) return;
    if (res.status === 200) {
      showResult('✓ ' + res.body.message, 'ok');
      if (openId === contactId) conversationRefresh.schedule();
      queueRefresh.schedule();
      return;
    }
    showResult(
      '✗ ' + (action === 'assign' ? 'Chat not taken' : 'Chat not given back') + ' — ' + describeFailure(res),
      'error',
    );
  }

  ui.takeChat.addEventListener('click', () => void holderCommand('assign'));
  ui.giveBack.addEventListener('click', () => void holderCommand('unassign'));

  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    void command('send');
  });
  ui.startChat.addEventListener('click', () => void command('start'));
  ui.endChat.addEventListener('click', () => void command('end'));
  ui.message.addEventListener('keydown', (event) => {
    if (cannedOpen && cannedKey(event)) return;
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void command('send');
    }
  });

  // ---- notes ----

  async function addNote() {
    const contactId = openId;
    if (!contactId || noteBusy) return;
    const text = ui.note.value;
    noteBusy = true;
    ui.addNote.disabled = true;
    showResult('Adding the note…', 'pending', ui.noteResult);
    const res = await api('POST', '/api/admin/conversations/' + encodeURIComponent(contactId) + '/notes', { text });
    noteBusy = false;
    ui.addNote.disabled = false;
    if (!token || openId !== contactId) return;
    if (res.status === 201) {
      if (ui.note.value === text) ui.note.value = '';
      showResult('✓ Note added (' + formatTime(res.body && res.body.timestamp) + ')', 'ok', ui.noteResult);
      scrollToEnd = true;
      conversationRefresh.schedule();
      return;
    }
    showResult('✗ Note not added — ' + describeFailure(res), 'error', ui.noteResult);
  }

  ui.noteForm.addEventListener('submit', (event) => {
    event.preventDefault();
    void addNote();
  });
  ui.note.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void addNote();
    }
  });

  // ---- canned responses ----

  /** The filter typed after "/" at the start of the composer, or null when the text is no such thing. */
  function cannedFilter() {
    const match = /^\/([^\n]*)$/.exec(ui.message.value);
    return match ? match[1].trim().toLowerCase() : null;
  }

  /** Opens the menu and loads the responses filled for the open conversation's student. */
  async function openCanned() {
    const contactId = openId;
    if (!contactId) return;
    const sequence = ++cannedSequence;
    cannedOpen = true;
    cannedItems = null;
    renderCanned();
    // `?phone=` takes any reference to a student (contact id, phone, BSUID or username); without it the
    // server answers the bodies unfilled, with no `text`.
    const res = await api('GET', '/api/admin/canned-responses?phone=' + encodeURIComponent(contactId));
    if (sequence !== cannedSequence || contactId !== openId || !cannedOpen || !token) return;
    if (res.status !== 200) {
      ui.cannedMenu.replaceChildren(
        node('li', 'canned-empty error', 'Could not load canned responses: ' + describeFailure(res)),
      );
      return;
    }
    cannedItems = res.body.cannedResponses;
    cannedActive = 0;
    renderCanned();
  }

  function closeCanned() {
    cannedOpen = false;
    cannedItems = null;
    cannedShown = [];
    cannedSequence++;
    ui.cannedMenu.hidden = true;
    ui.cannedMenu.replaceChildren();
    ui.message.setAttribute('aria-expanded', 'false');
    ui.message.removeAttribute('aria-activedescendant');
  }

  function renderCanned() {
    const filter = cannedFilter();
    if (filter === null) {
      closeCanned();
      return;
    }
    ui.cannedMenu.hidden = false;
    ui.message.setAttribute('aria-expanded', 'true');
    ui.message.removeAttribute('aria-activedescendant');
    if (cannedItems === null) {
      ui.cannedMenu.replaceChildren(node('li', 'canned-empty muted', 'Loading canned responses…'));
      return;
    }
    cannedShown = cannedItems.filter((c) => c.title.toLowerCase().includes(filter));
    cannedActive = Math.min(Math.max(cannedActive, 0), Math.max(cannedShown.length - 1, 0));
    if (cannedShown.length === 0) {
      const why =
        cannedItems.length === 0 ? 'No canned responses yet.' : 'No canned response matches “' + filter + '”.';
      ui.cannedMenu.replaceChildren(node('li', 'canned-empty muted', why));
      return;
    }
    ui.cannedMenu.replaceChildren(
      ...cannedShown.map((c, index) => {
        const option = node('li', 'canned-option');
        option.id = 'canned-option-' + c.id;
        option.setAttribute('role', 'option');
        option.setAttribute('aria-selected', String(index === cannedActive));
        option.append(node('span', 'canned-title', c.title), node('span', 'canned-preview', c.text));
        // Keeps the focus in the composer, so the click does not close the menu first.
        option.addEventListener('mousedown', (event) => event.preventDefault());
        option.addEventListener('click', () => pickCanned(c));
        return option;
      }),
    );
    const active = ui.cannedMenu.children[cannedActive];
    ui.message.setAttribute('aria-activedescendant', active.id);
    active.scrollIntoView({ block: 'nearest' });
  }

  /** Arrows move through the menu, Enter picks, Escape closes; true when the key was the menu's. */
  function cannedKey(event) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (cannedShown.length > 0) {
        const step = event.key === 'ArrowDown' ? 1 : -1;
        cannedActive = (cannedActive + step + cannedShown.length) % cannedShown.length;
        renderCanned();
      }
      return true;
    }
    if (event.key === 'Enter') {
      // With the menu open Enter never sends: "/greeting" is a search, not a message for the student.
      event.preventDefault();
      const picked = cannedShown[cannedActive];
      if (picked) pickCanned(picked);
      return true;
    }
    if (event.key === 'Escape') {
      event.preventDefault();
      closeCanned();
      return true;
    }
    return false;
  }

  const FIELD_LABELS = { first_name: 'first name', full_name: 'full name', class: 'class' };

  /** Puts the filled text in the composer for the agent to edit and send, and says what the profile lacked. */
  function pickCanned(response) {
    closeCanned();
    ui.message.value = response.text;
    ui.message.focus();
    ui.message.setSelectionRange(response.text.length, response.text.length);
    const missing = (response.missing || []).map((field) => FIELD_LABELS[field] || field);
    ui.cannedHint.hidden = missing.length === 0;
    ui.cannedHint.textContent =
      missing.length === 0
        ? ''
        : 'This student’s profile has no ' +
          missing.join(', ') +
          ': replace ' +
          missing.map((label) => '[' + label + ']').join(', ') +
          ' before sending.';
  }

  ui.message.addEventListener('input', () => {
    if (cannedFilter() === null) closeCanned();
    else if (!cannedOpen) void openCanned();
    else renderCanned();
    noteTyping();
  });
  ui.message.addEventListener('blur', () => closeCanned());

  // ---- start ----

  if (token) showApp();
  else showLogin('');
})();
