import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

// Every row of a database as text, for tests that look for what must not be there. `pg_dump
// --data-only` when the machine's pg_dump can read this server (it refuses a newer major version:
// the embedded Postgres of the tests is 18, Debian 12's client 15); otherwise the same content read
// with SQL: every table of every schema but Postgres' own, each row in its text form (as COPY, and so
// pg_dump, writes it: bytea as hex).

export interface DatabaseDump {
  /** How it was made: 'pg_dump' or 'sql'. */
  via: 'pg_dump' | 'sql';
  text: string;
}

const run = promisify(execFile);

async function pgDumpMajor(): Promise<number | undefined> {
  try {
    const { stdout } = await run('pg_dump', ['--version']);
    const match = /\(PostgreSQL\) (\d+)/.exec(stdout);
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

export async function dumpDatabase(url: string): Promise<DatabaseDump> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ major: number }>(
      "select current_setting('server_version_num')::int / 10000 as major",
    );
    const serverMajor = rows[0]!.major;
    const dumpMajor = await pgDumpMajor();
    if (dumpMajor !== undefined && dumpMajor >= serverMajor) {
      const { stdout } = await run('pg_dump', ['--data-only', '--dbname', url], { maxBuffer: 512 * 1024 * 1024 });
      return { via: 'pg_dump', text: stdout };
    }
    const { rows: tables } = await client.query<{ name: string }>(
      `select format('%I.%I', n.nspname, c.relname) as name
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
          and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'
        order by 1`,
    );
    const parts: string[] = [];
    for (const { name } of tables) {
      const { rows: data } = await client.query<{ row: string }>(`select t::text as row from ${name} t`);
      parts.push(`-- ${name}`, ...data.map((d) => d.row));
    }
    return { via: 'sql', text: parts.join('\n') };
  } finally {
    await client.end();
  }
}
