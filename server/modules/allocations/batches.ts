import type { Db, Tx } from '../../db/types.ts';
import { judgeBatches, type BatchRequest, type BatchState } from '../../domain/allocation.ts';
import { DomainError } from '../../domain/errors.ts';
import { sumQuantities } from '../../domain/quantity.ts';
import { HOLDERS } from './holders.ts';
import type { LineTarget } from './targets.ts';

/** Batches are held by owner lines: the target must be one (a carrier's batches are its owner line's). */
function batchColumn(target: LineTarget) {
  const holder = HOLDERS[target.type];
  if (holder.role !== 'owner') throw new Error(`${target.type} lines hold no batches; resolve their owner line first`);
  return holder.batchColumn;
}

/**
 * Batches of a product at the target's location, with what is available to this line: on hand
 * less what other lines hold. Expired is judged by the database's date.
 */
export async function batchStates(db: Db, target: LineTarget, numbers: string[] | null) {
  const column = batchColumn(target);
  const rows = await db.$queryRaw<
    { id: number; number: string; expiry: string | null; expired: boolean; on_hand: string; held_elsewhere: string; held_here: string }[]
  >`
    SELECT b.id, b.number, to_char(b.expiry, 'YYYY-MM-DD') AS expiry, COALESCE(b.expiry < CURRENT_DATE, false) AS expired,
           COALESCE((SELECT SUM(quantity) FROM stock_level l WHERE l.batch_id = b.id AND l.location_id = ${target.locationId}), 0)::text AS on_hand,
           COALESCE((SELECT SUM(quantity) FROM batch_allocation a WHERE a.batch_id = b.id AND a.location_id = ${target.locationId}
                       AND a.${column} IS DISTINCT FROM ${target.lineId}), 0)::text AS held_elsewhere,
           COALESCE((SELECT SUM(quantity) FROM batch_allocation a WHERE a.batch_id = b.id AND a.${column} = ${target.lineId}), 0)::text AS held_here
    FROM batch b
    WHERE b.product_id = ${target.product.id} AND (${numbers}::text[] IS NULL OR b.number = ANY(${numbers}::text[]))
    ORDER BY b.expiry NULLS LAST, b.number`;
  return rows.map((r) => ({
    id: r.id,
    number: r.number,
    expiry: r.expiry,
    expired: r.expired,
    available: Number(r.on_hand) - Number(r.held_elsewhere),
    heldHere: Number(r.held_here),
  }));
}

export function assertBatchTracked(target: LineTarget) {
  if (!target.product.batchTracked) {
    throw new DomainError('PRODUCT_NOT_BATCH_TRACKED', `${target.label}: ${target.product.sku} is not batch tracked; it takes no batches.`);
  }
}

/**
 * Judges the batch quantities named for a line. For a real allocation the named batches' rows are
 * locked first (in id order), so two lines reaching for the last units of a batch queue and the
 * second sees what is left.
 */
export async function judgeBatchRequest(db: Db, target: LineTarget, requests: BatchRequest[], lock: boolean) {
  assertBatchTracked(target);
  const numbers = requests.map((r) => r.batch);
  if (lock)
    await db.$queryRaw`SELECT id FROM batch WHERE product_id = ${target.product.id} AND number = ANY(${numbers}::text[]) ORDER BY id FOR UPDATE`;
  const states = await batchStates(db, target, numbers);
  const byNumber = new Map<string, BatchState>(states.map((s) => [s.number, s]));
  return judgeBatches(requests, byNumber, target.needed, target.locationName);
}

/** The line now holds exactly these batch quantities. */
export async function applyBatches(tx: Tx, target: LineTarget, take: { batchId: number; quantity: number }[]) {
  const column = batchColumn(target);
  await tx.$executeRaw`DELETE FROM batch_allocation WHERE ${column} = ${target.lineId}`;
  await tx.$executeRaw`
    INSERT INTO batch_allocation (batch_id, location_id, ${column}, quantity)
    SELECT b, ${target.locationId}, ${target.lineId}, q FROM unnest(${take.map((t) => t.batchId)}::int[], ${take.map((t) => String(t.quantity))}::numeric[]) AS x(b, q)`;
  return { lineId: target.lineId, allocated: sumQuantities(take, (t) => t.quantity) };
}
