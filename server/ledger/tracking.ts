import type { Tx } from '../db/types.ts';
import { DomainError } from '../domain/errors.ts';

// What changing a product's tracking does to the stock it already has. Set-based SQL: a product
// may hold tens of thousands of serials.

/** Mark as not serialised: in-stock serials are retired; their stock stays as plain quantity. */
export async function retireSerials(tx: Tx, productId: number, userId: number): Promise<number> {
  await tx.$executeRaw`
    WITH places AS (
      SELECT location_id, bay_id FROM serial_number
      WHERE product_id = ${productId} AND status = 'in_stock' GROUP BY location_id, bay_id
    ), moved AS (
      INSERT INTO stock_movement (kind, product_id, location_id, bay_id, quantity, unit_cost, narrative, user_id)
      SELECT 'tracking_change', ${productId}, location_id, bay_id, 0, 0, 'Marked as not serialised: serials retired, stock kept as quantity', ${userId}
      FROM places RETURNING id, location_id, bay_id
    )
    INSERT INTO stock_movement_serial (movement_id, serial_id, status)
    SELECT m.id, s.id, 'retired' FROM moved m
    JOIN serial_number s ON s.product_id = ${productId} AND s.status = 'in_stock'
     AND s.location_id = m.location_id AND s.bay_id IS NOT DISTINCT FROM m.bay_id`;
  return tx.$executeRaw`UPDATE serial_number SET status = 'retired' WHERE product_id = ${productId} AND status = 'in_stock'`;
}

/** Convert to batch tracked: each in-stock serial becomes a batch of one at the same place and cost. */
export async function convertSerialsToBatches(tx: Tx, productId: number, userId: number): Promise<number> {
  const clashes = await tx.$queryRaw<{ serial: string }[]>`
    SELECT s.serial FROM serial_number s JOIN batch b ON b.product_id = s.product_id AND b.number = s.serial
    WHERE s.product_id = ${productId} AND s.status = 'in_stock' ORDER BY s.serial LIMIT 5`;
  if (clashes.length > 0) {
    throw new DomainError(
      'TRACKING_CONFLICT',
      `Batches named like these serials already exist for the product: ${clashes.map((c) => c.serial).join(', ')}. Rename those batches first.`,
    );
  }
  await tx.$executeRaw`
    INSERT INTO batch (product_id, number, unit_cost)
    SELECT product_id, serial, unit_cost FROM serial_number WHERE product_id = ${productId} AND status = 'in_stock'`;
  // Out of the serial places (the serials are listed on these rows) ...
  await tx.$executeRaw`
    WITH places AS (
      SELECT location_id, bay_id, COUNT(*) AS n, AVG(unit_cost) AS cost FROM serial_number
      WHERE product_id = ${productId} AND status = 'in_stock' GROUP BY location_id, bay_id
    ), moved AS (
      INSERT INTO stock_movement (kind, product_id, location_id, bay_id, quantity, unit_cost, narrative, user_id)
      SELECT 'tracking_change', ${productId}, location_id, bay_id, -n, cost, 'Converted to batch tracked: serials become batches', ${userId}
      FROM places RETURNING id, location_id, bay_id
    )
    INSERT INTO stock_movement_serial (movement_id, serial_id, status)
    SELECT m.id, s.id, 'retired' FROM moved m
    JOIN serial_number s ON s.product_id = ${productId} AND s.status = 'in_stock'
     AND s.location_id = m.location_id AND s.bay_id IS NOT DISTINCT FROM m.bay_id`;
  await tx.$executeRaw`
    UPDATE stock_level l SET quantity = l.quantity - p.n
    FROM (SELECT location_id, bay_id, COUNT(*) AS n FROM serial_number
          WHERE product_id = ${productId} AND status = 'in_stock' GROUP BY location_id, bay_id) p
    WHERE l.product_id = ${productId} AND l.batch_id IS NULL
      AND l.location_id = p.location_id AND l.bay_id IS NOT DISTINCT FROM p.bay_id`;
  // ... and into one batch each.
  await tx.$executeRaw`
    INSERT INTO stock_movement (kind, product_id, location_id, bay_id, batch_id, quantity, unit_cost, narrative, user_id)
    SELECT 'tracking_change', ${productId}, s.location_id, s.bay_id, b.id, 1, s.unit_cost, 'Converted to batch tracked: from serial ' || s.serial, ${userId}
    FROM serial_number s JOIN batch b ON b.product_id = s.product_id AND b.number = s.serial
    WHERE s.product_id = ${productId} AND s.status = 'in_stock'`;
  await tx.$executeRaw`
    INSERT INTO stock_level (product_id, location_id, bay_id, batch_id, quantity)
    SELECT ${productId}, s.location_id, s.bay_id, b.id, 1
    FROM serial_number s JOIN batch b ON b.product_id = s.product_id AND b.number = s.serial
    WHERE s.product_id = ${productId} AND s.status = 'in_stock'`;
  return tx.$executeRaw`UPDATE serial_number SET status = 'retired' WHERE product_id = ${productId} AND status = 'in_stock'`;
}
