import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '../../src/db/migrate';
import { createDb } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { createTestDatabase } from '../helpers/database';
import { runPsqlScript } from '../helpers/psql-script';
import { readTestEnvironment } from '../helpers/test-env';

// The audit log is written once: the runtime role of docker compose may insert into it and read it,
// never update, delete or truncate it. Run for real on the test Postgres: the compose roles script
// itself (with role names of this file's own, since roles belong to the whole cluster), then the
// migrations as the schema's owner, in the order a new volume gets them, then the script again, as
// an operator would run it by hand on a migrated database.

const ROLES_SQL = fs.readFileSync(path.resolve(__dirname, '../../deploy/postgres/20-edubot-roles.sql'), 'utf8');
const INSUFFICIENT_PRIVILEGE = '42501';

const suffix = crypto.randomBytes(4).toString('hex');
const owner = { name: `edubot_owner_${suffix}`, password: crypto.randomBytes(12).toString('hex') };
const app = { name: `edubot_app_${suffix}`, password: crypto.randomBytes(12).toString('hex') };
const script = ROLES_SQL.replace(/\bedubot_owner\b/g, owner.name).replace(/\bedubot_app\b/g, app.name);
const env = { EDUBOT_OWNER_DB_PASSWORD: owner.password, EDUBOT_APP_DB_PASSWORD: app.password };

let database: Awaited<ReturnType<typeof createTestDatabase>>;

const asRole = (role: { name: string; password: string }) => {
  const url = new URL(database.url);
  url.username = role.name;
  url.password = role.password;
  return new pg.Client({ connectionString: url.toString() });
};

async function asSuperuser<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The SQLSTATE of what the statement failed with, or 'ok'. */
const outcome = (client: pg.Client, sql: string) =>
  client.query(sql).then(
    () => 'ok',
    (err: { code?: string }) => err.code,
  );

async function runtimeRoleTries(): Promise<Record<string, string | undefined>> {
  const client = asRole(app);
  await client.connect();
  try {
    return {
      insert: await outcome(
        client,
        `insert into audit_log (actor, action, outcome, http_status) values ('Ada', 'me.read', 'ok', 200)`,
      ),
      select: await outcome(client, 'select count(*) from audit_log'),
      update: await outcome(client, `update audit_log set actor = 'someone else'`),
      delete: await outcome(client, 'delete from audit_log'),
      truncate: await outcome(client, 'truncate audit_log'),
      // The same role still updates the tables it has to: the refusal is the audit log's alone.
      updateOther: await outcome(client, 'update agents set available = false'),
    };
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  database = await createTestDatabase({ migrated: false });
});

afterAll(async () => {
  await database?.drop();
  const admin = new pg.Client({ connectionString: readTestEnvironment().adminDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`drop role if exists ${app.name}`);
    await admin.query(`drop role if exists ${owner.name}`);
  } finally {
    await admin.end();
  }
});

describe('the audit log under the compose roles', () => {
  it('lets the runtime role insert and read audit rows but never update, delete or truncate them', async () => {
    // A new volume: the roles script first, then the migrations as the schema's owner.
    await asSuperuser((client) => runPsqlScript(client, script, env));
    const ownerUrl = new URL(database.url);
    ownerUrl.username = owner.name;
    ownerUrl.password = owner.password;
    const ownerDb = createDb(ownerUrl.toString(), silentLogger);
    try {
      await migrate(ownerDb, silentLogger);
    } finally {
      await ownerDb.close();
    }
    const refused = {
      insert: 'ok',
      select: 'ok',
      update: INSUFFICIENT_PRIVILEGE,
      delete: INSUFFICIENT_PRIVILEGE,
      truncate: INSUFFICIENT_PRIVILEGE,
      updateOther: 'ok',
    };
    expect(await runtimeRoleTries()).toEqual(refused);

    // The script run again by hand on the migrated database grants update on every table again,
    // and takes it back from the audit log.
    await asSuperuser((client) => runPsqlScript(client, script, env));
    expect(await runtimeRoleTries()).toEqual(refused);
  });
});
