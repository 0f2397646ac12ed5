import type { Tx } from '../db/types.ts';
import { DomainError } from '../domain/errors.ts';

export function dateOnly(date: Date | null): string | null {
  return date ? date.toISOString().slice(0, 10) : null;
}

/** The product's batch with this number, created when new; an existing one must agree on expiry. */
export async function batchFor(
  tx: Tx,
  product: { id: number; sku: string },
  number: string,
  expiry: string | null | undefined,
  unitCost: number,
) {
  const inserted = await tx.$queryRaw<{ id: number }[]>`
    INSERT INTO batch (product_id, number, expiry, unit_cost)
    VALUES (${product.id}, ${number}, ${expiry ?? null}::date, ${String(unitCost)}::numeric)
    ON CONFLICT (product_id, number) DO NOTHING RETURNING id`;
  if (inserted[0]) return inserted[0].id;
  const batch = await tx.batch.findUniqueOrThrow({
    where: { productId_number: { productId: product.id, number } },
    select: { id: true, expiry: true },
  });
  if (expiry !== undefined && dateOnly(batch.expiry) !== (expiry ?? null)) {
    throw new DomainError(
      'BATCH_EXPIRY_MISMATCH',
      `Batch ${number} of ${product.sku} already exists with expiry ${dateOnly(batch.expiry) ?? 'none'}, not ${expiry ?? 'none'}; use the batch's expiry or a new batch number.`,
    );
  }
  return batch.id;
}
