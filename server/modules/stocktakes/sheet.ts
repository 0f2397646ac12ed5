import type { CountSheetLine } from '../../domain/count-sheet.ts';
import type { Db } from '../../db/types.ts';
import { found } from '../../domain/errors.ts';

/**
 * What a count sheet lists, per bay (the sheet key is `bay-<id>`, or `location` for stock in no
 * bay): every product and batch expected there, each expected serial on its own line, and in
 * blind mode the products only, without quantities or serials.
 */
export async function countSheets(db: Db, stocktakeId: number, showExpected: boolean) {
  const stocktake = found(
    await db.stocktake.findUnique({ where: { id: stocktakeId }, select: { id: true, status: true, blind: true, locationId: true } }),
    'Stocktake',
    stocktakeId,
  );
  const blind = stocktake.blind && !showExpected;
  const levels = await db.$queryRaw<
    {
      product_id: number;
      sku: string;
      name: string;
      serialised: boolean;
      batch_tracked: boolean;
      bay_id: number | null;
      bay_name: string | null;
      batch: string | null;
      expiry: Date | null;
      quantity: string;
    }[]
  >`
    SELECT e.product_id, p.sku, p.name, p.serialised, p.batch_tracked, e.bay_id, b.name AS bay_name, bt.number AS batch, bt.expiry, e.quantity::text
    FROM stocktake_expected e JOIN product p ON p.id = e.product_id
    LEFT JOIN bay b ON b.id = e.bay_id LEFT JOIN batch bt ON bt.id = e.batch_id
    WHERE e.stocktake_id = ${stocktakeId}
    ORDER BY b.name NULLS FIRST, p.sku, bt.number NULLS FIRST`;
  const serials = blind
    ? []
    : await db.$queryRaw<{ product_id: number; bay_id: number | null; serial: string }[]>`
        SELECT e.product_id, e.bay_id, s.serial FROM stocktake_expected_serial e JOIN serial_number s ON s.id = e.serial_id
        WHERE e.stocktake_id = ${stocktakeId} ORDER BY s.serial`;
  const serialsAt = new Map<string, string[]>();
  for (const s of serials) {
    const key = `${s.product_id}|${s.bay_id ?? ''}`;
    const list = serialsAt.get(key);
    if (list) list.push(s.serial);
    else serialsAt.set(key, [s.serial]);
  }
  const sheets = new Map<string, { sheetKey: string; bayId: number | null; bayName: string | null; lines: CountSheetLine[] }>();
  const sheetFor = (bayId: number | null, bayName: string | null) => {
    const key = bayId === null ? 'location' : `bay-${bayId}`;
    let sheet = sheets.get(key);
    if (!sheet) sheets.set(key, (sheet = { sheetKey: key, bayId, bayName, lines: [] }));
    return sheet;
  };
  for (const level of levels) {
    const sheet = sheetFor(level.bay_id, level.bay_name);
    const base = {
      productId: level.product_id,
      sku: level.sku,
      name: level.name,
      tracking: level.serialised ? ('serial' as const) : level.batch_tracked ? ('batch' as const) : ('plain' as const),
      bayId: level.bay_id,
      bayName: level.bay_name,
      batchNumber: level.batch,
      expiry: level.expiry?.toISOString().slice(0, 10) ?? null,
    };
    if (level.serialised && !blind) {
      for (const serial of serialsAt.get(`${level.product_id}|${level.bay_id ?? ''}`) ?? [])
        sheet.lines.push({ ...base, expectedQuantity: 1, serial });
    } else {
      sheet.lines.push({ ...base, expectedQuantity: blind ? null : Number(level.quantity), serial: null });
    }
  }
  return { stocktakeId, blind, sheets: [...sheets.values()] };
}
