import { spawnTs } from '../helpers/spawn';
import { startAdminApp, type AdminApp } from '../server/admin/admin-app';

// `npm run admin -- token …` run as its own process against a test database, with the tokens it
// makes used on the HTTP API of an app on the same database.

let app: AdminApp;

beforeAll(async () => {
  app = await startAdminApp();
});

afterAll(async () => {
  await app?.stop();
});

async function admin(...args: string[]): Promise<{ code: number | null; output: string }> {
  const run = spawnTs(
    'src/bin/admin.ts',
    { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: app.url, LOG_LEVEL: 'warn' },
    args,
  );
  const code = await run.exited;
  return { code, output: run.output() };
}

it('creates a token that works, lists it without the secret, and revokes it', async () => {
  const created = await admin('token', 'create', '--role', 'agent', '--name', 'Agent Femi');
  expect(created.code).toBe(0);
  const token = /token: (edb_[A-Za-z0-9_-]+)/.exec(created.output)?.[1];
  expect(token).toBeDefined();
  const id = /id=(\d+)/.exec(created.output)?.[1];
  expect(created.output).toContain('name="Agent Femi" role=agent');

  expect((await app.request('GET', '/api/admin/conversations', { token })).status).toBe(200);
  expect((await app.request('GET', '/api/admin/tokens', { token })).status).toBe(403);

  const listed = await admin('token', 'list');
  expect(listed.code).toBe(0);
  expect(listed.output).toContain(`id=${id} name="Agent Femi" role=agent`);
  expect(listed.output).toContain('active');
  expect(listed.output).not.toContain(token!);

  const revoked = await admin('token', 'revoke', id!);
  expect(revoked.code).toBe(0);
  expect(revoked.output).toContain(`revoked id=${id}`);
  expect((await app.request('GET', '/api/admin/conversations', { token })).status).toBe(401);
  expect((await admin('token', 'list')).output).toMatch(new RegExp(`id=${id} .* revoked `));
});

it('gives a second token for the same name to the same person, and a token for a new name to a new one', async () => {
  const personOf = (output: string) => /person=(\d+)/.exec(output)?.[1];
  const first = await admin('token', 'create', '--role', 'agent', '--name', 'Agent Kemi');
  const second = await admin('token', 'create', '--role', 'admin', '--name', 'Agent Kemi');
  const other = await admin('token', 'create', '--role', 'agent', '--name', 'Agent Kemi Two');
  expect([first.code, second.code, other.code]).toEqual([0, 0, 0]);
  expect(personOf(first.output)).toBeDefined();
  expect(personOf(second.output)).toBe(personOf(first.output));
  expect(personOf(other.output)).not.toBe(personOf(first.output));
  const { rows } = await app.db.query<{ id: string }>("select id from agents where name = 'Agent Kemi'");
  expect(rows.map((r) => r.id)).toEqual([personOf(first.output)]);
});

it('exits 1 when revoking an id that does not exist', async () => {
  const result = await admin('token', 'revoke', '999999');
  expect(result.code).toBe(1);
  expect(result.output).toContain('no token with id 999999');
});

it.each([
  [[]],
  [['tokens', 'list']],
  [['token']],
  [['token', 'rotate']],
  [['token', 'create', '--name', 'No Role']],
  [['token', 'create', '--role', 'owner', '--name', 'X']],
  [['token', 'create', '--role', 'agent']],
  [['token', 'create', '--role', 'agent', '--name', 'ADMIN_TOKEN']],
  [['token', 'create', '--role', 'agent', '--name', 'Admin']],
  [['token', 'create', '--role', 'agent', '--name', 'X', '--colour', 'red']],
  [['token', 'revoke']],
  [['token', 'revoke', 'abc']],
  [['token', 'list', '--role', 'agent']],
])('exits 2 with the usage for %j', async (args) => {
  const result = await admin(...args);
  expect(result.code).toBe(2);
  expect(result.output).toContain('usage: npm run admin -- token create --role <admin|agent> --name <name>');
});
