import type { Tx } from '../../db/types.ts';
import type { DocumentType } from '../../domain/allocation.ts';
import { roundQuantity } from '../../domain/quantity.ts';
import { takeFromLocation, takeOutSerials, type MovementInfo } from '../../ledger/index.ts';
import { HOLDERS, ownerOf } from './holders.ts';

/** A document line whose goods leave stock (shipped, invoiced, consumed by a work order). */
export interface LeavingLine {
  type: DocumentType;
  lineId: number;
  /** The line holding its batches: the line itself, or a carrier's owner line. */
  ownerLineId: number;
  productId: number;
  serialised: boolean;
  batchTracked: boolean;
  stockTracked: boolean;
  averageCost: number;
  /** Units leaving stock now (a serialised line takes the serials it names, whatever this says). */
  quantity: number;
}

/**
 * Takes a line's goods out of stock at the location, the one way every document does it: the
 * serials the line names that are still allocated (each at its own cost), the batches its owner
 * line holds (earliest expiry first, at the batch's cost), or a plain quantity from the location
 * at the product's average cost. Returns the value taken out.
 */
export async function takeLineOut(
  tx: Tx,
  line: LeavingLine,
  locationId: number,
  movement: MovementInfo,
  serialStatus: 'shipped' | 'consumed',
): Promise<number> {
  if (line.serialised) {
    const rows = await tx.$queryRaw<{ id: number; bay_id: number | null; unit_cost: string }[]>`
      SELECT id, bay_id, unit_cost::text FROM serial_number
      WHERE status = 'allocated' AND ${HOLDERS[line.type].serialColumn} = ${line.lineId}
      ORDER BY id FOR UPDATE`;
    const serials = rows.map((r) => ({ id: r.id, bayId: r.bay_id, unitCost: r.unit_cost }));
    return takeOutSerials(tx, line.productId, locationId, serials, movement, serialStatus);
  }
  if (line.batchTracked) return takeHeldBatches(tx, line, locationId, movement);
  if (!line.stockTracked) return 0;
  return takeFromLocation(tx, { productId: line.productId, locationId, batchId: null }, line.quantity, line.averageCost, movement);
}

/** Takes units out of the batches the owner line holds, earliest expiry first, and lets go of what left. */
async function takeHeldBatches(tx: Tx, line: LeavingLine, locationId: number, movement: MovementInfo) {
  const column = ownerOf(line.type).batchColumn;
  const held = await tx.$queryRaw<{ id: number; batch_id: number; quantity: string; unit_cost: string }[]>`
    SELECT a.id, a.batch_id, a.quantity::text, b.unit_cost::text FROM batch_allocation a JOIN batch b ON b.id = a.batch_id
    WHERE a.${column} = ${line.ownerLineId}
    ORDER BY b.expiry NULLS LAST, b.number FOR UPDATE OF a`;
  let left = line.quantity;
  let value = 0;
  for (const allocation of held) {
    if (left <= 0) break;
    const take = Math.min(left, Number(allocation.quantity));
    value += await takeFromLocation(
      tx,
      { productId: line.productId, locationId, batchId: allocation.batch_id },
      take,
      Number(allocation.unit_cost),
      movement,
    );
    if (take >= Number(allocation.quantity)) await tx.$executeRaw`DELETE FROM batch_allocation WHERE id = ${allocation.id}`;
    else await tx.$executeRaw`UPDATE batch_allocation SET quantity = quantity - ${String(take)}::numeric WHERE id = ${allocation.id}`;
    left = roundQuantity(left - take);
  }
  return value;
}
