import { createHash } from 'node:crypto';
import superjson from 'superjson';
import type { PrismaClient } from '../db/generated/client.ts';
import { inTransaction } from '../db/transaction.ts';
import type { Tx } from '../db/types.ts';
import { DomainError } from '../domain/errors.ts';

function requestHash(procedure: string, input: unknown): string {
  return createHash('sha256').update(procedure).update('\0').update(JSON.stringify(input)).digest('hex');
}

/**
 * Runs a retryable write once per (user, key). The key row is inserted first, in the same
 * transaction as the write: a concurrent retry blocks on it until the first commits, then gets the
 * stored result; if the first rolled back, nothing was applied and the retry applies. The same key
 * with a different request is refused rather than silently answered with the other result.
 */
export async function applyOnce<T>(
  prisma: PrismaClient,
  scope: { userId: number; procedure: string; key: string; input: unknown },
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  const hash = requestHash(scope.procedure, scope.input);
  return inTransaction(prisma, async (tx) => {
    const inserted = await tx.$executeRaw`
      INSERT INTO idempotency_key (user_id, key, procedure, request_hash, response)
      VALUES (${scope.userId}, ${scope.key}, ${scope.procedure}, ${hash}, 'null'::jsonb)
      ON CONFLICT DO NOTHING`;
    if (inserted === 0) {
      const previous = await tx.idempotencyKey.findUniqueOrThrow({
        where: { userId_key: { userId: scope.userId, key: scope.key } },
        select: { procedure: true, requestHash: true, response: true },
      });
      if (previous.procedure !== scope.procedure || previous.requestHash !== hash) {
        throw new DomainError(
          'IDEMPOTENCY_KEY_REUSED',
          `Idempotency key "${scope.key}" was already used for a different request; send a new key for a new request.`,
        );
      }
      return superjson.deserialize(previous.response as never) as T;
    }
    const result = await work(tx);
    await tx.idempotencyKey.update({
      where: { userId_key: { userId: scope.userId, key: scope.key } },
      data: { response: superjson.serialize(result) as never },
    });
    return result;
  });
}

/**
 * A state change that is safe to repeat by itself (shipping a shipped shipment is refused) runs
 * once per key when the client sends one, so a retry gets the first answer instead of a refusal.
 */
export function applyOnceIfKeyed<T>(
  prisma: PrismaClient,
  scope: { userId: number; procedure: string; key?: string; input: unknown },
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  return scope.key ? applyOnce(prisma, { ...scope, key: scope.key }, work) : inTransaction(prisma, work);
}
