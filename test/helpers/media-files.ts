import { randomBytes } from 'node:crypto';

// Files of the formats WhatsApp takes, by their signatures and of any size: what recognition reads is
// the first bytes, so the rest is random (and so no two files are alike).

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const padded = (head: Buffer, size: number): Buffer =>
  Buffer.concat([head, randomBytes(Math.max(0, size - head.length))]);

export const pngFile = (size: number): Buffer => padded(PNG_SIGNATURE, size);
export const jpegFile = (size: number): Buffer => padded(Buffer.from([0xff, 0xd8, 0xff, 0xe0]), size);
export const pdfFile = (size: number): Buffer => padded(Buffer.from('%PDF-1.7\n'), size);
/** A Windows executable: `MZ`, as every PE file starts. */
export const exeFile = (size: number): Buffer => padded(Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), size);
/** An MP4: a first box of type `ftyp` with the brand `isom`. */
export const mp4File = (size: number): Buffer =>
  padded(Buffer.concat([Buffer.from([0, 0, 0, 0x20]), Buffer.from('ftypisom\0\0\x02\0isomiso2', 'latin1')]), size);
