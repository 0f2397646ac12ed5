import type { PrismaClient } from './generated/client.ts';
import type { Tx } from './types.ts';

/**
 * One transaction for one request. Bulk writes (tens of thousands of serials) run well past
 * Prisma's 5 s default, so the limits are raised; row locks keep concurrent requests correct.
 */
export function inTransaction<T>(prisma: PrismaClient, work: (tx: Tx) => Promise<T>): Promise<T> {
  return prisma.$transaction(work, { maxWait: 30_000, timeout: 120_000 });
}

/** The PostgreSQL error code inside a Prisma error (e.g. 23505 unique violation), if any. */
export function pgErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  const cause = e?.meta?.driverAdapterError?.cause;
  if (cause?.originalCode) return cause.originalCode;
  if (e?.code === 'P2002' || cause?.kind === 'UniqueConstraintViolation') return '23505';
  return undefined;
}
