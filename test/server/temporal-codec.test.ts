import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import Koa from 'koa';
import { loadConfig } from '../../src/config';
import { silentLogger } from '../../src/logger';
import { temporalCodecRoutes } from '../../src/server/routes/temporal-codec';
import { AesGcmPayloadCodec } from '../../src/temporal/payload-codec';
import { startScoped } from '../helpers/cleanup';
import { createTestDatabase } from '../helpers/database';
import { TEST_PAYLOAD_KEYS, testPayloadKeys } from '../helpers/payload-keys';
import { uncheckedFetch } from '../helpers/checked-fetch';
import { serveOnLoopback } from '../helpers/serve';
import { lastAudit, startAdminApp, TEST_ADMIN_TOKEN, type AdminApp } from './admin/admin-app';

// The codec server the Temporal Web UI calls: decrypted payloads for admins, nobody else, and only to
// pages of the UI's own origin.

let app: AdminApp;
beforeAll(async () => {
  app = await startAdminApp();
});
afterAll(() => app?.stop());

const student = { phone: '15550004321', name: 'Ana Codec', email: 'ana.codec@example.org', text: 'my essay' };

const wire = (payloads: Payload[]) => ({
  payloads: payloads.map((p) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  })),
});
const fromWire = (body: { payloads: { metadata: Record<string, string>; data: string }[] }): Payload[] =>
  body.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
    data: Buffer.from(p.data, 'base64'),
  }));

/** What the worker wrote to Temporal: the payload sealed by the codec with the product's key. */
async function sealed(): Promise<ReturnType<typeof wire>> {
  const codec = new AesGcmPayloadCodec(testPayloadKeys());
  return wire(await codec.encode([defaultPayloadConverter.toPayload(student)]));
}

const UI = 'http://localhost:8233';

