import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList } from '@prisma/schema-engine-wasm';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { NO_FILTERS, withSchemaEngine } from './schema-engine.ts';

const PRISMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../prisma');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');
const SCHEMA_PATH = path.join(PRISMA_DIR, 'schema.prisma');

/** The migrations folder in the shape the schema engine reads (it never touches the disk). */
export function readMigrations(dir = MIGRATIONS_DIR): MigrationList {
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort()
    : [];
  return {
    baseDir: dir,
    // Without the lockfile's content the engine cannot tell which connector the folder is for.
    lockfile: { path: 'migration_lock.toml', content: 'provider = "postgresql"\n' },
    shadowDbInitScript: '',
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(path.join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
  };
}

/** Applies the migrations not yet applied; returns their names. Safe to run from several processes. */
export async function applyMigrations(adapterFactory: SqlMigrationAwareDriverAdapterFactory): Promise<string[]> {
  const migrationsList = readMigrations();
  const result = await withSchemaEngine(adapterFactory, null, (engine) => engine.applyMigrations({ migrationsList, filters: NO_FILTERS }));
  return result.appliedMigrationNames;
}

/**
 * The SQL that takes the migrations folder to the current schema.prisma, or '' when they match.
 * The engine replays the migrations on a throwaway in-memory PGlite as its shadow database.
 */
export async function diffSchemaAgainstMigrations(): Promise<string> {
  const pglite = new PGlite();
  try {
    const result = await withSchemaEngine(new PrismaPGlite(pglite), null, (engine) =>
      engine.diff({
        from: { tag: 'migrations', ...readMigrations() },
        to: { tag: 'schemaDatamodel', files: [{ path: SCHEMA_PATH, content: readFileSync(SCHEMA_PATH, 'utf8') }] },
        script: true,
        exitCode: null,
        filters: NO_FILTERS,
      }),
    );
    const sql = result.stdout ?? '';
    return /^\s*(--.*\s*)*$/.test(sql) || sql.includes('This is an empty migration') ? '' : sql;
  } finally {
    await pglite.close();
  }
}

/** Writes `prisma/migrations/<timestamp>_<name>/migration.sql`; returns its folder, or null when nothing changed. */
export async function createMigration(name: string): Promise<string | null> {
  const sql = await diffSchemaAgainstMigrations();
  if (!sql) return null;
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const folder = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(path.join(folder, 'migration.sql'), sql);
  writeFileSync(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), 'provider = "postgresql"\n');
  return folder;
}
