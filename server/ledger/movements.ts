import type { Tx } from '../db/types.ts';
import { DomainError } from '../domain/errors.ts';
import { checkFits, columnLimit, formatLimit, QUANTITY_COLUMN, tooLarge } from '../domain/limits.ts';
import { roundQuantity } from '../domain/quantity.ts';
import { weightedAverageCost } from '../domain/stock.ts';
import { lockProduct } from './locks.ts';

/** One place stock can sit: a product at a location, optionally in a bay and of a batch. */
export interface Place {
  productId: number;
  locationId: number;
  bayId: number | null;
  batchId: number | null;
}

export interface MovementInput {
  kind: 'opening' | 'adjustment' | 'tracking_change' | 'receipt' | 'stocktake' | 'allocation' | 'sale' | 'production';
  /** Signed: positive into stock, negative out. */
  quantity: number;
  unitCost: number;
  userId: number;
  glCode?: string | null;
  narrative?: string | null;
  documentType?: string | null;
  documentId?: number | null;
  /** The document's line the change is for (a shipment, invoice or work order line). */
  documentLineId?: number | null;
  /** The customer goods went to (sales). */
  customerId?: number | null;
  /** Stock moving between places of the same business (not bought in): the average cost stays. */
  transfer?: boolean;
}

/** A stock level is a quantity column: no level may reach what the column cannot hold. */
const LEVEL_LIMIT = String(columnLimit(QUANTITY_COLUMN));

/** What a movement says besides its quantity and cost: kind, who, why, which document. */
export type MovementInfo = Omit<MovementInput, 'quantity' | 'unitCost'>;

/**
 * The only way stock changes: moves the level at one place and appends the ledger row, in the
 * caller's transaction. Removing more than is there is refused; receiving updates the product's
 * weighted average cost. Returns the movement id (serial rows hang off it).
 */
export async function moveStock(tx: Tx, place: Place, movement: MovementInput): Promise<number> {
  checkMovementFits(movement.quantity);
  if (movement.quantity > 0 && movement.kind !== 'tracking_change' && !movement.transfer)
    await updateAverageCost(tx, place.productId, movement);
  await changeLevel(tx, place, movement.quantity);
  const [row] = await tx.$queryRaw<{ id: number }[]>`
    INSERT INTO stock_movement (kind, product_id, location_id, bay_id, batch_id, quantity, unit_cost,
                                gl_code, narrative, document_type, document_id, document_line_id, customer_id, user_id)
    VALUES (${movement.kind}::"MovementKind", ${place.productId}, ${place.locationId}, ${place.bayId}, ${place.batchId},
            ${String(movement.quantity)}::numeric, ${String(movement.unitCost)}::numeric, ${movement.glCode ?? null},
            ${movement.narrative ?? null}, ${movement.documentType ?? null}, ${movement.documentId ?? null}, ${movement.documentLineId ?? null},
            ${movement.customerId ?? null}, ${movement.userId})
    RETURNING id`;
  return row!.id;
}

/**
 * Many stock changes of one kind at once (a stocktake's 50,000 lines), with the same rules as
 * moveStock, in a few set-based statements: removals first (each refused if it would go below
 * zero), then additions, whose cost averages into each product's average cost, then the ledger rows.
 */
