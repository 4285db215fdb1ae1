import type { Context } from 'koa';
import { listAuditEntries } from '../../../src/db/audit';
import { silentLogger } from '../../../src/logger';
import {
  AUTH_FAILURE_ACTION,
  createAuthLimiter,
  OTHER_SOURCES,
  type AuthLimiter,
} from '../../../src/server/admin/auth-limiter';
import { clientSource, sourceKey } from '../../../src/server/admin/client-source';
import { createTestDatabase } from '../../helpers/database';
import { startAdminApp, type AdminApp } from './admin-app';

// The failed-sign-in limiter of the admin API: its rate limit, its audit rows (at most one per source
// and minute, carrying the count), its bounded memory, and the source it keys on.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let clock = 0;
const limiters: AuthLimiter[] = [];

beforeAll(async () => {
  database = await createTestDatabase({ migrated: true });
});

afterAll(async () => {
  for (const limiter of limiters) await limiter.stop();
  await database?.drop();
});

beforeEach(async () => {
  clock = Date.parse('2026-12-07T10:00:00Z');
  await database.db.query('delete from audit_log');
});

function limiter(options: { maxSources?: number; maxRowsPerWindow?: number } = {}): AuthLimiter {
  // A sweep interval no test reaches: the tests sweep by hand, at the times they choose.
  const made = createAuthLimiter({
    db: database.db,
    logger: silentLogger,
    now: () => clock,
    sweepMs: 3_600_000,
    ...options,
  });
  limiters.push(made);
  return made;
}

const auditRows = () => listAuditEntries(database.db, { limit: 1000 }).then((rows) => rows.reverse());

describe('the rate limit', () => {
  it('refuses a source after 20 failures in a minute until that minute has passed', async () => {
    const limits = limiter();
    for (let i = 0; i < 19; i++) limits.failed('198.51.100.1', 'unknown_token');
    expect(limits.retryAfter('198.51.100.1')).toBeUndefined();
    clock += 10_000;
    limits.failed('198.51.100.1', 'unknown_token');
    expect(limits.retryAfter('198.51.100.1')).toBe(50);
    // Another source is not affected.
    expect(limits.retryAfter('198.51.100.2')).toBeUndefined();
    // Refusals while over the limit do not stretch the window.
    clock += 30_000;
    limits.failed('198.51.100.1', 'rate_limited');
    expect(limits.retryAfter('198.51.100.1')).toBe(20);
    clock += 20_000;
    expect(limits.retryAfter('198.51.100.1')).toBeUndefined();
    // A new window starts with the next failure, from zero.
    limits.failed('198.51.100.1', 'missing_token');
    expect(limits.retryAfter('198.51.100.1')).toBeUndefined();
  });

  it('counts failures only: a source that never fails is never refused', () => {
    const limits = limiter();
    for (let i = 0; i < 1000; i++) expect(limits.retryAfter('198.51.100.3')).toBeUndefined();
    expect(limits.sourceCount()).toBe(0);
  });
});

describe('the audit rows', () => {
  it('records the first failure of a source at once and the rest of its minute in one row after it', async () => {
    const limits = limiter();
    expect(limits.failed('198.51.100.4', 'unknown_token')).toEqual({
      audit: true,
      details: { source: '198.51.100.4', failures: 1 },
    });
    for (let i = 0; i < 499; i++) {
      clock += 100;
      expect(limits.failed('198.51.100.4', i < 30 ? 'unknown_token' : 'rate_limited')).toEqual({ audit: false });
    }
    await limits.sweep();
    expect(await auditRows()).toEqual([]);

    clock = Date.parse('2026-12-07T10:01:00Z');
    await limits.sweep();
    const rows = await auditRows();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      actor: 'anonymous',
      action: AUTH_FAILURE_ACTION,
      httpStatus: 401,
      details: {
        source: '198.51.100.4',
        failures: 499,
        reasons: { unknown_token: 30, rate_limited: 469 },
        since: '2026-12-07T10:00:00.100Z',
        until: '2026-12-07T10:01:00.000Z',
      },
    });

    // The next row of that source comes a minute after this one at the earliest, counting everything since.
    clock += 1_000;
    expect(limits.failed('198.51.100.4', 'missing_token')).toEqual({ audit: false });
    clock += 58_000;
    await limits.sweep();
    expect(await auditRows()).toHaveLength(1);
    clock += 1_000;
    await limits.sweep();
    expect((await auditRows())[1]).toMatchObject({ details: { source: '198.51.100.4', failures: 1 } });
  });

  it('writes the count still pending when it stops', async () => {
    const limits = limiter();
    limits.failed('198.51.100.5', 'unknown_token');
    limits.failed('198.51.100.5', 'unknown_token');
    await limits.stop();
    expect((await auditRows()).map((r) => r.details)).toEqual([
      expect.objectContaining({ source: '198.51.100.5', failures: 1 }),
    ]);
  });

  it('writes at most maxRowsPerWindow rows a minute, however many sources, and sums the rest', async () => {
    const limits = limiter({ maxRowsPerWindow: 3 });
    // The request's own row is written by the audit middleware: three sources get one at once.
    const atOnce = [];
    for (let n = 1; n <= 10; n++) if (limits.failed(`203.0.113.${n}`, 'unknown_token').audit) atOnce.push(n);
    expect(atOnce).toEqual([1, 2, 3]);
    expect(limits.sourceCount()).toBe(10);
    clock += 60_000;
    await limits.sweep();
    clock += 60_000;
    await limits.sweep();
    const rows = await auditRows();
    const bySource = rows.map((r) => [r.details.source, r.details.failures]);
    // A minute later, three more sources get a row of their own and the last four one row between them.
    expect(bySource).toEqual([
      ['203.0.113.4', 1],
      ['203.0.113.5', 1],
      ['203.0.113.6', 1],
      [OTHER_SOURCES, 4],
    ]);
  });
});

