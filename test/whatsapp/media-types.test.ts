import { recogniseMedia } from '../../src/whatsapp/media-types';
import { checkOutboundLimits } from '../../src/whatsapp/outbound';
import { exeFile, jpegFile, mp4File, pdfFile, pngFile } from '../helpers/media-files';

// Which files WhatsApp takes: a format named by the extension or declared type, confirmed by the bytes.

const bytes = (...parts: (string | number[])[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));
const ZIP = bytes([0x50, 0x4b, 0x03, 0x04], 'rest of a zip');
const OLE2 = bytes([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], 'rest');
const OGG_OPUS = bytes('OggS', Array(24).fill(0), 'OpusHead', [1, 2]);
const OGG_VORBIS = bytes('OggS', Array(24).fill(0), '\x01vorbis', [1, 2]);
const THREE_GP = bytes([0, 0, 0, 0x14], 'ftyp3gp4', [0, 0, 0, 0]);

const kind = (filename: string | undefined, mimeType: string | undefined, head: Buffer) => {
  const result = recogniseMedia({ head, ...(filename ? { filename } : {}), ...(mimeType ? { mimeType } : {}) });
  return result.ok ? `${result.format.mediaType} ${result.format.mimeType}` : 'refused';
};

describe('recogniseMedia', () => {
  it.each([
    ['photo.JPG', 'image/jpeg', jpegFile(100), 'image image/jpeg'],
    ['photo.png', undefined, pngFile(100), 'image image/png'],
    ['notes.pdf', 'application/pdf', pdfFile(100), 'document application/pdf'],
    ['notes.txt', 'text/plain; charset=utf-8', Buffer.from('Chapter 1\n'), 'document text/plain'],
    [
      'essay.docx',
      'application/octet-stream',
      ZIP,
      'document application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    ],
    ['marks.xls', undefined, OLE2, 'document application/vnd.ms-excel'],
    ['voice.ogg', 'audio/ogg', OGG_OPUS, 'audio audio/ogg'],
    ['voice.amr', undefined, bytes('#!AMR\n', [0x3c]), 'audio audio/amr'],
    ['song.mp3', 'audio/mpeg', bytes('ID3', [4, 0, 0]), 'audio audio/mpeg'],
    ['song.mp3', 'audio/mpeg', bytes([0xff, 0xfb, 0x90, 0x64]), 'audio audio/mpeg'],
    ['clip.aac', 'audio/aac', bytes([0xff, 0xf1, 0x50, 0x80]), 'audio audio/aac'],
    ['memo.m4a', 'audio/mp4', mp4File(100), 'audio audio/mp4'],
    ['lesson.mp4', 'video/mp4', mp4File(100), 'video video/mp4'],
    ['lesson.3gp', 'video/3gpp', THREE_GP, 'video video/3gpp'],
  ])('takes %s declared %s', (filename, mimeType, head, expected) => {
    expect(kind(filename, mimeType, head)).toBe(expected);
  });

  it.each([
    ['an executable renamed .png', 'photo.png', 'image/png', exeFile(100)],
    ['an executable as text', 'notes.txt', 'text/plain', exeFile(100)],
    ['binary called text', 'notes.txt', 'text/plain', bytes('abc', [0], 'def')],
    ['OGG without Opus', 'voice.ogg', 'audio/ogg', OGG_VORBIS],
    ['a 3GP called .mp4', 'lesson.mp4', 'video/mp4', THREE_GP],
    ['an MP4 called .3gp', 'lesson.3gp', 'video/3gpp', mp4File(100)],
    ['a PNG called .jpg', 'photo.jpg', undefined, pngFile(100)],
    ['a name and a type that disagree', 'photo.png', 'image/jpeg', pngFile(100)],
    ['WebP', 'sticker.webp', 'image/webp', bytes('RIFF', [0, 0, 0, 0], 'WEBP')],
    ['nothing declared', undefined, 'application/octet-stream', pngFile(100)],
    ['MP3 sync bits with the ADTS layer', 'song.mp3', 'audio/mpeg', bytes([0xff, 0xf1, 0x50, 0x80])],
  ])('refuses %s', (_what, filename, mimeType, head) => {
    expect(kind(filename, mimeType, head)).toBe('refused');
  });
});

describe('checkOutboundLimits for an attachment', () => {
  it('holds a caption to 1024 characters', () => {
    const media = { kind: 'media', mediaType: 'image', fileId: 1, mimeType: 'image/png' } as const;
    expect(checkOutboundLimits({ ...media, caption: 'é'.repeat(1024) })).toEqual([]);
    expect(checkOutboundLimits({ ...media, caption: 'é'.repeat(1025) })).toEqual([
      'caption must be 1-1024 characters (got 1025)',
    ]);
  });
});
