import type { AttachmentType } from '../../domain/types';
import { MAX_AUDIO_BYTES, MAX_DOCUMENT_BYTES, MAX_IMAGE_BYTES, MAX_VIDEO_BYTES } from '../../domain/whatsapp-limits';

// The file formats WhatsApp takes for a send (reference §5.8b), and how a file is recognised as one:
// by what it is called (its extension or declared MIME type) and by its first bytes, which must agree.
// A name alone proves nothing (an .exe renamed .png); bytes alone cannot tell .docx from .xlsx (both
// ZIP) or .doc from .xls (both OLE2), so both are asked for. Used by the upload route and the Graph fake.

export interface MediaFormat {
  mediaType: AttachmentType;
  /** The MIME type stored and sent to WhatsApp. */
  mimeType: string;
  extensions: readonly string[];
  /** Other MIME types clients declare for the same format. */
  aliases?: readonly string[];
  /** Whether the first bytes of a file are of this format. */
  matches(head: Buffer): boolean;
}

/** How many first bytes recognising a format needs (an OGG file's Opus header ends at byte 36). */
export const SNIFF_BYTES = 64;

const startsWith =
  (...signature: number[]) =>
  (head: Buffer): boolean =>
    head.length >= signature.length && signature.every((byte, i) => head[i] === byte);
const ascii = (text: string): number[] => [...Buffer.from(text, 'latin1')];
const at = (head: Buffer, offset: number, text: string): boolean =>
  head.length >= offset + text.length && head.toString('latin1', offset, offset + text.length) === text;

const ZIP = startsWith(0x50, 0x4b, 0x03, 0x04);
const OLE2 = startsWith(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1);
// ISO base media (MP4, M4A, 3GP): a first box of type `ftyp`, whose major brand names the family.
const brand = (head: Buffer): string | undefined => (at(head, 4, 'ftyp') ? head.toString('latin1', 8, 12) : undefined);
const is3gp = (head: Buffer): boolean => brand(head)?.startsWith('3g') === true;
const isIsoMedia = (head: Buffer): boolean => brand(head) !== undefined && !is3gp(head);
// MPEG audio frames and AAC's ADTS frames both start with a sync of 12 set bits; the layer bits
// (zero for ADTS) tell them apart.
const isAdts = (head: Buffer): boolean => head.length >= 2 && head[0] === 0xff && (head[1]! & 0xf6) === 0xf0;
const isMpegAudio = (head: Buffer): boolean =>
  at(head, 0, 'ID3') || (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0 && (head[1]! & 0x06) !== 0);

/** Executables are refused whatever they are called: Windows PE (MZ) and ELF. */
const isExecutable = (head: Buffer): boolean => at(head, 0, 'MZ') || at(head, 0, '\x7fELF');
// Plain text has no signature: it is text if its first bytes hold no NUL and no executable header.
const isText = (head: Buffer): boolean => !head.includes(0) && !isExecutable(head);

export const MEDIA_FORMATS: readonly MediaFormat[] = [
  {
    mediaType: 'image',
    mimeType: 'image/jpeg',
    extensions: ['jpg', 'jpeg'],
    aliases: ['image/jpg', 'image/pjpeg'],
    matches: startsWith(0xff, 0xd8, 0xff),
  },
  {
    mediaType: 'image',
    mimeType: 'image/png',
    extensions: ['png'],
    matches: startsWith(0x89, ...ascii('PNG\r\n\x1a\n')),
  },
  { mediaType: 'document', mimeType: 'application/pdf', extensions: ['pdf'], matches: startsWith(...ascii('%PDF-')) },
  { mediaType: 'document', mimeType: 'text/plain', extensions: ['txt'], matches: isText },
  { mediaType: 'document', mimeType: 'application/msword', extensions: ['doc'], matches: OLE2 },
  { mediaType: 'document', mimeType: 'application/vnd.ms-excel', extensions: ['xls'], matches: OLE2 },
  { mediaType: 'document', mimeType: 'application/vnd.ms-powerpoint', extensions: ['ppt'], matches: OLE2 },
  {
    mediaType: 'document',
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extensions: ['docx'],
    matches: ZIP,
  },
  {
    mediaType: 'document',
    mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extensions: ['xlsx'],
    matches: ZIP,
  },
  {
    mediaType: 'document',
    mimeType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    extensions: ['pptx'],
    matches: ZIP,
  },
  {
    mediaType: 'audio',
    mimeType: 'audio/aac',
    extensions: ['aac'],
    aliases: ['audio/x-aac'],
    matches: (head) => isAdts(head) || at(head, 0, 'ADIF'),
  },
  { mediaType: 'audio', mimeType: 'audio/amr', extensions: ['amr'], matches: startsWith(...ascii('#!AMR\n')) },
  {
    mediaType: 'audio',
    mimeType: 'audio/mpeg',
    extensions: ['mp3'],
    aliases: ['audio/mp3'],
    matches: (head) => isMpegAudio(head),
  },
  {
    mediaType: 'audio',
    mimeType: 'audio/mp4',
    extensions: ['m4a'],
    aliases: ['audio/x-m4a', 'audio/m4a'],
    matches: isIsoMedia,
  },
  {
    // WhatsApp plays OGG with the Opus codec only: its first page carries the Opus header.
    mediaType: 'audio',
    mimeType: 'audio/ogg',
    extensions: ['ogg', 'opus', 'oga'],
    aliases: ['audio/opus'],
    matches: (head) => at(head, 0, 'OggS') && at(head, 28, 'OpusHead'),
  },
  { mediaType: 'video', mimeType: 'video/mp4', extensions: ['mp4'], matches: isIsoMedia },
  { mediaType: 'video', mimeType: 'video/3gpp', extensions: ['3gp'], aliases: ['video/3gp'], matches: is3gp },
];

