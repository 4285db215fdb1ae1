import type { Payload } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { AesGcmPayloadCodec } from '../../src/temporal/payload-codec';
import { TestUser } from '../helpers/conversation';
import { workflowIdOf } from '../helpers/contacts';
import { newPhone } from '../helpers/fixtures';
import { testPayloadKeys } from '../helpers/payload-keys';
import { startTestStack, type TestStack } from '../helpers/stack';

// The test of record for SPEC §12's encrypted payloads: a real conversation through the webhook, the
// worker and Temporal, then its history read straight from Temporal's API without the codec. Nothing a
// student said or is called may be in it; with the codec, all of it is, so the check can fail.

let stack: TestStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(() => stack?.stop());

type History = temporal.api.history.v1.IHistory;

/** Every page of the current run's history, as Temporal stores and serves it. */
async function rawHistory(workflowId: string): Promise<History> {
  const events: temporal.api.history.v1.IHistoryEvent[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await stack.client.connection.workflowService.getWorkflowExecutionHistory({
      namespace: stack.config.temporalNamespace,
      execution: { workflowId },
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    events.push(...(page.history?.events ?? []));
    nextPageToken = page.nextPageToken && page.nextPageToken.length > 0 ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return { events };
}

/** Every Payload in the history with where the event keeps it. */
function payloadsIn(value: unknown, path = 'history', found: { path: string; payload: Payload }[] = []) {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return found;
  const record = value as Record<string, unknown>;
  if (record.metadata && typeof record.metadata === 'object' && record.data instanceof Uint8Array) {
    found.push({ path, payload: record });
    return found;
  }
  for (const [key, child] of Object.entries(record)) payloadsIn(child, `${path}.${key}`, found);
  return found;
}

const encodingOf = (payload: Payload) => Buffer.from(payload.metadata?.encoding ?? []).toString();

// Left in clear by design, and checked in the test to hold none of the student's data: search attributes,
// which Temporal indexes (SPEC §9: they hold no personal data), and the SDK's own bookkeeping of a local
// activity (its sequence number, attempt, id, type and time), whose result beside it is encrypted.
const CLEAR_BY_DESIGN = /\.searchAttributes\.|\.markerRecordedEventAttributes\.details\.data\./;

it('keeps phone, name, email and message texts out of the history Temporal stores, and the codec opens it', async () => {
  const phone = newPhone();
  const name = 'Zuzanna Encryptova';
  const email = 'zuzanna.private@example.org';
  const texts = ['Could you explain photosynthesis again', 'my secret answer about chlorophyll'];
  const user = new TestUser(stack, phone, name);
  await user.say('Hello');
  await user.tap('register');
  await user.say(name);
  await user.say(email);
  await user.say('Grade 11');
  expect(await user.state()).toBe('REGISTERED');
  await user.pick('homework');
  await user.pick('subject_biology', 'Biology');
  await user.tap('homework_text');
  await user.say(texts[1]!);
  await user.tap('main_menu');
  await user.say(texts[0]!);

  const history = await rawHistory(await workflowIdOf(stack.db, phone));
  expect(history.events!.length).toBeGreaterThan(20);
  const bytes = Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  const json = JSON.stringify(
    temporal.api.history.v1.History.toObject(temporal.api.history.v1.History.create(history)),
  );
  const secrets = [phone, name, 'Zuzanna', email, 'Grade 11', ...texts];
  for (const secret of secrets) {
    expect({ secret, inRawBytes: bytes.includes(secret) }).toEqual({ secret, inRawBytes: false });
    expect({ secret, inJson: json.includes(secret) }).toEqual({ secret, inJson: false });
    const base64 = Buffer.from(secret).toString('base64').replace(/=+$/, '');
    expect({ secret, asBase64: json.includes(base64) || bytes.includes(base64) }).toEqual({ secret, asBase64: false });
  }
  const found = payloadsIn(history);
  const clear = found.filter((f) => encodingOf(f.payload) !== 'binary/encrypted').map((f) => f.path);
  expect(clear.filter((where) => !CLEAR_BY_DESIGN.test(where))).toEqual([]);
  const payloads = found.filter((f) => encodingOf(f.payload) === 'binary/encrypted').map((f) => f.payload);
  expect(payloads.length).toBeGreaterThan(10);

  // The same history through the codec holds all of it: the check above looked where the data is.
  const decoded = await new AesGcmPayloadCodec(testPayloadKeys()).decode(payloads);
  const opened = Buffer.concat(decoded.map((p) => Buffer.from(p.data ?? [])));
  for (const secret of secrets) expect({ secret, decoded: opened.includes(secret) }).toEqual({ secret, decoded: true });
});
