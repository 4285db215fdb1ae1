import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { findFreePort } from '../../src/net';
import { createTestDatabase } from '../helpers/database';
import { spawnTs, type Spawned } from '../helpers/spawn';
import { readTestEnvironment } from '../helpers/test-env';

// The test of record for media memory: the production HTTP server (`start:server`, its own process)
// takes a 100 MB upload and serves it back while this test samples the process's resident memory.
// Memory must not scale with the file: the server's RSS may grow by far less than the file's size
// (a bound, not a speed target), and the bytes served back are the bytes sent (sha256).

jest.setTimeout(300_000);

const MB = 1024 * 1024;
const FILE_BYTES = 100 * MB;
/** How far the server's RSS may rise above its warm baseline while it moves the file. */
const RSS_GROWTH_BOUND = 60 * MB;
const ADMIN_TOKEN = `media-memory-admin-${randomBytes(16).toString('hex')}`;

let server: Spawned;
let baseUrl: string;

beforeAll(async () => {
  const database = await createTestDatabase({ migrated: true });
  const port = await findFreePort();
  const unused = await findFreePort();
  server = spawnTs('src/bin/start-server.ts', {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    MALLOC_ARENA_MAX: '2',
    DATABASE_URL: database.url,
    TEMPORAL_ADDRESS: readTestEnvironment().temporalAddress,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Nothing listens there: this test never reaches WhatsApp.
    WHATSAPP_API_BASE_URL: `http://127.0.0.1:${unused}/v22.0`,
    WHATSAPP_ACCESS_TOKEN: 'media-memory-access-token',
    WHATSAPP_PHONE_NUMBER_ID: '100000000000001',
    WHATSAPP_APP_SECRET: 'media-memory-app-secret',
    WHATSAPP_VERIFY_TOKEN: 'media-memory-verify-token',
    ADMIN_TOKEN,
    PAYMENT_WEBHOOK_SECRET: 'media-memory-payment-secret',
    TEMPORAL_PAYLOAD_KEYS: `k1:${randomBytes(32).toString('base64')}`,
  });
  await server.waitForOutput('server listening', 120_000);
  baseUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  server?.child.kill('SIGTERM');
  await server?.exited;
});

/** The server's resident set size now, from /proc (what the kernel charges the process). */
function rss(): number {
  const status = fs.readFileSync(`/proc/${server.child.pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error('no VmRSS in /proc status');
  return Number(kb[1]) * 1024;
}

/** Samples the server's RSS every 50 ms while `work` runs; returns its result and the peak seen. */
async function sampled<T>(work: () => Promise<T>): Promise<{ result: T; peak: number }> {
  let peak = rss();
  const timer = setInterval(() => (peak = Math.max(peak, rss())), 50);
  try {
    const result = await work();
    return { result, peak: Math.max(peak, rss()) };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Uploads a PDF of `size` bytes as multipart, generating it 1 MB at a time (this process never holds
 * it either), and returns the server's answer and the file's sha256.
 */
function upload(
  size: number,
): Promise<{ status: number; body: { media: { id: number; sizeBytes: number } }; sha256: string }> {
  const boundary = `----media-memory-${randomBytes(8).toString('hex')}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\n` +
      'Content-Type: application/pdf\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const hash = createHash('sha256');
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${baseUrl}/api/admin/media`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': String(head.length + size + tail.length),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString()) as { media: { id: number; sizeBytes: number } },
            sha256: hash.digest('hex'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.write(head);
    let sent = 0;
    const more = (): void => {
      while (sent < size) {
        const piece = randomBytes(Math.min(MB, size - sent));
        if (sent === 0) Buffer.from('%PDF-1.7\n').copy(piece);
        sent += piece.length;
        hash.update(piece);
        if (!req.write(piece)) return void req.once('drain', more);
      }
      req.end(tail);
    };
    more();
  });
}

/** Downloads a stored file, hashing it as it streams; returns the status and the sha256. */
function download(id: number): Promise<{ status: number; sizeBytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${baseUrl}/api/admin/media/${id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }, (res) => {
        const hash = createHash('sha256');
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          hash.update(chunk);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, sizeBytes: size, sha256: hash.digest('hex') }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

describe('media through start:server', () => {
  it('takes and serves a 100 MB file with the server’s RSS growing by far less than the file', async () => {
    // Warm up: the code paths of an upload and a download loaded and compiled before the baseline.
    const warm = await upload(2 * MB);
    expect(warm.status).toBe(201);
    expect((await download(warm.body.media.id)).sha256).toBe(warm.sha256);
    const baseline = rss();

    const up = await sampled(() => upload(FILE_BYTES));
    expect(up.result.status).toBe(201);
    expect(up.result.body.media.sizeBytes).toBe(FILE_BYTES);
    const down = await sampled(() => download(up.result.body.media.id));
    expect(down.result).toEqual({ status: 200, sizeBytes: FILE_BYTES, sha256: up.result.sha256 });

    const growth = { upload: up.peak - baseline, download: down.peak - baseline };
    // The figures, for the record (README/report): MB above the warm baseline.
    process.stdout.write(
      `media memory: baseline ${(baseline / MB).toFixed(1)} MB, upload +${(growth.upload / MB).toFixed(1)} MB, ` +
        `download +${(growth.download / MB).toFixed(1)} MB\n`,
    );
    expect(growth.upload).toBeLessThan(RSS_GROWTH_BOUND);
    expect(growth.download).toBeLessThan(RSS_GROWTH_BOUND);
  });
});