/** WhatsApp's size limit for each kind of media. */
export const MAX_BYTES: Readonly<Record<AttachmentType, number>> = {
  image: MAX_IMAGE_BYTES,
  document: MAX_DOCUMENT_BYTES,
  audio: MAX_AUDIO_BYTES,
  video: MAX_VIDEO_BYTES,
};

/** "5 MB", for messages. */
export function describeBytes(bytes: number): string {
  return `${Math.round(bytes / (1024 * 1024))} MB`;
}

/** A declared MIME type without parameters (`text/plain; charset=utf-8`), lower case. */
function bareType(mimeType: string | undefined): string | undefined {
  const bare = mimeType?.split(';')[0]?.trim().toLowerCase();
  // What clients declare when they do not know: it names no format.
  return bare === '' || bare === 'application/octet-stream' ? undefined : bare;
}

function extensionOf(filename: string | undefined): string | undefined {
  const match = /\.([A-Za-z0-9]{1,8})$/.exec(filename ?? '');
  return match ? match[1]!.toLowerCase() : undefined;
}

/**
 * The format a file is, from its name, its declared MIME type and its first bytes (SNIFF_BYTES of
 * them, or the whole file if shorter), or why it is none WhatsApp takes.
 */
export function recogniseMedia(file: {
  filename?: string;
  mimeType?: string;
  head: Buffer;
}): { ok: true; format: MediaFormat } | { ok: false; reason: string } {
  if (isExecutable(file.head)) return { ok: false, reason: 'executable files are not sent' };
  const extension = extensionOf(file.filename);
  const declared = bareType(file.mimeType);
  const byExtension = extension === undefined ? undefined : MEDIA_FORMATS.find((f) => f.extensions.includes(extension));
  const byType =
    declared === undefined
      ? undefined
      : MEDIA_FORMATS.find((f) => f.mimeType === declared || f.aliases?.includes(declared) === true);
  if (extension !== undefined && byExtension === undefined)
    return { ok: false, reason: `.${extension} files are not a type WhatsApp sends` };
  if (declared !== undefined && byType === undefined)
    return { ok: false, reason: `${declared} is not a type WhatsApp sends` };
  // An M4A declared as audio/mp4 or an MP4 video called .m4a are the same bytes: the extension decides.
  const format = byExtension ?? byType;
  if (format === undefined) return { ok: false, reason: 'the file has neither an extension nor a type' };
  if (byExtension !== undefined && byType !== undefined && byExtension !== byType && !sameFamily(byExtension, byType))
    return { ok: false, reason: `the name says ${byExtension.mimeType} but the type says ${byType.mimeType}` };
  if (!format.matches(file.head)) return { ok: false, reason: `the file's content is not ${format.mimeType}` };
  return { ok: true, format };
}

// audio/mp4 and video/mp4 are declared for either; the bytes are the same container.
function sameFamily(a: MediaFormat, b: MediaFormat): boolean {
  const iso = ['audio/mp4', 'video/mp4'];
  return iso.includes(a.mimeType) && iso.includes(b.mimeType);
}
