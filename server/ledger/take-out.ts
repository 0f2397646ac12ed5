import type { Tx } from '../db/types.ts';
import { DomainError } from '../domain/errors.ts';
import { lessQuantity, roundQuantity } from '../domain/quantity.ts';
import { moveStock, type MovementInfo } from './movements.ts';

/**
 * Takes a quantity of a product (of one batch, or unbatched) out of a location, from its bays in
 * order (no bay first), at the given unit cost. The level rows are locked in that order first, so
 * the whole quantity is there or nothing moves. Returns the value taken out.
 */
export async function takeFromLocation(
  tx: Tx,
  place: { productId: number; locationId: number; batchId: number | null },
  quantity: number,
  unitCost: number,
  movement: MovementInfo,
): Promise<number> {
  if (quantity <= 0) return 0;
  const levels = await tx.$queryRaw<{ bay_id: number | null; quantity: string }[]>`
    SELECT bay_id, quantity::text FROM stock_level
    WHERE product_id = ${place.productId} AND location_id = ${place.locationId} AND batch_id IS NOT DISTINCT FROM ${place.batchId} AND quantity > 0
    ORDER BY bay_id NULLS FIRST
    FOR UPDATE`;
  const onHand = levels.reduce((sum, l) => sum + Number(l.quantity), 0);
  if (lessQuantity(onHand, quantity)) {
    const [names] = await tx.$queryRaw<{ sku: string; location: string; batch: string | null }[]>`
      SELECT p.sku, l.name AS location, (SELECT number FROM batch WHERE id = ${place.batchId}) AS batch
      FROM product p, location l WHERE p.id = ${place.productId} AND l.id = ${place.locationId}`;
    const what = names!.batch ? `${names!.sku} batch ${names!.batch}` : names!.sku;
    throw new DomainError(
      'INSUFFICIENT_STOCK',
      `Only ${onHand} of ${what} on hand at ${names!.location}; ${quantity} are needed. Stock never goes below zero.`,
    );
  }
  let left = quantity;
  for (const level of levels) {
    if (left <= 0) break;
    const take = Math.min(left, Number(level.quantity));
    await moveStock(tx, { ...place, bayId: level.bay_id }, { ...movement, quantity: -take, unitCost });
    left = roundQuantity(left - take);
  }
  return quantity * unitCost;
}
