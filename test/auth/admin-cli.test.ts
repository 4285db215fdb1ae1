import { spawnTs } from '../helpers/spawn';
import { startAdminApp, type AdminApp } from '../server/admin/admin-app';

// `npm run admin -- token …` and `find` run as their own process against a test database: the tokens
// it makes used on the HTTP API of an app on the same database; the contact `find` names (its
// workflow's id holds no phone number), with its phone (or "hidden"), BSUID and username.

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

it('makes agent tokens that expire in 90 days unless told, admin tokens that never do, and lists the expiry', async () => {
  const expiryOf = (output: string) => /expires (\S+)/.exec(output)?.[1];
  const daysAway = (iso: string | undefined) => Math.round((Date.parse(iso ?? '') - Date.now()) / 86_400_000);
  const agent = await admin('token', 'create', '--role', 'agent', '--name', 'Agent Lola');
  expect(daysAway(expiryOf(agent.output))).toBe(90);
  const week = await admin('token', 'create', '--role', 'agent', '--name', 'Agent Lola', '--expires-in-days', '7');
  expect(daysAway(expiryOf(week.output))).toBe(7);
  const adminToken = await admin('token', 'create', '--role', 'admin', '--name', 'Admin Lola');
  expect(adminToken.output).toContain('never expires');
  const id = /id=(\d+)/.exec(week.output)?.[1];
  expect((await admin('token', 'list')).output).toContain(`id=${id} name="Agent Lola"`);
  expect((await admin('token', 'list')).output).toMatch(
    new RegExp(`id=${id} .* active, expires ${expiryOf(week.output)}`),
  );
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
  [['token', 'create', '--role', 'agent', '--name', 'X', '--expires-in-days', '0']],
  [['token', 'create', '--role', 'agent', '--name', 'X', '--expires-in-days', '366']],
  [['token', 'create', '--role', 'agent', '--name', 'X', '--expires-in-days', 'soon']],
  [['token', 'list', '--expires-in-days', '7']],
])('exits 2 with the usage for %j', async (args) => {
  const result = await admin(...args);
  expect(result.code).toBe(2);
  expect(result.output).toContain('usage: npm run admin -- token create --role <admin|agent> --name <name>');
});

describe('find <phone|BSUID|@username|contact id>', () => {
  it('finds a student known by BSUID and username, with the phone hidden, by any of its names', async () => {
    const bsuid = 'US.13491208655302741918';
    const contactId = await app.contact({ bsuid, username: 'realsheena' });
    for (const reference of [bsuid, '@realsheena', 'realsheena', contactId]) {
      const result = await admin('find', reference);
      expect(result.code).toBe(0);
      expect(result.output).toBe(
        [
          `contact: ${contactId}`,
          `workflow: conversation-${contactId}`,
          'phone: hidden',
          `bsuid: ${bsuid}`,
          'username: @realsheena',
          '',
        ].join('\n'),
      );
    }
  });

  it('finds a student by their phone number in any format', async () => {
    const contactId = await app.contact('15550007001');
    for (const reference of ['15550007001', '+1 555-000-7001']) {
      const result = await admin('find', reference);
      expect(result.code).toBe(0);
      expect(result.output).toContain(
        `contact: ${contactId}\nworkflow: conversation-${contactId}\nphone: +15550007001\n`,
      );
      expect(result.output).toContain('bsuid: none\nusername: none\n');
    }
  });

  it('exits 1 for nobody, 1 for a username two contacts show, and 2 for what names no contact', async () => {
    const nobody = await admin('find', '15550007999');
    expect(nobody.code).toBe(1);
    expect(nobody.output).toContain('no contact has this phone number, BSUID, username or id');

    await app.contact({ bsuid: 'US.100000000000001', username: 'twin' });
    await app.contact({ bsuid: 'US.100000000000002', username: 'twin' });
    const twins = await admin('find', '@twin');
    expect(twins.code).toBe(1);
    expect(twins.output).toContain('Two contacts show this username');

    const bad = await admin('find', 'not a contact!');
    expect(bad.code).toBe(2);
    expect((await admin('find')).code).toBe(2);
    expect((await admin('find', 'a', 'b')).code).toBe(2);
  });
});
