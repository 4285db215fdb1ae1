import { spawnTs } from '../helpers/spawn';
import { startAdminApp, type AdminApp } from '../server/admin/admin-app';

// `npm run admin -- find <phone|BSUID|@username|contact id>` run as its own process against a test
// database: the contact an operator is after, its workflow's id (which holds no phone number), and its
// phone (or "hidden"), BSUID and username.

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
