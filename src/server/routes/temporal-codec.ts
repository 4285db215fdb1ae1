import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { Payload } from '@temporalio/common';
import { z } from 'zod';
import { SANDBOX_SECRETS, type Config } from '../../config';
import type { Db } from '../../db/pool';
import type { Logger } from '../../logger';
import type { AdminAuthMetrics } from '../../metrics/admin-auth-metrics';
import { AesGcmPayloadCodec, PayloadDecryptionError } from '../../temporal/payload-codec';
import { noteAudit, type AdminState } from '../admin/audit';
import { ADMIN_ONLY, adminGuard } from '../admin/auth';
import type { AuthLimiter } from '../admin/auth-limiter';
import { parse } from '../admin/params';
import { HttpError } from '../errors';
import { readRawBody } from '../raw-body';

// Temporal's codec-server contract (SPEC §12), for the Web UI and the CLI (`--codec-endpoint`):
// POST …/decode and …/encode take `{ "payloads": [{ "metadata": { k: base64 }, "data": base64 }] }`
// and answer the same shape. Decoding shows students' data, so both need the admin role, each request
// leaves one audit row (never the payloads), and a browser may call them only from the Temporal UI's
// own origin.

export const TEMPORAL_CODEC_PATH = '/api/temporal-codec';

// One history event's payloads, each at most Temporal's 2 MB blob limit, base64 and JSON-escaped.
const BODY_LIMIT_BYTES = 8 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const Base64 = z.string().max(BODY_LIMIT_BYTES).regex(BASE64, 'must be base64');
export const CodecBody = z.strictObject({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string().max(256), Base64).optional(),
        data: Base64.optional(),
      }),
    )
    .max(10_000),
});
type CodecBody = z.infer<typeof CodecBody>;

const Namespace = z.string().max(255).optional();

export interface TemporalCodecDeps {
  config: Pick<Config, 'adminToken' | 'temporalSecurity' | 'temporalUiPort' | 'sandbox'>;
  db: Db;
  logger: Logger;
  authMetrics?: AdminAuthMetrics;
  /** The server's one limiter of failed sign-ins, shared with the admin API. */
  authLimiter?: AuthLimiter;
}

/** Where this machine's Web UI reaches the codec: the HTTP server, on loopback when it binds every interface. */
export function temporalCodecEndpoint(config: Pick<Config, 'host' | 'port'>): string {
  const host = ['0.0.0.0', '::'].includes(config.host) ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}${TEMPORAL_CODEC_PATH}`;
}

/** The origins of the Temporal Web UI `npm start` runs, the only pages that may call the codec. */
export function temporalUiOrigins(config: Pick<Config, 'temporalUiPort'>): string[] {
  return [`http://localhost:${config.temporalUiPort}`, `http://127.0.0.1:${config.temporalUiPort}`];
}

/**
 * CORS for the UI's origin only: it sends `Authorization` and `X-Namespace`, so the browser asks first
 * (OPTIONS), and with "include credentials" the answer must name the origin and allow credentials. Any
 * other origin gets no allow header, so its page cannot read an answer.
 */
function uiOnlyCors(origins: readonly string[]): Middleware {
  return async (ctx, next) => {
    const origin = ctx.get('origin');
    const allowed = origin !== '' && origins.includes(origin);
    ctx.vary('Origin');
    if (allowed) {
      ctx.set('Access-Control-Allow-Origin', origin);
      ctx.set('Access-Control-Allow-Credentials', 'true');
    }
    if (ctx.method === 'OPTIONS') {
      if (allowed) {
        ctx.set('Access-Control-Allow-Methods', 'POST');
        ctx.set('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Namespace');
        ctx.set('Access-Control-Max-Age', '600');
      }
      ctx.status = 204;
      return;
    }
    await next();
  };
}

/**
 * The Web UI of `npm start` can send no token of ours (it passes only an OIDC login's token, and only to
 * an https endpoint). In sandbox mode with the published admin token, a request from the UI's origin
 * without one is taken as that token's: it grants nothing that token, printed at start, does not.
 */
function sandboxUiAsAdmin(origins: readonly string[]): Middleware {
  return async (ctx, next) => {
    if (ctx.get('authorization') === '' && origins.includes(ctx.get('origin'))) {
      ctx.request.headers.authorization = `Bearer ${SANDBOX_SECRETS.adminToken}`;
    }
    await next();
  };
}

const toBytes = (value: string): Uint8Array => Buffer.from(value, 'base64');
const toBase64 = (bytes: Uint8Array | null | undefined): string => Buffer.from(bytes ?? []).toString('base64');

function fromWire(body: CodecBody): Payload[] {
  return body.payloads.map((p) => ({
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, toBytes(v)])),
    data: toBytes(p.data ?? ''),
  }));
}

function toWire(payloads: Payload[]): CodecBody {
  return {
    payloads: payloads.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, toBase64(v)])),
      data: toBase64(p.data),
    })),
  };
}

export function temporalCodecRoutes(deps: TemporalCodecDeps): Router<AdminState> {
  const router = new Router<AdminState>({ prefix: TEMPORAL_CODEC_PATH });
  const keys = deps.config.temporalSecurity.payloadKeys;
  const codec = keys && keys.length > 0 ? new AesGcmPayloadCodec(keys) : undefined;
  const guard = adminGuard(deps);
  // Before the guard, so that a refusal also reaches the UI's page and it can say why.
  const origins = temporalUiOrigins(deps.config);
  const cors = uiOnlyCors(origins);
  const publishedAdmin = deps.config.sandbox && deps.config.adminToken === SANDBOX_SECRETS.adminToken;
  const before = publishedAdmin ? [cors, sandboxUiAsAdmin(origins)] : [cors];

  for (const operation of ['decode', 'encode'] as const) {
    router.options(`/${operation}`, cors);
    router.post(`/${operation}`, ...before, ...guard(`temporal_codec.${operation}`, ADMIN_ONLY), async (ctx) => {
      const namespace = parse(Namespace, ctx.get('x-namespace') || undefined, 'invalid_namespace', 'Bad X-Namespace');
      let json: unknown;
      try {
        json = JSON.parse((await readRawBody(ctx, BODY_LIMIT_BYTES)).toString('utf8'));
      } catch (err) {
        if (err instanceof HttpError) throw err;
        throw new HttpError(400, 'invalid_json', 'Body is not JSON');
      }
      const body = parse(CodecBody, json, 'invalid_body', 'Invalid body');
      // Counts only: the audit log must never hold what the payloads say.
      noteAudit(ctx, { details: { payloads: body.payloads.length, ...(namespace ? { namespace } : {}) } });
      if (!codec) throw new HttpError(503, 'codec_unavailable', 'This server holds no payload key');
      try {
        const payloads = fromWire(body);
        ctx.body = toWire(operation === 'decode' ? await codec.decode(payloads) : await codec.encode(payloads));
      } catch (err) {
        if (!(err instanceof PayloadDecryptionError)) throw err;
        throw new HttpError(422, 'undecryptable_payload', err.message);
      }
    });
  }
  return router;
}
