// The migrations folder, the WASM schema engine that applies it, and the rules the first migration
// writes by hand (CHECKs, a NULLS NOT DISTINCT index, the append-only ledger).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../server/app.ts';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { lockPath } from '../../server/db/data-dir-lock.ts';
import { applyMigrations, diffSchemaAgainstMigrations, MIGRATIONS_DIR, readMigrations } from '../../server/db/migrate.ts';
import { NO_FILTERS, withSchemaEngine } from '../../server/db/schema-engine.ts';
import { emptyPostgresDatabase, freshDatabase, onPostgres, type TestDatabase } from '../helpers/database.ts';
import { runScript } from '../helpers/processes.ts';

const MIGRATION_NAMES = readMigrations().migrationDirectories.map((m) => m.path);
// These tests start real processes (tsx, PGlite, the WASM schema engine): slow on a busy machine.
const SPAWN_TIMEOUT = 150_000;
const tempDirs: string[] = [];
const emptyDatabases: { drop(): Promise<void> }[] = [];

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stocksheet-migrations-'));
  tempDirs.push(dir);
  return dir;
}

/** A new PostgreSQL database with nothing in it; dropped after the file. */
async function emptyPostgresUrl(): Promise<string> {
  const empty = await emptyPostgresDatabase('stocksheet_mig');
  emptyDatabases.push(empty);
  return empty.url;
}

/** An empty database of the kind under test: in-memory PGlite, or a new PostgreSQL database. */
async function emptyDatabase(): Promise<Database> {
  return onPostgres ? openDatabase({ kind: 'postgresql', url: await emptyPostgresUrl() }) : openDatabase({ kind: 'pglite', dataDir: null });
}

async function recorded(db: Database) {
  return db.prisma.$queryRaw<{ migration_name: string; finished: boolean; rolled_back: boolean }[]>`
    SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
    FROM _prisma_migrations ORDER BY migration_name`;
}

const run = (script: string, env: Record<string, string>) => runScript(script, [], env);

