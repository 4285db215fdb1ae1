// WhatsApp's limits on the messages a business sends (Meta's Cloud API pages for text, reply-button
// and list messages). Lengths are characters as Meta counts them: Unicode code points, not UTF-16
// units. Plain values with no imports, so workflow code uses them as well as the server.

/**
 * WhatsApp's customer-service window: free-form messages reach a user only this long after their last
 * message; outside it only an approved template may be sent.
 */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** A text message's body; also the longest text a user can send. */
export const MAX_TEXT_CHARS = 4096;

/**
 * The body of a reply-button or list message. Reply buttons allow 1024; the list page now says
 * 4096, but older SDKs and providers enforce 1024, which is safe for both.
 */
export const MAX_INTERACTIVE_BODY_CHARS = 1024;

/** An interactive message's text header, and its footer. */
export const MAX_HEADER_CHARS = 60;
export const MAX_FOOTER_CHARS = 60;

/** Reply buttons on one message, and each button's title and id. */
export const MAX_REPLY_BUTTONS = 3;
export const MAX_BUTTON_TITLE_CHARS = 20;
export const MAX_BUTTON_ID_CHARS = 256;

/** A list message: the button that opens it, its sections, and its rows in all sections together. */
export const MAX_LIST_BUTTON_CHARS = 20;
export const MAX_LIST_SECTIONS = 10;
export const MAX_LIST_ROWS = 10;

/** A list section's title, and each row's title, id and optional description. */
export const MAX_SECTION_TITLE_CHARS = 24;
export const MAX_ROW_TITLE_CHARS = 24;
export const MAX_ROW_ID_CHARS = 200;
export const MAX_ROW_DESCRIPTION_CHARS = 72;

// What WhatsApp sends us. The webhook clamps inbound fields to these, so every value it hands on can
// be stored and replayed; a message's text and list or button replies use the limits above.

/** A media caption (image, video, document), as Meta limits it when sending. */
export const MAX_CAPTION_CHARS = 1024;

/** A template quick-reply button's label (a template's creation-time limit). */
export const MAX_TEMPLATE_BUTTON_CHARS = 25;

/** A phone number in E.164 has at most 15 digits. */
export const MAX_PHONE_DIGITS = 15;

/**
 * A business-scoped user id (BSUID): a country code, a period and up to 128 letters and digits
 * (`US.13491208655302741918`). Meta's pages give the format; a value outside it is not one.
 */
export const BSUID_PATTERN = /^[A-Z]{2}\.[A-Za-z0-9]{1,128}$/;

/** A BSUID or a parent BSUID, which has `ENT.` after the period (earlier examples had none). */
export const ANY_BSUID_PATTERN = /^[A-Z]{2}\.(?:ENT\.)?[A-Za-z0-9]{1,128}$/;

/**
 * Ids WhatsApp hands us (wamids, media ids). Meta documents no length; real ones are under 100
 * characters, and the longest id it documents anywhere is a reply button's.
 */
export const MAX_ID_CHARS = MAX_BUTTON_ID_CHARS;

/**
 * Any other inbound text Meta documents no limit for: profile names (the app allows about 25
 * characters, counting an emoji sequence as one), file names, location names and addresses, emoji,
 * error titles. The longest documented limit short of a text body.
 */
export const MAX_OTHER_TEXT_CHARS = 1024;

// The files an agent may attach, by WhatsApp's media upload limits (reference §5.8b; Meta's
// supported media types). Sizes in bytes, a megabyte being 1024 × 1024 as Meta's pages count it.

const MB = 1024 * 1024;

/** An image (JPEG or PNG). */
export const MAX_IMAGE_BYTES = 5 * MB;
/** A document: PDF, plain text and the Office formats. */
export const MAX_DOCUMENT_BYTES = 100 * MB;
/** Audio: AAC, AMR, MP3, M4A, OGG with Opus. */
export const MAX_AUDIO_BYTES = 16 * MB;
/** Video: MP4 and 3GP. */
export const MAX_VIDEO_BYTES = 16 * MB;
/** The largest file of any kind. */
export const MAX_MEDIA_BYTES = MAX_DOCUMENT_BYTES;
