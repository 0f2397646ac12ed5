import { Prisma } from '../db/generated/client.ts';
import type { Tx } from '../db/types.ts';
import { moveStock, type MovementInfo, type MovementInput } from './movements.ts';

// Serials' status changes, each with its ledger row: every serial's history is the list of
// stock_movement_serial rows naming it, so nothing else may change a serial's status.

/**
 * A change of the serials' status with no stock moving (promised to a document, or released): the
 * serials take the status (and `also`, the holder columns the caller sets with it, in the same
 * statement) and a ledger row of quantity 0 at the location lists them.
 */
export async function changeSerialStatus(
  tx: Tx,
  place: { productId: number; locationId: number },
  serialIds: number[],
  status: 'allocated' | 'in_stock',
  movement: MovementInfo,
  also: Prisma.Sql = Prisma.empty,
): Promise<void> {
  if (serialIds.length === 0) return;
  await tx.$executeRaw`UPDATE serial_number SET status = ${status}::"SerialStatus" ${also} WHERE id = ANY(${serialIds}::int[])`;
  await tx.$executeRaw`
    WITH movement AS (
      INSERT INTO stock_movement (kind, product_id, location_id, quantity, unit_cost, gl_code, narrative, document_type, document_id, document_line_id, customer_id, user_id)
      VALUES (${movement.kind}::"MovementKind", ${place.productId}, ${place.locationId}, 0, 0, ${movement.glCode ?? null},
              ${movement.narrative ?? null}, ${movement.documentType ?? null}, ${movement.documentId ?? null}, ${movement.documentLineId ?? null},
              ${movement.customerId ?? null}, ${movement.userId})
      RETURNING id
    )
    INSERT INTO stock_movement_serial (movement_id, serial_id, status)
    SELECT movement.id, s, ${status}::"SerialStatus" FROM movement, unnest(${serialIds}::int[]) AS s`;
}

export interface StockInSerials {
  productId: number;
  locationId: number;
  bayId: number | null;
  serials: string[];
  movement: Omit<MovementInput, 'quantity'>;
}

/**
 * Creates checked serials in stock at one place, with their ledger rows, in set-based statements.
 * Callers have checked the serials; a concurrent insert of the same serial still fails on the
 * unique index, which rolls the whole request back.
 */
export async function stockInSerials(tx: Tx, input: StockInSerials): Promise<number> {
  const count = input.serials.length;
  if (count === 0) return 0;
  const place = { productId: input.productId, locationId: input.locationId, bayId: input.bayId, batchId: null };
  const movementId = await moveStock(tx, place, { ...input.movement, quantity: count });
  return tx.$executeRaw`
    WITH created AS (
      INSERT INTO serial_number (product_id, serial, status, location_id, bay_id, unit_cost)
      SELECT ${input.productId}, serial, 'in_stock', ${input.locationId}, ${input.bayId}, ${String(input.movement.unitCost)}::numeric
      FROM unnest(${input.serials}::text[]) AS serial
      RETURNING id
    )
    INSERT INTO stock_movement_serial (movement_id, serial_id, status)
    SELECT ${movementId}, id, 'in_stock' FROM created`;
}

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
  movement: MovementInfo,
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
 * Serials entered on a purchase order line arrive: those still on order for the line (entered for
 * `enteredBayId`, and among `named` when given) become stock at the place, at the receipt's cost,
 * with one ledger row listing them. Returns the movement id.
 */
export async function receiveOrderedSerials(
  tx: Tx,
  place: { productId: number; locationId: number; bayId: number | null },
  ordered: { poLineId: number; enteredBayId: number | null; named: string[] | null; count: number },
  movement: Omit<MovementInput, 'quantity'>,
): Promise<number> {
  const movementId = await moveStock(tx, { ...place, batchId: null }, { ...movement, quantity: ordered.count });
  await tx.$executeRaw`
    WITH received AS (
      UPDATE serial_number SET status = 'in_stock', location_id = ${place.locationId}, bay_id = ${place.bayId},
                               unit_cost = ${String(movement.unitCost)}::numeric
      WHERE product_id = ${place.productId} AND status = 'on_order' AND po_line_id = ${ordered.poLineId}
        AND bay_id IS NOT DISTINCT FROM ${ordered.enteredBayId} AND (${ordered.named}::text[] IS NULL OR serial = ANY(${ordered.named}::text[]))
      RETURNING id
    )
    INSERT INTO stock_movement_serial (movement_id, serial_id, status) SELECT ${movementId}, id, 'in_stock' FROM received`;
  return movementId;
}

/**
 * Known serials counted out of (-1) or into (+1) a place (a stocktake finding them elsewhere or
 * again): one ledger row with the serials listed, then, coming in, where they are now. A serial
 * allocated to a document stays allocated.
 */
export async function placeSerials(
  tx: Tx,
  place: { productId: number; locationId: number; bayId: number | null },
  ids: number[],
  direction: 1 | -1,
  movement: Omit<MovementInput, 'quantity'>,
): Promise<void> {
  const movementId = await moveStock(tx, { ...place, batchId: null }, { ...movement, quantity: direction * ids.length });
  await tx.$executeRaw`
    INSERT INTO stock_movement_serial (movement_id, serial_id, status) SELECT ${movementId}, id, 'in_stock' FROM unnest(${ids}::int[]) AS id`;
  if (direction > 0) {
    await tx.$executeRaw`
      UPDATE serial_number SET status = CASE WHEN status = 'allocated' THEN status ELSE 'in_stock' END, location_id = ${place.locationId}, bay_id = ${place.bayId}
      WHERE id = ANY(${ids}::int[])`;
  }
}