afterAll(async () => {
  for (const empty of emptyDatabases) await empty.drop().catch(() => undefined);
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe.runIf(!onPostgres)('the migrations folder', () => {
  it('matches schema.prisma (run `npm run db:diff -- NAME` after changing the schema)', async () => {
    const sql = await diffSchemaAgainstMigrations();
    expect(sql, `schema.prisma differs from prisma/migrations; the missing migration:\n${sql}`).toBe('');
  });

  it('has a lock file for PostgreSQL and one migration.sql per folder', () => {
    expect(fs.readFileSync(path.join(MIGRATIONS_DIR, 'migration_lock.toml'), 'utf8')).toMatch(/provider = "postgresql"/);
    expect(MIGRATION_NAMES.length).toBeGreaterThanOrEqual(1);
    for (const name of MIGRATION_NAMES) {
      expect(name).toMatch(/^\d{14}_[a-z0-9_]+$/);
      expect(fs.readFileSync(path.join(MIGRATIONS_DIR, name, 'migration.sql'), 'utf8').trim()).not.toBe('');
    }
  });
});

describe('applying migrations', () => {
  it('applies every migration to an empty database once, and nothing the second time', async () => {
    const db = await emptyDatabase();
    try {
      expect(await applyMigrations(db.migrationAdapterFactory)).toEqual(MIGRATION_NAMES);
      expect(await applyMigrations(db.migrationAdapterFactory)).toEqual([]);
      expect(await recorded(db)).toEqual(MIGRATION_NAMES.map((migration_name) => ({ migration_name, finished: true, rolled_back: false })));
      // The app's tables are there and usable through the client.
      expect(await db.prisma.user.count()).toBe(0);
    } finally {
      await db.close();
    }
  });

  it('runs a migration script all or nothing, and reports its error', async () => {
    const dir = tempDir();
    fs.cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    fs.mkdirSync(path.join(dir, '29990101000000_broken'));
    fs.writeFileSync(
      path.join(dir, '29990101000000_broken', 'migration.sql'),
      'CREATE TABLE "half_done" ("id" INTEGER);\nINSERT INTO "half_done" VALUES (1);\nSELECT 1 / 0;\n',
    );
    const db = await emptyDatabase();
    try {
      const attempt = withSchemaEngine(db.migrationAdapterFactory, null, (engine) =>
        engine.applyMigrations({ migrationsList: readMigrations(dir), filters: NO_FILTERS }),
      );
      await expect(attempt).rejects.toThrow(/division by zero/);
      const [row] = await db.prisma.$queryRaw<{ exists: boolean }[]>`SELECT to_regclass('half_done') IS NOT NULL AS "exists"`;
      expect(row!.exists).toBe(false);
      const rows = await recorded(db);
      expect(rows.filter((r) => r.finished).map((r) => r.migration_name)).toEqual(MIGRATION_NAMES);
      expect(rows.find((r) => r.migration_name === '29990101000000_broken')).toMatchObject({ finished: false });
    } finally {
      await db.close();
    }
  });
});

describe.runIf(!onPostgres)('npm run db:migrate on the embedded database', { timeout: SPAWN_TIMEOUT }, () => {
  it('migrates the data folder, then finds it up to date', async () => {
    const dataDir = tempDir();
    const first = await run('server/db/cli-migrate.ts', { STOCKSHEET_DATA_DIR: dataDir });
    expect(first.stderr).toBe('');
    expect(first).toMatchObject({ code: 0, stdout: `Applied: ${MIGRATION_NAMES.join(', ')}\n` });
    expect(fs.existsSync(lockPath(dataDir))).toBe(false);
    const second = await run('server/db/cli-migrate.ts', { STOCKSHEET_DATA_DIR: dataDir });
    expect(second).toMatchObject({ code: 0, stdout: 'The database is up to date.\n' });
  });

  it('refuses clearly while the server has the folder', async () => {
    const dataDir = tempDir();
    const app = await startApp(
      { port: 0, dataDir, databaseUrl: undefined, tls: false, adminToken: undefined, logLevel: 'silent' },
      pino({ level: 'silent' }),
    );
    try {
      const result = await run('server/db/cli-migrate.ts', { STOCKSHEET_DATA_DIR: dataDir });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('PGlite allows one process per data folder');
      expect(result.stderr).not.toMatch(/\n\s+at /);
      // The server's lock is untouched.
      expect(JSON.parse(fs.readFileSync(lockPath(dataDir), 'utf8')).pid).toBe(process.pid);
    } finally {
      await app.stop();
    }
  });
});

describe.runIf(onPostgres)('npm run db:migrate on PostgreSQL', { timeout: SPAWN_TIMEOUT }, () => {
  it('two processes migrating one empty database together both succeed and apply each migration once', async () => {
    const url = await emptyPostgresUrl();
    const env = { DATABASE_URL: url, STOCKSHEET_DATA_DIR: tempDir() };
    const results = await Promise.all([run('server/db/cli-migrate.ts', env), run('server/db/cli-migrate.ts', env)]);
    for (const result of results) expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    const outputs = results.map((r) => r.stdout).sort();
    expect(outputs).toEqual([`Applied: ${MIGRATION_NAMES.join(', ')}\n`, 'The database is up to date.\n']);

    const db = await openDatabase({ kind: 'postgresql', url });
    try {
      expect(await recorded(db)).toEqual(MIGRATION_NAMES.map((migration_name) => ({ migration_name, finished: true, rolled_back: false })));
      // The advisory lock was released with the engine's connection: a third run does not wait.
      const started = Date.now();
      expect(await applyMigrations(db.migrationAdapterFactory)).toEqual([]);
      expect(Date.now() - started).toBeLessThan(9_000);
    } finally {
      await db.close();
    }
  });

  it('reports a bad setting without a stack trace', async () => {
    const result = await run('server/db/cli-migrate.ts', { DATABASE_URL: 'postgresql://localhost:abc/x' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DATABASE_URL is not a valid URL');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('rules the first migration writes by hand', () => {
  let db: TestDatabase;
  let productId: number;
  let locationId: number;
  let bayId: number;
  let userId: number;

  /** The id a single-row INSERT ... RETURNING id gave back. */
  const newId = async (query: Promise<{ id: number }[]>) => (await query)[0]!.id;

  beforeAll(async () => {
    db = await freshDatabase();
    productId = await newId(db.prisma.$queryRaw`
      INSERT INTO product (sku, name, stock_tracked, updated_at) VALUES ('MIG-1', 'Migrated', true, now()) RETURNING id`);
    locationId = await newId(db.prisma.$queryRaw`INSERT INTO location (name) VALUES ('Main') RETURNING id`);
    bayId = await newId(db.prisma.$queryRaw`INSERT INTO bay (location_id, name) VALUES (${locationId}, 'A1') RETURNING id`);
    userId = await newId(db.prisma.$queryRaw`
      INSERT INTO "user" (name, role, token_hash) VALUES ('ledger-user', 'warehouse', repeat('a', 64)) RETURNING id`);
  });
  afterAll(() => db?.drop());

  const stockLevel = (bay: number | null, quantity: number) =>
    db.prisma
      .$executeRaw`INSERT INTO stock_level (product_id, location_id, bay_id, batch_id, quantity) VALUES (${productId}, ${locationId}, ${bay}, NULL, ${quantity})`;

  it('stock_level.quantity cannot go below zero, on insert or update', async () => {
    await expect(stockLevel(bayId, -1)).rejects.toThrow(/stock_level_quantity_not_negative/);
    await stockLevel(bayId, 5);
    await expect(db.prisma.$executeRaw`UPDATE stock_level SET quantity = quantity - 6 WHERE bay_id = ${bayId}`).rejects.toThrow(
      /stock_level_quantity_not_negative/,
    );
    await db.prisma.$executeRaw`UPDATE stock_level SET quantity = quantity - 5 WHERE bay_id = ${bayId}`;
    const [row] = await db.prisma.$queryRaw<{ quantity: string }[]>`SELECT quantity::text FROM stock_level WHERE bay_id = ${bayId}`;
    expect(Number(row!.quantity)).toBe(0);
  });

  it('stock_level has one row per product, location, bay and batch, NULL bay and batch included', async () => {
    await stockLevel(null, 1);
    await expect(stockLevel(null, 2)).rejects.toThrow(/stock_level_product_id_location_id_bay_id_batch_id_key|unique/i);
    await expect(stockLevel(bayId, 2)).rejects.toThrow(/unique/i); // the bay row from the test above
    const [count] = await db.prisma.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM stock_level WHERE product_id = ${productId}`;
    expect(count!.n).toBe(2);
  });

  it('the movement ledger accepts inserts and refuses UPDATE and DELETE', async () => {
    const movementId = await newId(db.prisma.$queryRaw`
      INSERT INTO stock_movement (kind, product_id, location_id, quantity, unit_cost, user_id)
      VALUES ('adjustment', ${productId}, ${locationId}, 1, 2.5, ${userId}) RETURNING id`);
    await expect(db.prisma.$executeRaw`UPDATE stock_movement SET quantity = 100 WHERE id = ${movementId}`).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRaw`DELETE FROM stock_movement WHERE id = ${movementId}`).rejects.toThrow(/append-only/);

    const serialId = await newId(db.prisma.$queryRaw`
      INSERT INTO serial_number (product_id, serial, status, location_id) VALUES (${productId}, 'MIG-SN1', 'in_stock', ${locationId}) RETURNING id`);
    await db.prisma
      .$executeRaw`INSERT INTO stock_movement_serial (movement_id, serial_id, status) VALUES (${movementId}, ${serialId}, 'in_stock')`;
    await expect(db.prisma.$executeRaw`UPDATE stock_movement_serial SET status = 'shipped'`).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRaw`DELETE FROM stock_movement_serial`).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRawUnsafe('TRUNCATE stock_movement_serial')).rejects.toThrow(/append-only/);
    await expect(db.prisma.$executeRawUnsafe('TRUNCATE stock_movement CASCADE')).rejects.toThrow(/append-only/);

    const [row] = await db.prisma.$queryRaw<{ quantity: string }[]>`SELECT quantity::text FROM stock_movement WHERE id = ${movementId}`;
    expect(Number(row!.quantity)).toBe(1);
    const [links] = await db.prisma.$queryRaw<
      { n: number }[]
    >`SELECT count(*)::int AS n FROM stock_movement_serial WHERE status = 'in_stock'`;
    expect(links!.n).toBe(1);
  });

  it('the same refusals through the Prisma client', async () => {
    const movement = await db.prisma.stockMovement.findFirstOrThrow({ select: { id: true } });
    await expect(db.prisma.stockMovement.update({ where: { id: movement.id }, data: { narrative: 'edited' } })).rejects.toThrow(
      /append-only/,
    );
    await expect(db.prisma.stockMovement.deleteMany({})).rejects.toThrow(/append-only/);
  });

  it('settings is a single row', async () => {
    await db.prisma.$executeRaw`INSERT INTO settings (id, updated_at) VALUES (1, now()) ON CONFLICT DO NOTHING`;
    await expect(db.prisma.$executeRaw`INSERT INTO settings (id, updated_at) VALUES (2, now())`).rejects.toThrow(/settings_single_row/);
  });
});
