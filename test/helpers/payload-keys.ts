import { parsePayloadKeys, type PayloadKey, type TemporalSecurity } from '../../src/config';

// The one payload key of the tests (a fixed, published value: it protects nothing but test data). Every
// process a test starts gets it as TEMPORAL_PAYLOAD_KEYS, every client and worker a test makes uses it.

export const TEST_PAYLOAD_KEYS = 'test-1:dGVzdC1vbmx5LXBheWxvYWQta2V5LTMyLWJ5dGVzISE=';

export function testPayloadKeys(): PayloadKey[] {
  const keys = parsePayloadKeys(TEST_PAYLOAD_KEYS);
  if (typeof keys === 'string') throw new Error(keys);
  return keys;
}

/** The test run's Temporal security: a plain connection, the test key. */
export function testTemporalSecurity(): TemporalSecurity {
  return { payloadKeys: testPayloadKeys(), tls: undefined, apiKey: undefined };
}
