import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from './generated/client.ts';

export type DatabaseKind = 'pglite' | 'postgresql';

/** Where the data lives: PostgreSQL when a URL is given, else PGlite in a folder (or in memory). */
export type DatabaseTarget = { kind: 'postgresql'; url: string } | { kind: 'pglite'; dataDir: string | null };

export interface Database {
  kind: DatabaseKind;
  prisma: PrismaClient;
  /** The same driver adapter as the client's, set up for the migration engine. */
  migrationAdapterFactory: SqlMigrationAwareDriverAdapterFactory;
  close(): Promise<void>;
}

export function databaseTarget(databaseUrl: string | undefined, dataDir: string): DatabaseTarget {
  return databaseUrl ? { kind: 'postgresql', url: databaseUrl } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') };
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
  const prisma = new PrismaClient({ adapter: adapterFactory });
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
