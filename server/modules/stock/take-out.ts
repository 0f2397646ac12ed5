import type { Tx } from '../../db/types.ts';
import { DomainError } from '../../domain/errors.ts';
import { moveStock, type MovementInput } from './ledger.ts';

/** A serial in stock to take out: its id, bay and recorded cost. */
export interface SerialOut {
  id: number;
  bayId: number | null;
  unitCost: string;
}

/**
 * Takes serials out of stock (written off, shipped or consumed): one ledger row per bay and recorded
 * cost, so each serial leaves at its own cost (an averaged row would not add up to the serials'
 * value). Returns the value taken out.
 */
export async function takeOutSerials(
  tx: Tx,
  productId: number,
  locationId: number,
  rows: SerialOut[],
  movement: Omit<MovementInput, 'quantity' | 'unitCost'>,
  status: 'written_off' | 'shipped' | 'consumed' = 'written_off',
): Promise<number> {
  const groups = new Map<string, { bayId: number | null; unitCost: string; rows: SerialOut[] }>();
  for (const row of rows) {
    const key = `${row.bayId ?? ''}|${row.unitCost}`;
    const group = groups.get(key);
    if (group) group.rows.push(row);
    else groups.set(key, { bayId: row.bayId, unitCost: row.unitCost, rows: [row] });
  }
  const ordered = [...groups.values()].sort((a, b) => (a.bayId ?? 0) - (b.bayId ?? 0) || Number(a.unitCost) - Number(b.unitCost));
  let value = 0;
  for (const { bayId, unitCost, rows: group } of ordered) {
    const movementId = await moveStock(
      tx,
      { productId, locationId, bayId, batchId: null },
      { ...movement, quantity: -group.length, unitCost: Number(unitCost) },
    );
    const ids = group.map((row) => row.id);
    await tx.$executeRaw`
      INSERT INTO stock_movement_serial (movement_id, serial_id, status)
      SELECT ${movementId}, id, ${status}::"SerialStatus" FROM unnest(${ids}::int[]) AS id`;
    await tx.$executeRaw`UPDATE serial_number SET status = ${status}::"SerialStatus" WHERE id = ANY(${ids}::int[])`;
    value += group.length * Number(unitCost);
  }
  return value;
}

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
  movement: Omit<MovementInput, 'quantity' | 'unitCost'>,
): Promise<number> {
  if (quantity <= 0) return 0;
  const levels = await tx.$queryRaw<{ bay_id: number | null; quantity: string }[]>`
    SELECT bay_id, quantity::text FROM stock_level
    WHERE product_id = ${place.productId} AND location_id = ${place.locationId} AND batch_id IS NOT DISTINCT FROM ${place.batchId} AND quantity > 0
    ORDER BY bay_id NULLS FIRST
    FOR UPDATE`;
  const onHand = levels.reduce((sum, l) => sum + Number(l.quantity), 0);
  if (onHand + 1e-9 < quantity) {
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
    left -= take;
  }
  return quantity * unitCost;
}
