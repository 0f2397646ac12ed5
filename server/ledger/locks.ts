import type { Db, Tx } from '../db/types.ts';

// Lock order for stock changes, so concurrent requests queue instead of deadlocking: first the
// product row (taken by every receipt, for the average cost), then the stock_level rows, in
// ascending bay order (no bay first). A change that touches one place gets this by itself; one that
// touches several places of a product calls `lockProduct` (when anything comes in) and then
// `lockLevels` before moving stock.

/**
 * Holds the product's tracking flags steady for the rest of the transaction: a stock change reads
 * them (serialised? batch tracked?) and acts on them, while a product change takes FOR UPDATE and
 * so waits for the stock changes under way (and they for it). KEY SHARE is the weakest lock that
 * does it, and it never conflicts with another stock change's locks. Taken first, before any
 * stock row, so the two kinds of transaction cannot deadlock.
 */
export async function holdProduct(db: Tx | Db, productId: number): Promise<void> {
  await holdProducts(db, [productId]);
}

/** holdProduct for several products in one statement, in id order (so two such holds never cross). */
export async function holdProducts(db: Tx | Db, productIds: number[]): Promise<void> {
  await db.$queryRaw`SELECT id FROM product WHERE id = ANY(${productIds}::int[]) ORDER BY id FOR KEY SHARE`;
}

export async function lockProduct(tx: Tx, productId: number): Promise<void> {
  // NO KEY UPDATE, not UPDATE: every ledger, level and serial insert checks its foreign key to the
  // product with a KEY SHARE lock, which FOR UPDATE would block. A removal holding a stock_level
  // row and inserting its movement would then wait for a receipt that waits for that row: deadlock.
  await tx.$queryRaw`SELECT id FROM product WHERE id = ${productId} FOR NO KEY UPDATE`;
}

/** Locks the existing stock_level rows of a product at these bays of a location (no batch), in bay order. */
export async function lockLevels(tx: Tx, productId: number, locationId: number, bayIds: (number | null)[]): Promise<void> {
  const bays = [...new Set(bayIds.filter((id): id is number => id !== null))];
  const noBay = bayIds.includes(null);
  await tx.$queryRaw`
    SELECT id FROM stock_level
    WHERE product_id = ${productId} AND location_id = ${locationId} AND batch_id IS NULL
      AND (bay_id = ANY(${bays}::int[]) OR (bay_id IS NULL AND ${noBay}))
    ORDER BY bay_id NULLS FIRST
    FOR UPDATE`;
}
