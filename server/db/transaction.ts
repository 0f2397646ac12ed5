import { DomainError } from '../domain/errors.ts';
import type { PrismaClient } from './generated/client.ts';
import type { Tx } from './types.ts';

const ATTEMPTS = 3;

/**
 * One transaction for one request. Bulk writes (tens of thousands of serials) run well past
 * Prisma's 5 s default, so the limits are raised; row locks keep concurrent requests correct.
 * When PostgreSQL breaks a deadlock (or a serialisation conflict) by aborting this transaction,
 * nothing of it was written, so it is run again from the start, a few times at most.
 * A transaction that cannot start in time (every connection busy: on PGlite the queue in
 * connection-queue.ts refuses it first, on PostgreSQL Prisma's maxWait for a pool connection) is
 * refused with DATABASE_BUSY: it never began, so the request can simply be sent again.
 */
export async function inTransaction<T>(prisma: PrismaClient, work: (tx: Tx) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await prisma.$transaction(work, { maxWait: 30_000, timeout: 120_000 });
    } catch (error) {
      if (isStartTimeout(error)) {
        throw new DomainError(
          'DATABASE_BUSY',
          'The database is busy: this request waited 30 s for a connection and did not start, so nothing was changed. Send it again in a few seconds.',
        );
      }
      if (attempt >= ATTEMPTS || !isWriteConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40 * attempt));
    }
  }
}

/** Prisma's P2028 "Unable to start a transaction in the given time" (other P2028s are not this). */
function isStartTimeout(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === 'P2028' && /unable to start a transaction in the given time/i.test(e.message ?? '');
}

function isWriteConflict(error: unknown): boolean {
  const code = pgErrorCode(error);
  return code === '40P01' || code === '40001' || (error as { code?: string })?.code === 'P2034';
}

/** The PostgreSQL error code inside a Prisma error (e.g. 23505 unique violation), if any. */
export function pgErrorCode(error: unknown): string | undefined {
  const e = error as { code?: string; meta?: { driverAdapterError?: { cause?: { originalCode?: string; kind?: string } } } };
  const cause = e?.meta?.driverAdapterError?.cause;
  if (cause?.originalCode) return cause.originalCode;
  if (e?.code === 'P2002' || cause?.kind === 'UniqueConstraintViolation') return '23505';
  return undefined;
}
