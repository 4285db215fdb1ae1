// @ts-check
// Media in the console's history: students' photos and documents, agents' attachments. Their URLs are
// admin routes that need the agent's token, which an <img> or a plain link cannot send, so each file is
// fetched with the token and shown through an object URL. Object URLs live until the view changes
// (another conversation, sign-out), when reset() revokes them all.
import { node } from './console-dom.js';

/** A message's file as the API describes it. @typedef {NonNullable<import('./api-types').Message['media']>} Media */
/** @typedef {{ objectUrl: string; failure?: undefined } | { failure: string; objectUrl?: undefined }} Loaded */

/**
 * "820 B", "12 KB", "4.2 MB".
 * @param {unknown} bytes
 */
function formatSize(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1024) return bytes + ' B';
  if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + ' KB';
  return (bytes / (1024 * 1024)).toFixed(1) + ' MB';
}

/** @type {[RegExp, string][]} */
const KINDS = [
  [/^image\//, 'Photo'],
  [/^video\//, 'Video'],
  [/^audio\//, 'Audio'],
];

/** @param {string | null | undefined} mimeType */
function kindOf(mimeType) {
  const found = KINDS.find(([pattern]) => pattern.test(mimeType || ''));
  return found ? found[1] : 'Document';
}

/**
 * `fetchBlob(url)` answers `{ blob }` or `{ failure }` (a text to show); `viewer` is a <dialog> with
 * an <img> and a close button, where a photo opens full size; `onImageLoad` runs when a photo in the
 * history has its size, which moves what is below it.
 * @param {{ fetchBlob: typeof import('./console-api.js').fetchBlob; viewer: HTMLDialogElement; onImageLoad?: () => void }} parts
 */
function create({ fetchBlob, viewer, onImageLoad }) {
  // url → promise of { objectUrl } or { failure }; failures are forgotten, so a later render retries.
  /** @type {Map<string, Promise<Loaded>>} */
  const loaded = new Map();
  let generation = 0;
  const viewerFigure = /** @type {HTMLElement} */ (viewer.querySelector('figure'));
  const viewerCaption = /** @type {HTMLElement} */ (viewer.querySelector('figcaption'));

  /**
   * @param {string} url
   * @returns {Promise<Loaded>}
   */
  function load(url) {
    let entry = loaded.get(url);
    if (entry) return entry;
    const mine = generation;
    entry = fetchBlob(url).then((res) => {
      if (!res.blob) {
        if (mine === generation) loaded.delete(url);
        return { failure: String(res.failure) };
      }
      const objectUrl = URL.createObjectURL(res.blob);
      // Loaded after the view changed: nothing would ever revoke it.
      if (mine !== generation) {
        URL.revokeObjectURL(objectUrl);
        return { failure: 'no longer shown' };
      }
      return { objectUrl };
    });
    loaded.set(url, entry);
    return entry;
  }

  /** Revokes every object URL made for the view being left. */
  function reset() {
    generation++;
    for (const entry of loaded.values()) {
      void entry.then((res) => {
        if (res.objectUrl) URL.revokeObjectURL(res.objectUrl);
      });
    }
    loaded.clear();
    if (viewer.open) viewer.close();
  }

  /**
   * The name is on the link already; the history's answer carries no size (the type check showed the
   * size once read here was never there).
   * @param {Media} media
   */
  function describe(media) {
    return [kindOf(media.mimeType), media.mimeType].filter(Boolean).join(' · ');
  }

  /**
   * A photo inline, as a button that opens it full size.
   * @param {Media} media
   */
  function photo(media) {
    const box = node('div', 'media media-photo');
    const button = node('button', 'media-open');
    button.type = 'button';
    const label = media.filename ? 'Photo ' + media.filename : 'Photo';
    button.setAttribute('aria-label', label + ': open full size');
    button.title = 'Open full size';
    const image = document.createElement('img');
    image.alt = label;
    image.hidden = true;
    image.addEventListener('load', () => onImageLoad && onImageLoad());
    const state = node('span', 'media-state muted', 'Loading the photo…');
    button.append(image, state);
    button.disabled = true;
    box.append(button);
    void load(media.url).then((res) => {
      if (res.objectUrl) {
        image.src = res.objectUrl;
        image.hidden = false;
        state.remove();
        button.disabled = false;
        const objectUrl = res.objectUrl;
        button.addEventListener('click', () => openViewer(objectUrl, label));
      } else {
        state.textContent = 'Photo not loaded: ' + res.failure;
        state.className = 'media-state error';
      }
    });
    return box;
  }

  /**
   * A document, audio or video: a link that downloads it, fetched with the token on the first click.
   * @param {Media} media
   */
  function file(media) {
    const box = node('div', 'media media-file');
    const link = node('a', 'media-link', 'Download ' + (media.filename || kindOf(media.mimeType).toLowerCase()));
    link.href = '#';
    link.download = media.filename || '';
    const details = node('span', 'media-details muted', describe(media));
    const state = node('span', 'media-state', '');
    box.append(link, details, state);
    link.addEventListener('click', (event) => {
      // Once loaded the link points at the object URL and the browser downloads it as any link.
      if (link.dataset.loaded === 'true') return;
      event.preventDefault();
      if (link.dataset.loading === 'true') return;
      link.dataset.loading = 'true';
      state.textContent = 'Downloading…';
      state.className = 'media-state muted';
      void load(media.url).then((res) => {
        delete link.dataset.loading;
        if (!res.objectUrl) {
          state.textContent = 'Not downloaded: ' + res.failure;
          state.className = 'media-state error';
          return;
        }
        state.textContent = '';
        link.href = res.objectUrl;
        link.dataset.loaded = 'true';
        link.click();
      });
    });
    return box;
  }

  /**
   * @param {string} objectUrl
   * @param {string} label
   */
  function openViewer(objectUrl, label) {
    const image = document.createElement('img');
    image.src = objectUrl;
    image.alt = label;
    for (const old of viewerFigure.querySelectorAll('img')) old.remove();
    viewerFigure.prepend(image);
    viewerCaption.textContent = label;
    if (!viewer.open) viewer.showModal();
  }

  viewer.addEventListener('close', () => {
    for (const old of viewerFigure.querySelectorAll('img')) old.remove();
  });
  viewer.querySelector('button')?.addEventListener('click', () => viewer.close());
  // A click on the backdrop (the dialog itself, outside its content) closes it too.
  viewer.addEventListener('click', (event) => {
    if (event.target === viewer) viewer.close();
  });

  /**
   * The element showing a message's `media` ({ url, mimeType, filename? }); `type` is the
   * message's, which says "image" when WhatsApp gave no MIME type.
   * @param {Media} media
   * @param {string} type
   */
  function element(media, type) {
    const image = media.mimeType ? /^image\//.test(media.mimeType) : type === 'image' || type === 'sticker';
    return image ? photo(media) : file(media);
  }

  return { element, reset };
}

export { create, formatSize, kindOf };
