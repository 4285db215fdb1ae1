import crypto from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PayloadKey } from '../config';

// Every payload leaves the process encrypted (SPEC §12): the whole original payload, metadata included
// (its `encoding` says what the data is, which is itself a hint), proto-encoded and sealed with
// AES-256-GCM under a fresh IV. Only the key id and our encoding travel in clear.

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const ProtoPayload = temporal.api.common.v1.Payload;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const utf8 = new TextEncoder();
const ENCRYPTED_ENCODING_BYTES = utf8.encode(ENCRYPTED_ENCODING);

/** Thrown when an encrypted payload cannot be opened: an unknown key id, a short body or a failed tag check. */
export class PayloadDecryptionError extends Error {
  override name = 'PayloadDecryptionError';
  constructor(
    message: string,
    readonly keyId: string | undefined,
  ) {
    super(message);
  }
}

function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.encoding;
  return encoding !== undefined && encoding !== null && Buffer.from(encoding).equals(ENCRYPTED_ENCODING_BYTES);
}

/**
 * The payload codec: the first key encrypts, every key decrypts (rotation: add the new key first, keep
 * the old until no history it sealed is read any more). Payloads that are not ours pass through, so the
 * histories release 1.0.0 wrote in clear stay readable.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly encryptWith: PayloadKey;
  private readonly byId: ReadonlyMap<string, Buffer>;

  constructor(keys: readonly PayloadKey[]) {
    const [first] = keys;
    if (!first) throw new Error('the payload codec needs at least one key');
    this.encryptWith = first;
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  // async so that a payload that cannot be opened rejects the promise rather than throwing at the call.
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => this.seal(p));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((p) => (isEncrypted(p) ? this.open(p) : p));
  }

  private seal(payload: Payload): Payload {
    const plain = ProtoPayload.encode(payload).finish();
    const iv = crypto.randomBytes(IV_BYTES);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.encryptWith.key, iv);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      metadata: { encoding: ENCRYPTED_ENCODING_BYTES, [KEY_ID_METADATA]: utf8.encode(this.encryptWith.id) },
      // iv | ciphertext | tag: one buffer, so the layout needs no metadata of its own.
      data: Buffer.concat([iv, body, cipher.getAuthTag()]),
    };
  }

  private open(payload: Payload): Payload {
    const rawId = payload.metadata?.[KEY_ID_METADATA];
    const keyId = rawId ? Buffer.from(rawId).toString('utf8') : undefined;
    const key = keyId === undefined ? undefined : this.byId.get(keyId);
    if (!key) {
      throw new PayloadDecryptionError(
        keyId === undefined
          ? 'encrypted payload without an encryption-key-id'
          : `encrypted payload under key "${keyId}", which TEMPORAL_PAYLOAD_KEYS does not hold`,
        keyId,
      );
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) {
      throw new PayloadDecryptionError(`encrypted payload under key "${keyId}" is truncated`, keyId);
    }
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(
        `encrypted payload under key "${keyId}" failed its integrity check (altered, or another key with this id)`,
        keyId,
      );
    }
    return ProtoPayload.decode(plain);
  }
}
