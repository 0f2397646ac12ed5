import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { applyMigrations } from '../../server/db/migrate.ts';

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or a new database
 * on the PostgreSQL server named by TEST_DATABASE_URL (dropped again by `drop`).
 */
export interface TestDatabase extends Database {
  /** The connection string of the fresh database on PostgreSQL, for tests that start processes. */
  url: string | null;
  drop(): Promise<void>;
}

export const onPostgres = Boolean(process.env.TEST_DATABASE_URL);

export async function freshDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const db = await openDatabase({ kind: 'pglite', dataDir: null });
    await applyMigrations(db.migrationAdapterFactory);
    return { ...db, url: null, drop: () => db.close() };
  }
  const empty = await emptyPostgresDatabase('stocksheet_test');
  const db = await openDatabase({ kind: 'postgresql', url: empty.url });
  await applyMigrations(db.migrationAdapterFactory);
  return {
    ...db,
    url: empty.url,
    drop: async () => {
      await db.close();
      await empty.drop();
    },
  };
}

/** A new database with nothing in it (not even migrations) on the TEST_DATABASE_URL server, or the one given. */
export async function emptyPostgresDatabase(
  prefix: string,
  serverUrl = process.env.TEST_DATABASE_URL!,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  return {
    url: withDatabase(serverUrl, name),
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

export function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function adminQuery(serverUrl: string, sql: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
