import pg from 'pg';
import type { Logger } from '../../src/logger';
import { PUBLISHED_PASSWORD, scramVerifier, type PostgresCredentials } from './postgres-credentials';

// Who connects to the embedded Postgres. The superuser runs the migrations (and makes the roles);
// the server and the worker connect as APP_ROLE, which reads and writes rows and nothing else, as
// `edubot_app` does in production (deploy/postgres/20-edubot-roles.sql, whose grants these mirror).
// Functions keep Postgres's default EXECUTE for PUBLIC: the erasure and retention functions of the
// migrations are security definers that the runtime role calls.

export const APP_ROLE = 'edubot_app';

// Postgres's invalid_password: the password authentication failed.
const INVALID_PASSWORD = '28P01';

export function connectionUrl(user: string, password: string, port: number, database: string): string {
  return `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

/**
 * A client of `database` as the superuser, with the stored password. A cluster made by a release
 * that used the published password has its superuser's password changed to the stored one first.
 */
export async function connectAsSuperuser(options: {
  user: string;
  port: number;
  database: string;
  credentials: PostgresCredentials;
  credentialsFile: string;
  logger: Logger;
}): Promise<pg.Client> {
  const { user, port, database, credentials, credentialsFile, logger } = options;
  const connect = async (password: string): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: connectionUrl(user, password, port, database) });
    try {
      await client.connect();
      return client;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
  };
  try {
    return await connect(credentials.superuser);
  } catch (error) {
    if ((error as { code?: string }).code !== INVALID_PASSWORD) throw error;
  }
  const client = await connect(PUBLISHED_PASSWORD).catch((error: unknown) => {
    if ((error as { code?: string }).code !== INVALID_PASSWORD) throw error;
    throw new Error(
      `the embedded Postgres refuses the password in ${credentialsFile}: restore that file, or move the cluster away to start afresh`,
      { cause: error },
    );
  });
  await client.query(
    `alter role ${client.escapeIdentifier(user)} password ${client.escapeLiteral(scramVerifier(credentials.superuser))}`,
  );
  logger.info('embedded Postgres: the published superuser password replaced by a random one', { credentialsFile });
  return client;
}

/**
 * Makes APP_ROLE a login role that is nothing more, with the stored password, and, once per
 * database, grants it rows: select, insert and update on every table the superuser has made or will
 * make, and the sequences behind them; the audit log is insert-only (as migration 0017 and the roles
 * script make it). The grants run only once, so what a later migration takes back stays taken.
 */
export async function ensureAppRole(client: pg.Client, password: string): Promise<void> {
  const role = client.escapeIdentifier(APP_ROLE);
  const verifier = client.escapeLiteral(scramVerifier(password));
  const attributes = 'login nosuperuser nocreatedb nocreaterole noreplication nobypassrls';
  await client.query('begin');
  try {
    const exists = await client.query('select from pg_roles where rolname = $1', [APP_ROLE]);
    await client.query(
      exists.rowCount === 0
        ? `create role ${role} with ${attributes} password ${verifier}`
        : `alter role ${role} with ${attributes} password ${verifier}`,
    );
    const granted = await client.query(
      `select from pg_default_acl d, aclexplode(d.defaclacl) a
        where d.defaclrole = current_user::regrole and d.defaclnamespace = 'public'::regnamespace
          and d.defaclobjtype = 'r' and a.grantee = $1::regrole`,
      [APP_ROLE],
    );
    if (granted.rowCount === 0) {
      const database = client.escapeIdentifier(client.database ?? '');
      for (const statement of [
        // Only the superuser and this role connect, and neither of them for temporary tables.
        `revoke all on database ${database} from public`,
        `grant connect on database ${database} to ${role}`,
        `grant usage on schema public to ${role}`,
        `grant select, insert, update on all tables in schema public to ${role}`,
        `grant usage on all sequences in schema public to ${role}`,
        `alter default privileges in schema public grant select, insert, update on tables to ${role}`,
        `alter default privileges in schema public grant usage on sequences to ${role}`,
      ])
        await client.query(statement);
      const audit = await client.query(`select to_regclass('public.audit_log') is not null as present`);
      if ((audit.rows[0] as { present: boolean }).present)
        await client.query(`revoke update, delete, truncate on table audit_log from ${role}`);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
}
