import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { ConnectionQueue, queuedAdapterFactory } from './connection-queue.ts';
import { PrismaClient } from './generated/client.ts';

export type DatabaseKind = 'pglite' | 'postgresql';

/**
 * Where the data lives: PostgreSQL when a URL is given, else PGlite in a folder (or in memory).
 * For PGlite, `waitMs` bounds how long a request waits for the one connection before it is refused
 * with DATABASE_BUSY (see connection-queue.ts); without it requests wait their turn however long.
 */
export type DatabaseTarget = { kind: 'postgresql'; url: string } | { kind: 'pglite'; dataDir: string | null; waitMs?: number };

export const DEFAULT_DATABASE_WAIT_MS = 10_000;

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** The same driver adapter as the client's, set up for the migration engine. */
  migrationAdapterFactory: SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
}

/** The server's database; `waitMs` is the configured STOCKSHEET_DB_WAIT_SECONDS, else 10 s. */
export function databaseTarget(databaseUrl: string | undefined, dataDir: string, waitMs = DEFAULT_DATABASE_WAIT_MS): DatabaseTarget {
  return databaseUrl ? { kind: 'postgresql', url: databaseUrl } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite'), waitMs };
}

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgresql') {
    const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: target.url, max: 10 }) });
    // One connection for the engine, so Prisma's migration advisory lock and the migration
    // itself share a session.
    const migrationAdapterFactory = new PrismaPg({ connectionString: target.url, max: 1 });
    return { kind: 'postgresql', prisma, migrationAdapterFactory, close: () => prisma.$disconnect() };
  }
  if (target.dataDir) mkdirSync(target.dataDir, { recursive: true });
  const pglite = new PGlite(target.dataDir ?? undefined);
  await pglite.waitReady;
  const adapterFactory = new PrismaPGlite(pglite);
  // Requests take turns for the one connection, in arrival order and with a bounded wait. The
  // migration engine (run before serving) uses the connection directly; PGlite's own lock still
  // keeps the two apart.
  const queue = new ConnectionQueue(target.waitMs ?? Infinity);
  const prisma = new PrismaClient({ adapter: queuedAdapterFactory(adapterFactory, queue) });
  return {
    kind: 'pglite',
    prisma,
    migrationAdapterFactory: adapterFactory,
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}