export async function moveStockMany(
  tx: Tx,
  changes: { place: Place; quantity: number; unitCost: number }[],
  movement: MovementInfo,
): Promise<number> {
  const rows = changes.filter((c) => c.quantity !== 0);
  if (rows.length === 0) return 0;
  for (const c of rows) checkMovementFits(c.quantity);
  const column = <T>(pick: (c: (typeof rows)[number]) => T) => rows.map(pick);
  const out = rows.filter((c) => c.quantity < 0);
  if (out.length > 0) {
    const updated = await tx.$queryRaw<{ product_id: number; location_id: number; bay_id: number | null; batch_id: number | null }[]>`
      UPDATE stock_level l SET quantity = l.quantity + c.delta
      FROM unnest(${out.map((c) => c.place.productId)}::int[], ${out.map((c) => c.place.locationId)}::int[], ${out.map((c) => c.place.bayId)}::int[],
                  ${out.map((c) => c.place.batchId)}::int[], ${out.map((c) => String(c.quantity))}::numeric[]) AS c(product_id, location_id, bay_id, batch_id, delta)
      WHERE l.product_id = c.product_id AND l.location_id = c.location_id
        AND l.bay_id IS NOT DISTINCT FROM c.bay_id AND l.batch_id IS NOT DISTINCT FROM c.batch_id
        AND l.quantity + c.delta >= 0
      RETURNING l.product_id, l.location_id, l.bay_id, l.batch_id`;
    if (updated.length !== out.length) {
      const done = new Set(updated.map((u) => `${u.product_id}|${u.location_id}|${u.bay_id}|${u.batch_id}`));
      const short = out.find((c) => !done.has(`${c.place.productId}|${c.place.locationId}|${c.place.bayId}|${c.place.batchId}`))!;
      throw await insufficientStock(tx, short.place, -short.quantity);
    }
  }
  const into = rows.filter((c) => c.quantity > 0);
  if (into.length > 0) {
    if (movement.kind !== 'tracking_change' && !movement.transfer) {
      // Lock the products in id order (as lockProduct does one by one), then average each once.
      const productIds = [...new Set(into.map((c) => c.place.productId))].sort((a, b) => a - b);
      await tx.$queryRaw`SELECT id FROM product WHERE id = ANY(${productIds}::int[]) ORDER BY id FOR NO KEY UPDATE`;
      await tx.$executeRaw`
        UPDATE product p SET average_cost = ROUND(
          (GREATEST(COALESCE(h.on_hand, 0), 0) * p.average_cost + a.value) / NULLIF(GREATEST(COALESCE(h.on_hand, 0), 0) + a.quantity, 0), 6)
        FROM (SELECT product_id, SUM(q) AS quantity, SUM(q * c) AS value
              FROM unnest(${into.map((c) => c.place.productId)}::int[], ${into.map((c) => String(c.quantity))}::numeric[], ${into.map((c) => String(c.unitCost))}::numeric[]) AS x(product_id, q, c)
              GROUP BY product_id) a
        LEFT JOIN (SELECT product_id, SUM(quantity) AS on_hand FROM stock_level GROUP BY product_id) h ON h.product_id = a.product_id
        WHERE p.id = a.product_id`;
    }
    const added = await tx.$queryRaw<{ product_id: number; location_id: number; bay_id: number | null; batch_id: number | null }[]>`
      INSERT INTO stock_level (product_id, location_id, bay_id, batch_id, quantity)
      SELECT * FROM unnest(${into.map((c) => c.place.productId)}::int[], ${into.map((c) => c.place.locationId)}::int[], ${into.map((c) => c.place.bayId)}::int[],
                           ${into.map((c) => c.place.batchId)}::int[], ${into.map((c) => String(c.quantity))}::numeric[])
      ON CONFLICT (product_id, location_id, bay_id, batch_id) DO UPDATE SET quantity = stock_level.quantity + EXCLUDED.quantity
        WHERE stock_level.quantity + EXCLUDED.quantity < ${LEVEL_LIMIT}::numeric
      RETURNING product_id, location_id, bay_id, batch_id`;
    if (added.length !== into.length) {
      const done = new Set(added.map((a) => `${a.product_id}|${a.location_id}|${a.bay_id}|${a.batch_id}`));
      const over = into.find((c) => !done.has(`${c.place.productId}|${c.place.locationId}|${c.place.bayId}|${c.place.batchId}`))!;
      throw await levelTooLarge(tx, over.place, over.quantity);
    }
  }
  return tx.$executeRaw`
    INSERT INTO stock_movement (kind, product_id, location_id, bay_id, batch_id, quantity, unit_cost, gl_code, narrative, document_type, document_id, user_id)
    SELECT ${movement.kind}::"MovementKind", product_id, location_id, bay_id, batch_id, quantity, unit_cost,
           ${movement.glCode ?? null}, ${movement.narrative ?? null}, ${movement.documentType ?? null}, ${movement.documentId ?? null}, ${movement.userId}
    FROM unnest(${column((c) => c.place.productId)}::int[], ${column((c) => c.place.locationId)}::int[], ${column((c) => c.place.bayId)}::int[],
                ${column((c) => c.place.batchId)}::int[], ${column((c) => String(c.quantity))}::numeric[], ${column((c) => String(c.unitCost))}::numeric[])
         AS c(product_id, location_id, bay_id, batch_id, quantity, unit_cost)`;
}

