import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, MigrationError } from '../../src/db/migrate';
import { createDb } from '../../src/db/pool';
import { silentLogger } from '../../src/logger';
import { createTestDatabase } from '../helpers/database';

const MIGRATIONS = fs
  .readdirSync(path.resolve(__dirname, '../../src/db/migrations'))
  .filter((f) => f.endsWith('.sql'))
  .sort();

describe('migrate', () => {
  it('applies every migration once when two processes boot at the same time', async () => {
    const target = await createTestDatabase({ migrated: false });
    const other = createDb(target.url, silentLogger);
    try {
      const [first, second] = await Promise.all([migrate(target.db, silentLogger), migrate(other, silentLogger)]);
      expect([...first, ...second].sort()).toEqual(MIGRATIONS);
      const { rows } = await target.db.query<{ id: string }>('select id from schema_migrations order by id');
      expect(rows.map((r) => r.id)).toEqual(MIGRATIONS);
      expect(await migrate(target.db, silentLogger)).toEqual([]);
    } finally {
      await other.close();
      await target.drop();
    }
  });

  it('rolls a failing migration back whole and names its file', async () => {
    const target = await createTestDatabase({ migrated: false });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edubot-migrations-'));
    fs.writeFileSync(path.join(dir, '0001_ok.sql'), 'create table first_table (id int);');
    fs.writeFileSync(
      path.join(dir, '0002_broken.sql'),
      'create table half_done (id int); select * from no_such_table;',
    );
    try {
      const error = await migrate(target.db, silentLogger, dir).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(MigrationError);
      expect((error as MigrationError).file).toBe('0002_broken.sql');
      const { rows } = await target.db.query<{ table_name: string }>(
        "select table_name from information_schema.tables where table_name in ('first_table', 'half_done')",
      );
      expect(rows.map((r) => r.table_name)).toEqual(['first_table']);
      const applied = await target.db.query<{ id: string }>('select id from schema_migrations');
      expect(applied.rows.map((r) => r.id)).toEqual(['0001_ok.sql']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      await target.drop();
    }
  });
});
