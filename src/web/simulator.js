// @ts-check
// The sandbox simulator: a person chats with the bot as a WhatsApp user. What they type or tap goes
// to POST /sandbox/messages, which hands a signed, Meta-shaped webhook to the product; the bot's
// replies are read back from the emulator's outbox (GET /sandbox/sends) by polling. This module wires
// the page: who is chatting (simulator-user.js), the chat (simulator-chat.js) and its thread
// (simulator-thread.js, simulator-sheet.js).
import { createChat } from './simulator-chat.js';
import { forgetUser, loadUser, phoneDigits, saveUser, userFromForm } from './simulator-user.js';

/** @typedef {import('./simulator-user.js').SimUser} SimUser */

/**
 * The page's element `id`, which must be a `type`.
 * @template {HTMLElement} T
 * @param {string} id @param {{ new (): T, name: string }} type
 * @returns {T}
 */
function byId(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  return element;
}

const ui = {
  identity: byId('identity', HTMLElement),
  changeUser: byId('change-user', HTMLButtonElement),
  setupView: byId('setup-view', HTMLElement),
  setupForm: byId('setup-form', HTMLFormElement),
  kindPhone: byId('kind-phone', HTMLInputElement),
  kindUsername: byId('kind-username', HTMLInputElement),
  phoneFields: byId('phone-fields', HTMLElement),
  usernameFields: byId('username-fields', HTMLElement),
  phone: byId('phone', HTMLInputElement),
  username: byId('username', HTMLInputElement),
  name: byId('name', HTMLInputElement),
  setupError: byId('setup-error', HTMLElement),
  chatView: byId('chat-view', HTMLElement),
  thread: byId('thread', HTMLElement),
  chatError: byId('chat-error', HTMLElement),
  composer: byId('composer', HTMLFormElement),
  text: byId('text', HTMLInputElement),
  sheet: byId('list-sheet', HTMLDialogElement),
  sheetTitle: byId('sheet-title', HTMLElement),
  sheetSections: byId('sheet-sections', HTMLElement),
  sheetClose: byId('sheet-close', HTMLButtonElement),
  account: byId('account', HTMLDetailsElement),
  changeNumberForm: byId('change-number-form', HTMLFormElement),
  newPhone: byId('new-phone', HTMLInputElement),
  changeUserId: byId('change-user-id', HTMLButtonElement),
};

const chat = createChat(ui);

// ---- who is chatting ----

function renderKind() {
  ui.phoneFields.hidden = ui.kindUsername.checked;
  ui.usernameFields.hidden = !ui.kindUsername.checked;
}
ui.kindPhone.addEventListener('change', renderKind);
ui.kindUsername.addEventListener('change', renderKind);

ui.setupForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const read = userFromForm({
    usernameMode: ui.kindUsername.checked,
    phone: ui.phone.value,
    username: ui.username.value,
    name: ui.name.value,
  });
  if ('error' in read) {
    ui.setupError.textContent = read.error;
    return;
  }
  ui.setupError.textContent = '';
  saveUser(read.user);
  startChat(read.user);
});

/** The chat view for `user`, with the setup form filled in as theirs for when they change. @param {SimUser} user */
function startChat(user) {
  ui.setupView.hidden = true;
  ui.chatView.hidden = false;
  ui.changeUser.hidden = false;
  ui.kindUsername.checked = !user.phone && Boolean(user.username);
  ui.kindPhone.checked = !ui.kindUsername.checked;
  renderKind();
  ui.phone.value = user.phone || '';
  ui.username.value = user.username || '';
  ui.name.value = user.name;
  void chat.start(user);
}

ui.changeUser.addEventListener('click', () => {
  chat.stop();
  forgetUser();
  ui.chatView.hidden = true;
  ui.changeUser.hidden = true;
  ui.setupView.hidden = false;
  ui.identity.textContent = 'Sandbox: messages go to the local WhatsApp emulator';
  if (ui.kindUsername.checked) ui.username.focus();
  else ui.phone.focus();
});

// ---- the user's side ----

ui.composer.addEventListener('submit', (event) => {
  event.preventDefault();
  if (!chat.user()) return;
  const text = ui.text.value;
  if (text.trim() === '') return;
  ui.text.value = '';
  void chat.sendText(text);
});

// ---- account changes: WhatsApp's system messages ----

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
  void chat.changeAccount(phone);
});
ui.changeUserId.addEventListener('click', () => void chat.changeAccount(null));

document.addEventListener('visibilitychange', () => chat.resume());

const saved = loadUser();
if (saved) startChat(saved);
else ui.phone.focus();
