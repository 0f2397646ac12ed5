import { COUNT_COLUMNS, STATUS_COLUMN } from '../../../server/domain/count-sheet.ts';
import type { CellValue, ColumnFormats } from '../../excel/port.ts';
import type { VarianceLine } from '../../../server/domain/stocktake.ts';

export const STOCKTAKE_PROPERTY = 'stocksheet.stocktakeId';
export const SHEET_KEY_PROPERTY = 'stocksheet.sheetKey';
export const HEADER = [...COUNT_COLUMNS, STATUS_COLUMN];
export const STATUS_INDEX = HEADER.length - 1;

/** Status text per sheet row: OK, or every problem the server (or the pane) found on it. */
export function statusColumn(
  rowCount: number,
  sources: number[][],
  results: { index: number; status: 'ok' | 'error'; problems: { message: string }[] }[],
  local: { row: number; message: string }[],
): CellValue[][] {
  const status: string[] = Array.from({ length: rowCount }, () => '');
  for (const result of results) {
    const text = result.status === 'ok' ? 'OK' : result.problems.map((p) => p.message).join('; ');
    for (const row of sources[result.index] ?? []) status[row] = text;
  }
  for (const problem of local) if (problem.row >= 0 && problem.row < rowCount) status[problem.row] = problem.message;
  return status.map((s) => [s]);
}

export const VARIANCE_HEADER = [
  'SKU',
  'Bay',
  'Batch',
  'Expected',
  'Counted',
  'Moved since freeze',
  'Variance',
  'Unit cost',
  'Value',
  'Missing serials',
  'New serials',
  'Misplaced serials',
];

/** The keys stay text as written (an SKU 00123 is not the number 123). */
export const VARIANCE_COLUMN_FORMATS: ColumnFormats = { SKU: 'text', Bay: 'text', Batch: 'text' };

export function varianceRows(lines: Omit<VarianceLine, 'productId'>[], bayNames: Map<number, string>): CellValue[][] {
  return lines.map((l) => [
    l.sku,
    l.bayId === null ? '' : (bayNames.get(l.bayId) ?? String(l.bayId)),
    l.batchNumber ?? '',
    l.expectedQuantity,
    l.countedQuantity ?? 'not counted',
    l.movedSinceFreeze,
    l.variance ?? '',
    l.unitCost,
    l.value ?? '',
    l.missingSerials.join(', '),
    l.newSerials.join(', '),
    l.misplacedSerials.join(', '),
  ]);
}
