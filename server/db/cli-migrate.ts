// npm run db:migrate : applies pending migrations to the configured database (as `npm start` does).
import { loadConfigOrExit } from '../config.ts';
import { databaseTarget, openDatabase } from './database.ts';
import { applyMigrations } from './migrate.ts';
import { acquireDataDirLock, DataDirBusyError, type DataDirLock } from './data-dir-lock.ts';

// A bad setting or a folder in use is a message, not a stack trace.
const config = loadConfigOrExit();
const target = databaseTarget(config.databaseUrl, config.dataDir, config.databaseWaitMs);
let lock: DataDirLock | null;
try {
  lock = target.kind === 'pglite' ? acquireDataDirLock(config.dataDir, 'npm run db:migrate') : null;
} catch (error) {
  if (error instanceof DataDirBusyError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
try {
  const db = await openDatabase(target);
  try {
    const applied = await applyMigrations(db.migrationAdapterFactory);
    console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
  } finally {
    await db.close();
  }
} finally {
  lock?.release();
}
