import type { Db } from '../../db/types.ts';
import { found } from '../../domain/errors.ts';
import { computeVariances, type ProductFacts, type SerialNow, type Variances } from '../../domain/stocktake.ts';
import type { StocktakeStatus } from '../../domain/stocktake.ts';

interface StocktakeRow {
  id: number;
  status: StocktakeStatus;
  location_id: number;
  /** The bays counted (empty: the whole location). */
  bay_ids: number[];
  frozen_movement_id: number | null;
}

const num = (value: string | number | null) => (value === null ? 0 : Number(value));

/**
 * Everything the variance rules need, in a few set-based queries: the frozen stock, what the
 * ledger moved at the location since the freeze (not counting this stocktake's own rows), the
 * counts, and the present state of every serial expected or found.
 */
export async function stocktakeVariances(db: Db, stocktake: StocktakeRow, options: { zeroUncounted?: boolean } = {}): Promise<Variances> {
  const id = stocktake.id;
  const mark = stocktake.frozen_movement_id ?? 0;
  const expected = await db.$queryRaw<
    { product_id: number; bay_id: number | null; batch: string | null; quantity: string; unit_cost: string }[]
  >`
    SELECT e.product_id, e.bay_id, b.number AS batch, e.quantity::text, e.unit_cost::text
    FROM stocktake_expected e LEFT JOIN batch b ON b.id = e.batch_id WHERE e.stocktake_id = ${id}`;
  const counted = await db.$queryRaw<{ product_id: number; bay_id: number | null; batch: string | null; quantity: string }[]>`
    SELECT product_id, bay_id, batch_number AS batch, SUM(counted_quantity)::text AS quantity
    FROM stocktake_count_row WHERE stocktake_id = ${id} AND counted_quantity IS NOT NULL AND cardinality(serials) = 0
    GROUP BY product_id, bay_id, batch_number`;
  const countedPlaces = await db.$queryRaw<{ product_id: number; bay_id: number | null }[]>`
    SELECT DISTINCT r.product_id, r.bay_id FROM stocktake_count_row r JOIN product p ON p.id = r.product_id
    WHERE r.stocktake_id = ${id} AND p.serialised`;
  const found = await db.$queryRaw<{ product_id: number; bay_id: number | null; serial: string }[]>`
    SELECT product_id, bay_id, unnest(serials) AS serial FROM stocktake_count_row WHERE stocktake_id = ${id} ORDER BY id`;
  const expectedSerials = await db.$queryRaw<{ serial_id: number; serial: string; product_id: number; bay_id: number | null }[]>`
    SELECT e.serial_id, s.serial, e.product_id, e.bay_id
    FROM stocktake_expected_serial e JOIN serial_number s ON s.id = e.serial_id WHERE e.stocktake_id = ${id}`;
  const productIds = [...new Set([...expected, ...counted, ...found].map((r) => r.product_id))];
  // Only what happened to the products in play, at this location (the bays counted), after the freeze.
  const bays = stocktake.bay_ids;
  const moved = await db.$queryRaw<{ product_id: number; bay_id: number | null; batch: string | null; quantity: string }[]>`
    SELECT m.product_id, m.bay_id, b.number AS batch, SUM(m.quantity)::text AS quantity
    FROM stock_movement m LEFT JOIN batch b ON b.id = m.batch_id
    WHERE m.location_id = ${stocktake.location_id} AND m.id > ${mark} AND m.product_id = ANY(${productIds}::int[])
      AND (cardinality(${bays}::int[]) = 0 OR m.bay_id = ANY(${bays}::int[]))
      AND NOT (m.document_type IS NOT DISTINCT FROM 'stocktake' AND m.document_id IS NOT DISTINCT FROM ${id})
    GROUP BY m.product_id, m.bay_id, b.number`;
  const products = new Map<number, ProductFacts>(
    (
      await db.product.findMany({
        where: { id: { in: productIds } },
        select: { id: true, sku: true, serialised: true, batchTracked: true, averageCost: true },
      })
    ).map((p) => [p.id, { ...p, averageCost: Number(p.averageCost) }]),
  );
  const batchRows = await db.batch.findMany({
    where: { productId: { in: productIds } },
    select: { productId: true, number: true, unitCost: true },
  });
  const wanted = [...expectedSerials.map((s) => [s.product_id, s.serial] as const), ...found.map((f) => [f.product_id, f.serial] as const)];
  const now = wanted.length
    ? await db.$queryRaw<
        {
          id: number;
          product_id: number;
          serial: string;
          status: string;
          location_id: number | null;
          bay_id: number | null;
          unit_cost: string;
        }[]
      >`
        SELECT s.id, s.product_id, s.serial, s.status::text, s.location_id, s.bay_id, s.unit_cost::text
        FROM serial_number s
        JOIN unnest(${wanted.map((w) => w[0])}::int[], ${wanted.map((w) => w[1])}::text[]) AS w(product_id, serial)
          ON s.product_id = w.product_id AND s.serial = w.serial`
    : [];
  const serialsNow = new Map<string, SerialNow>(
    now.map((s) => [
      `${s.product_id}|${s.serial}`,
      { serialId: s.id, status: s.status, locationId: s.location_id, bayId: s.bay_id, unitCost: Number(s.unit_cost) },
    ]),
  );

  const serialised = (productId: number) => products.get(productId)?.serialised ?? false;
  return computeVariances({
    locationId: stocktake.location_id,
    products,
    expected: expected.map((e) => ({
      productId: e.product_id,
      bayId: e.bay_id,
      batchNumber: e.batch,
      quantity: num(e.quantity),
      unitCost: num(e.unit_cost),
    })),
    moved: moved.map((m) => ({ productId: m.product_id, bayId: m.bay_id, batchNumber: m.batch, quantity: num(m.quantity) })),
    counted: counted
      .filter((c) => !serialised(c.product_id))
      .map((c) => ({ productId: c.product_id, bayId: c.bay_id, batchNumber: c.batch, quantity: num(c.quantity) })),
    batchCost: new Map(batchRows.map((b) => [`${b.productId}|${b.number}`, Number(b.unitCost)])),
    expectedSerials: expectedSerials.map((s) => ({ serialId: s.serial_id, serial: s.serial, productId: s.product_id, bayId: s.bay_id })),
    found: found.map((f) => ({ productId: f.product_id, bayId: f.bay_id, serial: f.serial })),
    serialsNow,
    countedSerialPlaces: new Set(countedPlaces.map((p) => `${p.product_id}|${p.bay_id ?? ''}`)),
    zeroUncounted: options.zeroUncounted,
  });
}

/** The review's lines: worked out while the stocktake is open, and as they were finalised once it is closed. */
export async function variancesOf(db: Db, stocktakeId: number): Promise<{ lines: Variances['lines'] }> {
  const [stocktake] = await db.$queryRaw<(StocktakeRow & { final_lines: Variances['lines'] | null })[]>`
    SELECT id, status::text AS status, location_id, bay_ids, frozen_movement_id, final_lines FROM stocktake WHERE id = ${stocktakeId}`;
  const row = found(stocktake, 'Stocktake', stocktakeId);
  if (row.status === 'finalised' && row.final_lines) return { lines: row.final_lines };
  return { lines: (await stocktakeVariances(db, row)).lines };
}
