import { createHmac, timingSafeEqual } from 'node:crypto';

// Meta signs every webhook POST with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>`,
// keyed with the app secret. The HMAC must cover the bytes exactly as received:
// re-serialised JSON differs (Meta escapes unicode), so callers pass the raw body buffer.

const PREFIX = 'sha256=';
// Meta sends lowercase hex; uppercase is accepted too since it encodes the same digest.
const HEADER_PATTERN = /^sha256=[0-9a-fA-F]{64}$/;

/** Computes the `X-Hub-Signature-256` header value Meta would send for this body. */
export function signBody(rawBody: Buffer | string, appSecret: string): string {
  return PREFIX + createHmac('sha256', appSecret).update(rawBody).digest('hex');
}

/**
 * Whether `header` is a valid signature of `rawBody`. False for a missing or malformed header and
 * for an empty secret, so a misconfigured server never accepts unsigned traffic.
 */
export function verifySignature(rawBody: Buffer, header: string | undefined, appSecret: string): boolean {
  if (appSecret === '' || header === undefined || !HEADER_PATTERN.test(header)) return false;
  const received = Buffer.from(header.slice(PREFIX.length), 'hex');
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  // Both are 32 bytes here (the pattern fixes the length); timingSafeEqual throws otherwise.
  return received.length === expected.length && timingSafeEqual(received, expected);
}
