// @ts-check
// The conversation as the simulator shows it: the bot's messages with their buttons and list buttons,
// the user's own messages with their delivery, WhatsApp's system notices and dividers. The thread is a
// list of items rendered with lit-html, keyed, so a change (a message delivered) updates its own row
// and nothing else. Every text goes into the page as text, never as markup.
import { html, nothing, render } from '../lib/lit-html/lit-html.js';
import { repeat } from '../lib/lit-html/directives/repeat.js';

/** @typedef {import('./api-types').SandboxSend} SandboxSend */
/** @typedef {SandboxSend['content']} SentContent */
/** @typedef {Extract<SentContent, { kind: 'list' }>} ListContent */
/** @typedef {{ kind: 'button' | 'list', id: string, title: string }} Reply */
/** @typedef {null | { at: number } | { failure: string }} Outcome */
/**
 * @typedef {{ key: number, kind: 'divider', text: string }
 *   | { key: number, kind: 'in', send: SandboxSend }
 *   | { key: number, kind: 'out', text: string, at: number, outcome: Outcome }
 *   | { key: number, kind: 'system', text: string, outcome: Outcome }} Item
 */
/**
 * What the user's taps do: a reply button, or a list message's button (which opens its rows).
 * @typedef {{ onReply(reply: Reply, contextId: string): void, onOpenList(content: ListContent, contextId: string): void }} ThreadActions
 */
/** The end of one of the user's messages or notices: delivered, or not with a reason. */
/** @typedef {{ delivered(): void, failed(reason: string): void }} Delivery */

/** @param {number} at */
function clock(at) {
  return new Date(at).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** WhatsApp's *bold*, as text and <strong> elements: never parsed as HTML. @param {string} text */
function formatted(text) {
  return text
    .split(/\*([^*\n]+)\*/)
    .map((part, i) => (part === '' ? nothing : i % 2 === 1 ? html`<strong>${part}</strong>` : part));
}

// An agent's attachment, as a line naming it: the simulator shows no file itself.
/** @param {Extract<SentContent, { kind: 'media' }>} content */
function mediaLine(content) {
  const name = content.filename ? `${content.mediaType}: ${content.filename}` : content.mediaType;
  return `📎 [${name}]` + (content.caption ? `\n${content.caption}` : '');
}

/** The text of a bot message as WhatsApp shows it: a template with its values filled in. @param {SentContent} content */
function textOf(content) {
  switch (content.kind) {
    case 'text':
      return content.text;
    case 'template':
      return content.rendered;
    case 'media':
      return mediaLine(content);
    default:
      return content.body;
  }
}

/** @param {SandboxSend} send @param {ThreadActions} actions */
function botMessage(send, actions) {
  const content = send.content;
  const extras = content.kind === 'buttons' || content.kind === 'list' ? content : undefined;
  const text = textOf(content);
  /** @type {import('../lib/lit-html/lit-html.js').TemplateResult | typeof nothing} */
  let taps = nothing;
  if (content.kind === 'buttons' && Array.isArray(content.buttons)) {
    taps = html`<div class="reply-buttons">
      ${content.buttons.map(
        (b) =>
          html`<button
            type="button"
            class="reply-button"
            data-id=${b.id}
            @click=${() => actions.onReply({ kind: 'button', id: b.id, title: b.title }, send.waMessageId)}
          >
            ${b.title}
          </button>`,
      )}
    </div>`;
  } else if (content.kind === 'list' && Array.isArray(content.sections)) {
    taps = html`<div class="reply-buttons">
      <button
        type="button"
        class="reply-button list-button"
        aria-haspopup="dialog"
        @click=${() => actions.onOpenList(content, send.waMessageId)}
      >
        ☰ ${content.button}
      </button>
    </div>`;
  }
  return html`<li class="row row-in" data-wa-message-id=${send.waMessageId}>
    <div class="bubble bubble-in">
      ${extras?.header ? html`<p class="bubble-header">${extras.header}</p>` : nothing}
      <p class="bubble-text">${formatted(text === undefined ? '' : text)}</p>
      ${extras?.footer ? html`<p class="bubble-footer">${extras.footer}</p>` : nothing}
      <span class="bubble-time">${clock(send.at)}</span>
    </div>
    ${taps}
  </li>`;
}

/** @param {Extract<Item, { kind: 'out' }>} item */
function ownMessage({ text, at, outcome }) {
  const failure = outcome !== null && 'failure' in outcome ? outcome.failure : null;
  const meta =
    outcome === null ? clock(at) + ' · sending…' : 'at' in outcome ? clock(outcome.at) + ' ✓' : 'not delivered';
  return html`<li class="row row-out${failure === null ? '' : ' row-failed'}">
    <div class="bubble bubble-out">
      <p class="bubble-text">${text}</p>
      <span class="bubble-time" title=${outcome !== null && 'at' in outcome ? 'Accepted by the webhook' : nothing}
        >${meta}</span
      >
      ${failure === null ? nothing : html`<p class="bubble-error">${failure}</p>`}
    </div>
  </li>`;
}

/** @param {Extract<Item, { kind: 'system' }>} item */
function notice({ text, outcome }) {
  const end = outcome === null ? '… ' : 'at' in outcome ? ' ✓' : '… not delivered: ' + outcome.failure;
  return html`<li class="row-system">${text + end}</li>`;
}

/**
 * The thread in `list` (the page's <ol>). It follows the newest message while the reader is at the
 * bottom, and stays where they scrolled to otherwise.
 * @param {HTMLElement} list @param {ThreadActions} actions
 */
export function createThread(list, actions) {
  /** @type {Item[]} */
  let items = [];
  let lastKey = 0;

  /** @param {Item} item */
  const template = (item) =>
    item.kind === 'in'
      ? botMessage(item.send, actions)
      : item.kind === 'out'
        ? ownMessage(item)
        : item.kind === 'system'
          ? notice(item)
          : html`<li class="divider">${item.text}</li>`;

  /** @param {boolean} follow scroll to the end even when the reader had scrolled up */
  function show(follow) {
    const stick = follow || list.scrollHeight - list.scrollTop - list.clientHeight < 60;
    render(
      repeat(items, (item) => item.key, template),
      list,
    );
    if (stick) list.scrollTop = list.scrollHeight;
  }

  /** @param {Extract<Item, { outcome: Outcome }>} item @returns {Delivery} */
  function delivery(item) {
    return {
      delivered() {
        item.outcome = { at: Date.now() };
        show(false);
      },
      failed(reason) {
        item.outcome = { failure: reason };
        show(false);
      },
    };
  }

  return {
    clear() {
      items = [];
      show(false);
    },
    /** @param {string} text */
    divider(text) {
      items.push({ key: ++lastKey, kind: 'divider', text });
      show(true);
    },
    /** @param {SandboxSend} send */
    botSend(send) {
      items.push({ key: ++lastKey, kind: 'in', send });
      show(false);
    },
    /** One of the user's messages, shown as sending. @param {string} text */
    own(text) {
      /** @type {Extract<Item, { kind: 'out' }>} */
      const item = { key: ++lastKey, kind: 'out', text, at: Date.now(), outcome: null };
      items.push(item);
      show(true);
      return delivery(item);
    },
    /** A system notice (a change of number), shown as under way. @param {string} text */
    notice(text) {
      /** @type {Extract<Item, { kind: 'system' }>} */
      const item = { key: ++lastKey, kind: 'system', text, outcome: null };
      items.push(item);
      show(true);
      return delivery(item);
    },
  };
}
