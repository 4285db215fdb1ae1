// @ts-check
// The agents' console, started: the parts made and wired to each other, then the sign-in or the app.
// Conversations, their history and notes, live updates, search, canned responses, unread counts,
// desktop notifications, chat-support commands, WhatsApp's 24-hour window with its templates, media,
// attachments, labels, business hours and SLAs, reports and campaigns, all through the admin API with
// the agent's bearer token. Every piece of data goes into the page as text (textContent), never as
// markup. A command is shown as done only after the API answered 200.
import { api, describeFailure, fetchBlob, newKey } from './console-api.js';
import { create as createAttach } from './console-attach.js';
import { create as createCampaigns } from './console-campaigns.js';
import { createCanned } from './console-canned.js';
import { createCommands, showResult } from './console-commands.js';
import { createConversation } from './console-conversation.js';
import { createHolder } from './console-holder.js';
import { create as createHours } from './console-hours.js';
import { listKeys } from './console-keys.js';
import { create as createLabels } from './console-labels.js';
import { createList } from './console-list.js';
import { createLive } from './console-live.js';
import { createMe } from './console-me.js';
import { create as createMedia } from './console-media.js';
import { createNotes } from './console-notes.js';
import { createNotifier, renderNotifyMe } from './console-notify.js';
import { createQueue } from './console-queue.js';
import { create as createReports } from './console-reports.js';
import { createSearch } from './console-search.js';
import { createSession } from './console-session.js';
import { state } from './console-state.js';
import { create as createTemplates } from './console-templates.js';
import { createTimeline } from './console-timeline.js';
import { ui } from './console-ui.js';
import { createViews } from './console-views.js';

// The parts call each other back (opening a conversation from the list, a label change reloading the
// list): those calls are arrows that reach a part made further down, only once the page is running.
/** @type {(contactId: string, messageId?: string | number) => void} */
const open = (contactId, messageId) => conversation.open(contactId, messageId);

// Labels and priority (console-labels.js): chips, the editor, the list's filters.
const labels = createLabels({
  api,
  describeFailure,
  contactId: () => state.openId,
  onFilterChange() {
    state.conversations = [];
    void list.load();
  },
  /** @param {string} contactId */
  onChanged(contactId) {
    if (state.openId === contactId) conversation.refresh.schedule();
    list.refresh.schedule();
    queue.refresh.schedule();
  },
});
// Business hours and SLAs (console-hours.js): the header's open/closed line, SLA clocks, the admins' editors.
const hours = createHours({ api, describeFailure });
const media = createMedia({ fetchBlob, viewer: ui.mediaViewer, onImageLoad: () => timeline.keepEnd() });
const timeline = createTimeline({ media });
const templates = createTemplates({
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
  contactId: () => state.openId,
  /** @param {string} contactId */
  onSent(contactId) {
    if (state.openId === contactId) conversation.refresh.schedule();
    list.refresh.schedule();
  },
});
const reports = createReports({ api, fetchBlob, describeFailure });
const campaigns = createCampaigns({ api, fetchBlob, describeFailure });
const attachments = createAttach({
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
  contactId: () => state.openId,
  refusal() {
    if (holder.windowClosed()) return 'WhatsApp’s window is closed: only a template reaches the student.';
    if (ui.composer.classList.contains('held-by-other')) return ui.holder.textContent;
    if (state.busy) return 'a command is still in progress; try again when it has answered.';
    return null;
  },
  showResult,
  onChange: () => holder.render(),
});
const holder = createHolder({ attachments, templates });
const canned = createCanned();
const { notify } = createNotifier({ open });
const list = createList({ labels, open });
const queue = createQueue({ labels, hours, notify, open });
const me = createMe({
  onMe(agent) {
    campaigns.setAdmin(agent.role === 'admin');
    if (state.openChat !== null) holder.render();
  },
});
const conversation = createConversation({
  labels,
  hours,
  media,
  templates,
  attachments,
  holder,
  timeline,
  marked() {
    list.render();
    queue.render();
  },
  leave() {
    canned.close();
    commands.forget();
  },
  seen: (contactId) => live.seen(contactId),
});
const commands = createCommands({
  attachments,
  holder,
  canned,
  refresh: { list: list.refresh, queue: queue.refresh, conversation: conversation.refresh },
});
createNotes({ timeline, refreshConversation: conversation.refresh });
const search = createSearch({ open });
const views = createViews({ 'reports-view': () => reports.open(), 'campaigns-view': () => campaigns.open() });
const live = createLive({
  labels,
  hours,
  list,
  queue,
  conversation,
  holder,
  notify,
  signOut: (/** @type {string} */ message) => session.signOut(message),
});
const session = createSession({
  views,
  stopStream: () => live.stop(),
  started() {
    renderNotifyMe();
    live.start();
    labels.start();
    hours.start();
    void list.load();
    void queue.load();
    void me.load();
  },
  stopped() {
    list.reset();
    queue.reset();
    conversation.forget();
    templates.forget();
    labels.forget();
    hours.forget();
    reports.reset();
    campaigns.reset();
    canned.close();
    search.close();
    ui.search.value = '';
    ui.messages.replaceChildren();
  },
});

listKeys(ui.list);
listKeys(ui.queueList);
listKeys(ui.searchList);

if (state.token) session.showApp();
else session.showLogin('');
