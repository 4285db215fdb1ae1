// TEMPORAL_PAYLOAD_KEYS: the payload codec's keys (§12), read by the config (config/schema.ts).

/** An AES-256 key of the payload codec: its id travels in each encrypted payload's metadata. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

const PAYLOAD_KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** `id:base64` entries, comma-separated: the first encrypts, every one decrypts (rotation by adding one). */
export function parsePayloadKeys(value: string): PayloadKey[] | string {
  const keys: PayloadKey[] = [];
  for (const entry of value.split(',').map((e) => e.trim())) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (colon < 1 || !PAYLOAD_KEY_ID.test(id))
      return 'each key must be id:base64, the id letters, digits, ".", "_" or "-"';
    if (keys.some((k) => k.id === id)) return `key id "${id}" appears twice`;
    const key = Buffer.from(encoded, 'base64');
    if (!/^[A-Za-z0-9+/]{43}=?$/.test(encoded) || key.length !== 32) {
      return `key "${id}" must be 32 bytes in base64 (openssl rand -base64 32)`;
    }
    keys.push({ id, key });
  }
  return keys;
}
