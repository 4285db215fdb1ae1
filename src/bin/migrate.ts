import { migrate } from '../db/migrate';
import { createDb } from '../db/pool';
import { runEntry } from '../entry';
import { providePostgres } from '../../tools/embedded/provide';

// `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded Postgres when unset.

runEntry('edubot-migrate', async ({ config, logger }) => {
  const postgres = await providePostgres(config, logger);
  const db = createDb(postgres.url, logger);
  try {
    const applied = await migrate(db, logger);
    process.stdout.write(applied.length > 0 ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
  } finally {
    await db.close();
    await postgres.stop();
  }
  process.exit(0);
});
