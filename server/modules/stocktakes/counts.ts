import type { PrismaClient } from '../../db/generated/client.ts';
import type { Db } from '../../db/types.ts';
import type { Reason } from '../../domain/errors.ts';
import { checkSerialList } from '../../domain/serial-syntax.ts';
import { assertTakesCounts } from '../../domain/stocktake.ts';
import { applyOnce } from '../idempotency.ts';
import { lockStocktake } from './service.ts';

export interface CountRow {
  productId: number;
  bayId?: number | null;
  countedQuantity?: number | null;
  batchNumber?: string | null;
  expiry?: string | null;
  /** Serialised products: the serials found at that bay (an empty list: none found). */
  serials?: string[];
}

export interface RowProblem {
  field: string;
  reason: Reason;
  message: string;
}

export interface RowResult {
  index: number;
  status: 'ok' | 'error';
  problems: RowProblem[];
}

/**
 * Takes one sheet's counts: every row is checked and answered (ok, or its problems); when all are
 * ok they replace what that sheet reported before. With any problem nothing is saved, so a sheet
 * is always stored whole; fix the rows and submit again.
 */
export function submitCounts(
  prisma: PrismaClient,
  userId: number,
  input: { stocktakeId: number; sheetKey: string; rows: CountRow[]; idempotencyKey: string },
) {
  const { idempotencyKey, ...request } = input;
  return applyOnce(prisma, { userId, procedure: 'stocktakes.submitCounts', key: idempotencyKey, input: request }, async (tx) => {
    const stocktake = await lockStocktake(tx, input.stocktakeId);
    assertTakesCounts(stocktake.id, stocktake.status);
    const rows = await checkRows(tx, stocktake, input.rows);
    const saved = rows.every((row) => row.status === 'ok');
    if (saved) {
      await tx.stocktakeCountRow.deleteMany({ where: { stocktakeId: stocktake.id, sheetKey: input.sheetKey } });
      // One statement for the whole sheet (tens of thousands of rows); each row's serials travel as JSON.
      const r = input.rows;
      await tx.$executeRaw`
        INSERT INTO stocktake_count_row (stocktake_id, sheet_key, row_index, product_id, bay_id, batch_number, expiry, counted_quantity, serials)
        SELECT ${stocktake.id}, ${input.sheetKey}, row_index, product_id, bay_id, batch_number, expiry, counted,
               ARRAY(SELECT jsonb_array_elements_text(serials_json::jsonb))
        FROM unnest(${r.map((_, i) => i)}::int[], ${r.map((row) => row.productId)}::int[], ${r.map((row) => row.bayId ?? null)}::int[],
                    ${r.map((row) => row.batchNumber?.trim() || null)}::text[], ${r.map((row) => row.expiry ?? null)}::date[],
                    ${r.map((row) => (row.countedQuantity == null ? null : String(row.countedQuantity)))}::numeric[],
                    ${r.map((row) => JSON.stringify((row.serials ?? []).map((serial) => serial.trim())))}::text[])
             AS x(row_index, product_id, bay_id, batch_number, expiry, counted, serials_json)`;
    }
    return { saved, rows };
  });
}

