// The Products sheet in the workbook: what "Export products to sheet" writes (the layout of
// server/domain/product-sheet.ts, shared with the .xlsx download), and where a check's problems sit
// when it is read back. Pure: no Office.js, no React.

import {
  PRODUCT_COLUMN_NAMES,
  PRODUCT_TEXT_COLUMNS,
  productSheetHeader,
  productSheetRows,
  readProductSheet,
  type ProductSheetRecord,
} from '../../../server/domain/product-sheet.ts';
import type { ImportField, ImportProblem, ImportRow } from '../../../server/domain/product-import.ts';
import type { Problem } from '../../api/errors.ts';
import type { LocateCell } from '../../components/problem-marks.ts';
import type { CellValue, ColumnFormats, SelectionValues } from '../../excel/port.ts';

export const PRODUCTS_SHEET = 'Products';
/** Marks the worksheet the export wrote, so Check finds it when it is renamed. */
export const PRODUCTS_PROPERTY = 'stocksheet.products';
/** What one import takes (products.import's bound). */
export const MAX_ROWS = 10_000;

/** What the export writes: the header, a row per product, and the Text format of the columns typed as text. */
export function exportTable(exported: { withCost: boolean; products: ProductSheetRecord[] }): {
  header: string[];
  rows: CellValue[][];
  formats: ColumnFormats;
} {
  const header = productSheetHeader({ withCost: exported.withCost });
  const formats: Record<string, 'text'> = {};
  for (const column of header) if (PRODUCT_TEXT_COLUMNS.includes(column)) formats[column] = 'text';
  return { header, rows: productSheetRows(exported.products, { withCost: exported.withCost }), formats };
}

/** The sheet read back for an import: its rows, where each came from, and the cells that could not be read. */
export interface ReadSheet {
  sheet: string;
  rows: ImportRow[];
  /** A problem's cell in the sheet. */
  locate: LocateCell;
  /** Cells the pane could not read as their field (a flag that is not TRUE or FALSE, a code Excel made a number). */
  problems: Problem[];
}

/** Reads the products sheet as readSheet gave it (from A1): the rows to send and where each cell is. */
export function readSheetForImport(read: SelectionValues): ReadSheet | { error: string } {
  const parsed = readProductSheet(read.values, read.text);
  if ('error' in parsed) return { error: `${read.sheet}: ${parsed.error}` };
  if (parsed.rows.length > MAX_ROWS) {
    return {
      error: `${read.sheet} has ${parsed.rows.length.toLocaleString()} product rows; one import takes at most ${MAX_ROWS.toLocaleString()}. Split the sheet.`,
    };
  }
  const header = (read.values[0] ?? []).map((cell) =>
    String(cell ?? '')
      .trim()
      .toLowerCase(),
  );
  const columnOf = (field: string | undefined) => {
    const name = PRODUCT_COLUMN_NAMES[(field ?? 'sku') as ImportField] ?? PRODUCT_COLUMN_NAMES.sku;
    const at = header.indexOf(name.toLowerCase());
    return at >= 0 ? at : header.indexOf(PRODUCT_COLUMN_NAMES.sku.toLowerCase());
  };
  const locate: LocateCell = (index, field) => {
    const row = parsed.sources[index];
    return row === undefined ? undefined : { sheet: read.sheet, row: read.top + row, column: read.left + columnOf(field) };
  };
  return { sheet: read.sheet, rows: parsed.rows, locate, problems: toProblems(parsed.problems) };
}

/** Import problems ({row, column}) in the pane's list-problem form ({index, field}), as a refusal carries them. */
export function toProblems(problems: ImportProblem[]): Problem[] {
  return problems.map((p) => ({
    index: p.row,
    token: null,
    reason: p.reason,
    message: p.message,
    field: p.column,
    ...(p.firstRow !== undefined ? { firstIndex: p.firstRow } : {}),
  }));
}

/** What an import changed, in a sentence. */
export function changedSentence(result: { created: number; updated: number; unchanged: number }): string {
  const n = (count: number, what: string) => `${count.toLocaleString()} ${what}`;
  return `Imported: ${n(result.created, 'created')}, ${n(result.updated, 'updated')}, ${n(result.unchanged, 'unchanged')}.`;
}

/** One line per changed product (the first `limit`): its SKU and what changed, in the sheet's column names. */
export function changeLines(
  changes: ({ sku: string; action: 'create' } | { sku: string; action: 'update'; changed: ImportField[] })[],
  limit = 20,
): string[] {
  const lines = changes
    .slice(0, limit)
    .map((c) => (c.action === 'create' ? `${c.sku}: created` : `${c.sku}: ${c.changed.map((f) => PRODUCT_COLUMN_NAMES[f]).join(', ')}`));
  if (changes.length > limit) lines.push(`… and ${(changes.length - limit).toLocaleString()} more`);
  return lines;
}
