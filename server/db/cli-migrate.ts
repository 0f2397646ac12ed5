// npm run db:migrate : applies pending migrations to the configured database (as `npm start` does).
import { loadConfig } from '../config.ts';
import { databaseTarget, openDatabase } from './database.ts';
import { applyMigrations } from './migrate.ts';
import { acquireDataDirLock } from './data-dir-lock.ts';

const config = loadConfig();
const target = databaseTarget(config.databaseUrl, config.dataDir);
const lock = target.kind === 'pglite' ? acquireDataDirLock(config.dataDir, 'npm run db:migrate') : null;
try {
  const db = await openDatabase(target);
  const applied = await applyMigrations(db.migrationAdapterFactory);
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
  await db.close();
} finally {
  lock?.release();
}