async function checkRows(
  db: Db,
  stocktake: { id: number; location_id: number; bay_ids: number[]; product_ids: number[] },
  rows: CountRow[],
): Promise<RowResult[]> {
  const productIds = [...new Set(rows.map((r) => r.productId))];
  const products = new Map(
    (
      await db.product.findMany({
        where: { id: { in: productIds } },
        select: { id: true, sku: true, stockTracked: true, serialised: true, batchTracked: true },
      })
    ).map((p) => [p.id, p]),
  );
  const bays = new Map(
    (await db.bay.findMany({ where: { locationId: stocktake.location_id }, select: { id: true, name: true } })).map((b) => [b.id, b]),
  );
  // One pair per distinct batch, sent as two arrays: a 50,000-row sheet must not become 100,000 bind parameters.
  const batchNumbers = [
    ...new Map(
      rows
        .filter((r) => r.batchNumber?.trim())
        .map((r) => [`${r.productId}|${r.batchNumber!.trim()}`, { productId: r.productId, number: r.batchNumber!.trim() }]),
    ).values(),
  ];
  const knownBatches = batchNumbers.length
    ? await db.$queryRaw<{ product_id: number; number: string; expiry: Date | null }[]>`
        SELECT b.product_id, b.number, b.expiry FROM batch b
        JOIN unnest(${batchNumbers.map((b) => b.productId)}::int[], ${batchNumbers.map((b) => b.number)}::text[]) AS w(product_id, number)
          ON b.product_id = w.product_id AND b.number = w.number`
    : [];
  const batchExpiry = new Map(knownBatches.map((b) => [`${b.product_id}|${b.number}`, b.expiry?.toISOString().slice(0, 10) ?? null]));
  const seenSerials = new Map<string, number>();

  return rows.map((row, index) => {
    const problems: RowProblem[] = [];
    const say = (field: string, reason: Reason, message: string) => problems.push({ field, reason, message });
    const product = products.get(row.productId);
    if (!product) say('productId', 'NOT_FOUND', `Product ${row.productId} does not exist`);
    else if (!product.stockTracked) say('productId', 'PRODUCT_NOT_STOCK_TRACKED', `${product.sku} is not stock tracked`);
    else if (stocktake.product_ids.length > 0 && !stocktake.product_ids.includes(product.id)) {
      say('productId', 'NOT_IN_STOCKTAKE', `${product.sku} is not one of the products this stocktake counts`);
    }
    if (row.bayId != null) {
      if (!bays.has(row.bayId)) say('bayId', 'BAY_NOT_IN_LOCATION', `Bay ${row.bayId} is not in the counted location`);
      else if (stocktake.bay_ids.length > 0 && !stocktake.bay_ids.includes(row.bayId)) {
        say('bayId', 'NOT_IN_STOCKTAKE', `Bay ${bays.get(row.bayId)!.name} is not one of the bays this stocktake counts`);
      }
    } else if (stocktake.bay_ids.length > 0) {
      // Stock in no bay is outside a stocktake of some bays (it was not frozen): give the bay.
      say(
        'bayId',
        'NOT_IN_STOCKTAKE',
        `This stocktake counts bays ${stocktake.bay_ids.map((id) => bays.get(id)?.name ?? id).join(', ')} only: give the bay counted`,
      );
    }
    if (product?.serialised) {
      if (row.batchNumber?.trim())
        say('batchNumber', 'PRODUCT_NOT_BATCH_TRACKED', `${product.sku} is serialised: count its serials, not batches`);
      const checked = checkSerialList(row.serials ?? []);
      for (const p of checked.problems) say('serials', p.reason, p.message);
      checked.serials.forEach((serial) => {
        const key = `${product.id}|${serial}`;
        const first = seenSerials.get(key);
        if (first !== undefined && first !== index)
          say('serials', 'DUPLICATE_SERIAL', `Serial ${serial} is also counted on row ${first + 1}`);
        else seenSerials.set(key, index);
      });
      if (row.countedQuantity != null && row.countedQuantity !== checked.serials.length) {
        say(
          'countedQuantity',
          'SERIAL_COUNT_MISMATCH',
          `Counted ${row.countedQuantity} but ${checked.serials.length} serials listed: list every serial found`,
        );
      }
    } else if (product) {
      if (row.serials?.length) say('serials', 'PRODUCT_NOT_SERIALISED', `${product.sku} is not serialised: count its quantity`);
      if (row.countedQuantity == null) say('countedQuantity', 'INVALID_INPUT', 'Enter the quantity counted (0 when none was found)');
      else if (row.countedQuantity < 0) say('countedQuantity', 'INVALID_INPUT', 'A count cannot be negative');
      if (product.batchTracked && !row.batchNumber?.trim())
        say('batchNumber', 'BATCH_REQUIRED', `${product.sku} is batch tracked: give the batch number`);
      if (!product.batchTracked && row.batchNumber?.trim())
        say('batchNumber', 'PRODUCT_NOT_BATCH_TRACKED', `${product.sku} is not batch tracked: leave the batch empty`);
      const known = row.batchNumber?.trim() ? batchExpiry.get(`${product.id}|${row.batchNumber.trim()}`) : undefined;
      if (known !== undefined && row.expiry && known !== row.expiry) {
        say('expiry', 'BATCH_EXPIRY_MISMATCH', `Batch ${row.batchNumber} has expiry ${known ?? 'none'}, not ${row.expiry}`);
      }
    }
    return { index, status: problems.length ? 'error' : 'ok', problems };
  });
}
