import type { Context } from 'koa';
import { HttpError } from './errors';

/**
 * Reads the request body as raw bytes. The webhook signature is computed over exactly these bytes,
 * so nothing may parse or re-encode them first.
 */
export async function readRawBody(ctx: Context, limitBytes: number): Promise<Buffer> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > limitBytes) throw new HttpError(413, 'payload_too_large', `Body larger than ${limitBytes} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limitBytes) throw new HttpError(413, 'payload_too_large', `Body larger than ${limitBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}
