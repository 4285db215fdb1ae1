import crypto from 'node:crypto';
import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  decodeOptionalFailureToOptionalError,
  encodeErrorToFailure,
} from '@temporalio/common/lib/internal-non-workflow/codec-helpers';
import { loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/data-converter-helpers';
import { temporal } from '@temporalio/proto';
import { temporalDataConverter } from '../../src/temporal/connect';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA,
  PayloadDecryptionError,
} from '../../src/temporal/payload-codec';

const key = (id: string) => ({ id, key: crypto.randomBytes(32) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

const secret = { phone: '15550009876', name: 'Ana Secret', text: 'my homework is about photosynthesis' };
const plain = (): Payload => defaultPayloadConverter.toPayload(secret);

describe('AesGcmPayloadCodec', () => {
  it('encrypts the whole payload under the first key and decodes it back unchanged', async () => {
    const codec = new AesGcmPayloadCodec([key('k2'), key('k1')]);
    const original = plain();
    const [encoded] = await codec.encode([original]);
    expect(text(encoded!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![KEY_ID_METADATA])).toBe('k2');
    expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', KEY_ID_METADATA]);
    const raw = Buffer.from(encoded!.data!);
    for (const value of [...Object.values(secret), 'json/plain']) expect(raw.includes(value)).toBe(false);
    const [decoded] = await codec.decode([encoded!]);
    expect(text(decoded!.metadata!.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secret);
  });

  it('uses a fresh IV each time: the same payload never encrypts to the same bytes', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('decrypts with an old key after rotation, and encrypts with the new one', async () => {
    const old = key('old');
    const [sealedBefore] = await new AesGcmPayloadCodec([old]).encode([plain()]);
    const rotated = new AesGcmPayloadCodec([key('new'), old]);
    const [opened] = await rotated.decode([sealedBefore!]);
    expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(secret);
    const [sealedAfter] = await rotated.encode([plain()]);
    expect(text(sealedAfter!.metadata![KEY_ID_METADATA])).toBe('new');
  });

  it('refuses a payload under a key it does not hold, naming the key id', async () => {
    const [sealed] = await new AesGcmPayloadCodec([key('gone')]).encode([plain()]);
    await expect(new AesGcmPayloadCodec([key('other')]).decode([sealed!])).rejects.toThrow(
      new PayloadDecryptionError(
        'encrypted payload under key "gone", which TEMPORAL_PAYLOAD_KEYS does not hold',
        'gone',
      ),
    );
  });

  it('detects a payload altered in any byte, and a key swapped under the same id', async () => {
    const k = key('k1');
    const codec = new AesGcmPayloadCodec([k]);
    const [sealed] = await codec.encode([plain()]);
    const data = Buffer.from(sealed!.data!);
    for (const at of [0, 12, Math.floor(data.length / 2), data.length - 1]) {
      const altered = Buffer.from(data);
      altered[at] = altered[at]! ^ 0x01;
      await expect(codec.decode([{ ...sealed!, data: altered }])).rejects.toThrow(/failed its integrity check/);
    }
    await expect(codec.decode([{ ...sealed!, data: data.subarray(0, 20) }])).rejects.toThrow(/truncated/);
    await expect(new AesGcmPayloadCodec([key('k1')]).decode([sealed!])).rejects.toThrow(/failed its integrity check/);
  });

  it('passes payloads it did not encrypt through unchanged (histories written before encryption)', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const before = plain();
    const binary: Payload = { metadata: { encoding: Buffer.from('binary/null') } };
    const [a, b] = await codec.decode([before, binary]);
    expect(a).toBe(before);
    expect(b).toBe(binary);
  });

  it('needs a key to be built', () => {
    expect(() => new AesGcmPayloadCodec([])).toThrow(/at least one key/);
  });
});

describe('the data converter of every client and worker', () => {
  it("encrypts a failure's message and stack trace, and reads them back", async () => {
    const converter = loadDataConverter(temporalDataConverter([key('k1')]));
    const failure = await encodeErrorToFailure(converter, new Error(`could not store "${secret.text}"`));
    const raw = JSON.stringify(
      temporal.api.failure.v1.Failure.toObject(temporal.api.failure.v1.Failure.create(failure)),
    );
    expect(raw).not.toContain(secret.text);
    expect(text(failure.encodedAttributes?.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    const error = await decodeOptionalFailureToOptionalError(converter, failure);
    expect(error?.message).toBe(`could not store "${secret.text}"`);
  });
});