describe('memory', () => {
  it('keeps at most maxSources sources, summing the dropped ones, and forgets quiet ones', async () => {
    const limits = limiter({ maxSources: 50 });
    let atOnce = 0;
    for (let n = 0; n < 5000; n++) {
      const source = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
      if (limits.failed(source, 'unknown_token').audit) atOnce++;
      if (limits.failed(source, 'unknown_token').audit) atOnce++;
    }
    expect(atOnce).toBe(100);
    expect(limits.sourceCount()).toBe(50);
    clock += 60_000;
    await limits.sweep();
    clock += 60_000;
    await limits.sweep();
    expect(limits.sourceCount()).toBe(0);
    const rows = await auditRows();
    // After the 100 rows at once (the cap), a row for each of the 50 sources kept and one for all others:
    // every failure is in exactly one row.
    const total = rows.reduce((sum, r) => sum + Number(r.details.failures), 0);
    expect(total + atOnce).toBe(10_000);
    expect(rows).toHaveLength(51);
  });
});

describe('the source of a request', () => {
  const request = (remoteAddress: string, forwarded?: string) =>
    ({
      req: { socket: { remoteAddress } },
      get: (name: string) => (name.toLowerCase() === 'x-forwarded-for' ? (forwarded ?? '') : ''),
    }) as unknown as Pick<Context, 'get' | 'req'>;

  it('takes the address the nearest proxy appended, never what the client wrote before it', () => {
    expect(clientSource(request('10.0.0.7', '198.51.100.9'))).toBe('198.51.100.9');
    expect(clientSource(request('10.0.0.7', '1.2.3.4, 5.6.7.8, 198.51.100.9'))).toBe('198.51.100.9');
    expect(clientSource(request('::ffff:127.0.0.1', 'spoofed, 198.51.100.9'))).toBe('198.51.100.9');
  });

  it('ignores X-Forwarded-For from a peer on a public address, which reached the server directly', () => {
    expect(clientSource(request('198.51.100.20', '203.0.113.1'))).toBe('198.51.100.20');
    expect(clientSource(request('::ffff:198.51.100.20', '203.0.113.1'))).toBe('198.51.100.20');
  });

  it('falls back to the peer when the last entry is not an address', () => {
    expect(clientSource(request('127.0.0.1', '198.51.100.9, nonsense'))).toBe('127.0.0.1');
    expect(clientSource(request('127.0.0.1'))).toBe('127.0.0.1');
  });

  it('keys IPv6 addresses by their /64', () => {
    expect(sourceKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(sourceKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientSource(request('2001:db8:1:2::99'))).toBe('2001:db8:1:2::/64');
  });
});

describe('on the admin API', () => {
  let app: AdminApp;

  beforeAll(async () => {
    app = await startAdminApp();
  });

  afterAll(async () => {
    await app?.stop();
  });

  const auditCount = async () =>
    Number((await app.db.query<{ n: string }>('select count(*) as n from audit_log')).rows[0]!.n);

  it('answers 429 with Retry-After after 20 failures, without a token lookup or an audit row', async () => {
    const headers = { 'x-forwarded-for': '192.0.2.50' };
    const auditBefore = await auditCount();
    for (let i = 0; i < 20; i++) {
      const answer = await app.request('GET', '/api/admin/conversations', { token: 'edb_not-a-token', headers });
      expect(answer.status).toBe(401);
    }
    const queries = jest.spyOn(app.db, 'query');
    try {
      const refused = await app.request('GET', '/api/admin/conversations', { token: 'edb_not-a-token', headers });
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.body).toMatchObject({ status: 'error', error: { code: 'too_many_failed_attempts' } });
      // The admin's own token from the same address waits too: nothing is looked up until the minute ends.
      const admin = await app.request('GET', '/api/admin/conversations', { token: app.config.adminToken, headers });
      expect(admin.status).toBe(429);
      expect(queries).not.toHaveBeenCalled();
    } finally {
      queries.mockRestore();
    }
    // Another source is served as usual.
    const other = await app.request('GET', '/api/admin/conversations', {
      token: app.config.adminToken,
      headers: { 'x-forwarded-for': '192.0.2.51' },
    });
    expect(other.status).toBe(200);
    // 22 refusals: one audit row (the first), plus the admin's own 200 from the other source.
    const auditAfter = await auditCount();
    expect(auditAfter - auditBefore).toBe(2);
  });
});