describe('POST /api/temporal-codec/decode', () => {
  it('gives an admin the payloads the codec encrypted, in clear, and audits the request without them', async () => {
    const answer = await app.request('POST', '/api/temporal-codec/decode', {
      token: TEST_ADMIN_TOKEN,
      body: await sealed(),
      headers: { 'x-namespace': 'default', origin: UI },
    });
    expect(answer.status).toBe(200);
    const [payload] = fromWire(answer.body);
    expect(defaultPayloadConverter.fromPayload(payload!)).toEqual(student);
    expect(answer.headers.get('access-control-allow-origin')).toBe(UI);
    expect(answer.headers.get('access-control-allow-credentials')).toBe('true');
    const audit = await lastAudit(app.db);
    expect(audit).toMatchObject({
      action: 'temporal_codec.decode',
      outcome: 'ok',
      http_status: 200,
      details: { payloads: 1, namespace: 'default' },
    });
    expect(JSON.stringify(audit)).not.toContain('Ana');
  });

  it('encodes for an admin what it then decodes (the CLI and UI send inputs this way)', async () => {
    const plain = wire([defaultPayloadConverter.toPayload(student)]);
    const encoded = await app.request('POST', '/api/temporal-codec/encode', { token: TEST_ADMIN_TOKEN, body: plain });
    expect(encoded.status).toBe(200);
    expect(JSON.stringify(encoded.body)).not.toContain(plain.payloads[0]!.data);
    const decoded = await app.request('POST', '/api/temporal-codec/decode', {
      token: TEST_ADMIN_TOKEN,
      body: encoded.body,
    });
    expect(decoded.body).toEqual(plain);
  });

  it('refuses anyone without a token (401) and an agent (403)', async () => {
    const body = await sealed();
    const anonymous = await app.request('POST', '/api/temporal-codec/decode', { body });
    expect(anonymous.status).toBe(401);
    expect(JSON.stringify(anonymous.body)).not.toContain(student.name);
    const agent = await app.token('agent');
    const refused = await app.request('POST', '/api/temporal-codec/decode', { token: agent.token, body });
    expect(refused.status).toBe(403);
    expect(JSON.stringify(refused.body)).not.toContain(student.name);
    expect(await lastAudit(app.db)).toMatchObject({ action: 'temporal_codec.decode', http_status: 403 });
  });

  it('answers a preflight from the UI origin, and gives a foreign origin no CORS allow header', async () => {
    const preflight = await app.request('OPTIONS', '/api/temporal-codec/decode', {
      headers: {
        origin: 'http://127.0.0.1:8233',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://127.0.0.1:8233');
    expect(preflight.headers.get('access-control-allow-headers')).toBe('Authorization, Content-Type, X-Namespace');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');

    const foreign = 'http://evil.example';
    const foreignPreflight = await app.request('OPTIONS', '/api/temporal-codec/decode', {
      headers: { origin: foreign, 'access-control-request-method': 'POST' },
    });
    expect(foreignPreflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreignPreflight.headers.get('access-control-allow-headers')).toBeNull();
    const foreignPost = await app.request('POST', '/api/temporal-codec/decode', {
      token: TEST_ADMIN_TOKEN,
      body: await sealed(),
      headers: { origin: foreign },
    });
    expect(foreignPost.headers.get('access-control-allow-origin')).toBeNull();
    expect(foreignPost.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('answers bad input with a 4xx: not JSON, wrong shape, not base64, a payload no key opens', async () => {
    const post = (body: unknown) =>
      app.request('POST', '/api/temporal-codec/decode', { token: TEST_ADMIN_TOKEN, body });
    expect((await post('{')).body.error.code).toBe('invalid_json');
    expect((await post({ payload: [] })).status).toBe(400);
    expect((await post({ payloads: [{ data: '@@not base64@@' }] })).body.error.code).toBe('invalid_body');
    const foreignKey = new AesGcmPayloadCodec([{ id: 'elsewhere', key: Buffer.alloc(32, 7) }]);
    const unreadable = await post(wire(await foreignKey.encode([defaultPayloadConverter.toPayload(student)])));
    expect(unreadable.status).toBe(422);
    expect(unreadable.body.error.code).toBe('undecryptable_payload');
    // A payload the codec never sealed (a history from before encryption) comes back as it was.
    const plain = wire([defaultPayloadConverter.toPayload('hello')]);
    expect((await post(plain)).body).toEqual(plain);
  });

  it('lets the UI of npm start decode without a token only in sandbox mode with the published admin token', async () => {
    const sandbox = await startScoped(async (defer) => {
      const database = await createTestDatabase({ migrated: true });
      defer(() => database.drop());
      const config = loadConfig({ DATABASE_URL: database.url, TEMPORAL_PAYLOAD_KEYS: TEST_PAYLOAD_KEYS });
      expect(config.sandbox).toBe(true);
      const koa = new Koa();
      koa.use(temporalCodecRoutes({ config, db: database.db, logger: silentLogger }).routes());
      return { baseUrl: await serveOnLoopback(koa, defer) };
    });
    try {
      const decode = async (origin: string) => {
        // A bare Koa app here: a refusal comes as Koa's plain text, not the product's JSON error, so the
        // answer is not checked against the OpenAPI document.
        const response = await uncheckedFetch(`${sandbox.baseUrl}/api/temporal-codec/decode`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', origin },
          body: JSON.stringify(await sealed()),
        });
        const text = await response.text();
        return { status: response.status, text };
      };
      const fromUi = await decode('http://127.0.0.1:8233');
      expect(fromUi.status).toBe(200);
      const [opened] = fromWire(JSON.parse(fromUi.text) as Parameters<typeof fromWire>[0]);
      expect(defaultPayloadConverter.fromPayload(opened!)).toEqual(student);
      expect((await decode('http://evil.example')).status).toBe(401);
    } finally {
      await sandbox.stop();
    }
    // A configured ADMIN_TOKEN (the app above) is never implied, whatever the origin says.
    const anonymousUi = await app.request('POST', '/api/temporal-codec/decode', {
      body: await sealed(),
      headers: { origin: UI },
    });
    expect(anonymousUi.status).toBe(401);
  });
});