async function changeLevel(tx: Tx, place: Place, delta: number): Promise<void> {
  if (delta >= 0) {
    // The upsert locks the level row, so two additions cannot both pass the check.
    const added = await tx.$executeRaw`
      INSERT INTO stock_level (product_id, location_id, bay_id, batch_id, quantity)
      VALUES (${place.productId}, ${place.locationId}, ${place.bayId}, ${place.batchId}, ${String(delta)}::numeric)
      ON CONFLICT (product_id, location_id, bay_id, batch_id)
      DO UPDATE SET quantity = stock_level.quantity + EXCLUDED.quantity
        WHERE stock_level.quantity + EXCLUDED.quantity < ${LEVEL_LIMIT}::numeric`;
    if (added === 0) throw await levelTooLarge(tx, place, delta);
    return;
  }
  // The row lock taken by this UPDATE makes concurrent removals queue; the WHERE refuses going negative.
  const updated = await tx.$executeRaw`
    UPDATE stock_level SET quantity = quantity + ${String(delta)}::numeric
    WHERE product_id = ${place.productId} AND location_id = ${place.locationId}
      AND bay_id IS NOT DISTINCT FROM ${place.bayId} AND batch_id IS NOT DISTINCT FROM ${place.batchId}
      AND quantity + ${String(delta)}::numeric >= 0`;
  if (updated === 0) throw await insufficientStock(tx, place, -delta);
}

/** The place named as a person knows it, and what is there now. */
async function describePlace(tx: Tx, place: Place): Promise<{ sku: string; where: string; onHand: number }> {
  const [row] = await tx.$queryRaw<{ sku: string; location: string; bay: string | null; batch: string | null; on_hand: string | null }[]>`
    SELECT p.sku, l.name AS location, b.name AS bay, bt.number AS batch,
           (SELECT s.quantity::text FROM stock_level s
             WHERE s.product_id = p.id AND s.location_id = l.id
               AND s.bay_id IS NOT DISTINCT FROM ${place.bayId} AND s.batch_id IS NOT DISTINCT FROM ${place.batchId}) AS on_hand
    FROM product p, location l
    LEFT JOIN bay b ON b.id = ${place.bayId}
    LEFT JOIN batch bt ON bt.id = ${place.batchId}
    WHERE p.id = ${place.productId} AND l.id = ${place.locationId}`;
  const where = [row?.location, row?.bay ? `bay ${row.bay}` : null, row?.batch ? `batch ${row.batch}` : null].filter(Boolean).join(', ');
  return { sku: row?.sku ?? `product ${place.productId}`, where, onHand: Number(row?.on_hand ?? 0) };
}

async function insufficientStock(tx: Tx, place: Place, wanted: number): Promise<DomainError> {
  const { sku, where, onHand } = await describePlace(tx, place);
  return new DomainError(
    'INSUFFICIENT_STOCK',
    `Only ${onHand} of ${sku} on hand at ${where}; cannot take out ${wanted}. Stock never goes below zero.`,
  );
}

/** Receipts, adjustments, outputs and counts all add through here: the sum is checked, not only each entry. */
async function levelTooLarge(tx: Tx, place: Place, adding: number): Promise<DomainError> {
  const { sku, where, onHand } = await describePlace(tx, place);
  return tooLarge(
    roundQuantity(onHand + adding),
    QUANTITY_COLUMN,
    `The stock of ${sku} at ${where} after adding ${formatLimit(adding)} to the ${formatLimit(onHand)} there`,
    'nothing was changed; add less, or put the stock in another bay or location',
  );
}

/** One movement moves at most what a quantity column holds (a stocktake's line may sum many counts). */
function checkMovementFits(quantity: number): void {
  checkFits(quantity, QUANTITY_COLUMN, 'One stock movement', 'nothing was changed; move the stock in smaller steps');
}

async function updateAverageCost(tx: Tx, productId: number, movement: MovementInput): Promise<void> {
  // Lock the product row so concurrent receipts average one after the other. The lock is taken in
  // its own statement: under READ COMMITTED a statement that waited for the lock re-reads the locked
  // row but keeps its older snapshot for everything else, so a SUM in the same statement would miss
  // the stock the previous receipt just committed. The next statement sees it.
  await lockProduct(tx, productId);
  const [current] = await tx.$queryRaw<{ average_cost: string; on_hand: string }[]>`
    SELECT p.average_cost::text,
           COALESCE((SELECT SUM(quantity) FROM stock_level WHERE product_id = p.id), 0)::text AS on_hand
    FROM product p WHERE p.id = ${productId}`;
  const next = weightedAverageCost(Number(current!.on_hand), Number(current!.average_cost), movement.quantity, movement.unitCost);
  await tx.$executeRaw`UPDATE product SET average_cost = ${String(next)}::numeric WHERE id = ${productId}`;
}
