// What writing an Excel table takes, decided before any Office.js call: how its data rows change in
// a refresh (rewritten in place, added at the end, deleted at the end: never the table deleted and
// made again), whether its header is still the columns the add-in wrote, the cells of its rows as
// they go into Excel, and its totals row. Pure: no Office.js calls (office-tables.ts makes them).

import { asCellText } from './cell-text.ts';
import type { CellValue, TableColumnSpec } from './port.ts';

/** How the data rows of a table change when its rows are replaced. */
export interface TableRowPlan {
  /** Data rows that stay, rewritten in place from the first. */
  keep: number;
  /** Rows added at the end (after the kept ones). */
  add: number;
  /** Surplus data rows deleted at the end. */
  remove: number;
  /** Data rows afterwards (at least 1: Excel keeps a blank row in a table without data). */
  rows: number;
  /** No rows to write: the one row kept is blanked. */
  blank: boolean;
}

/** The change from `bodyRows` data rows (at least 1) to `rowCount` rows (0 or more). */
export function planTableRows(bodyRows: number, rowCount: number): TableRowPlan {
  if (!Number.isInteger(bodyRows) || bodyRows < 1) throw new RangeError(`A table has at least one data row, not ${bodyRows}.`);
  if (!Number.isInteger(rowCount) || rowCount < 0) throw new RangeError(`A row count is a whole number ≥ 0, not ${rowCount}.`);
  const rows = Math.max(1, rowCount);
  return {
    keep: Math.min(bodyRows, rows),
    add: Math.max(0, rows - bodyRows),
    remove: Math.max(0, bodyRows - rows),
    rows,
    blank: rowCount === 0,
  };
}

/**
 * Why a table's header is not the columns to write (null when it is, name for name): a column
 * renamed, added or removed in the sheet would make writing the rows shift values under the wrong
 * headers, or break the formulas that name the columns.
 */
export function headerProblem(tableName: string, header: readonly string[], columns: readonly TableColumnSpec[]): string | null {
  const names = columns.map((c) => c.name);
  if (header.length === names.length && header.every((h, i) => h === names[i])) return null;
  const missing = names.filter((n) => !header.includes(n));
  const extra = header.filter((h) => !names.includes(h));
  const parts = [
    missing.length > 0 ? `it has no column ${missing.map((n) => `"${n}"`).join(', ')}` : null,
    extra.length > 0
      ? `it has column${extra.length === 1 ? '' : 's'} ${extra.map((n) => `"${n}"`).join(', ')} that the report does not`
      : null,
    missing.length === 0 && extra.length === 0 ? 'its columns are in another order' : null,
  ].filter(Boolean);
  return `The columns of table ${tableName} were changed in the sheet (${parts.join('; ')}), so its rows cannot be written in place.`;
}

/**
 * The cells of `rows` as they go into the table's columns: in a Text column ('@', formatted before
 * the values go in) strings are kept exactly as they are; in any other column text Excel would
 * read as a formula or convert goes in as data (asCellText). Short rows are padded with blanks.
 */
export function tableCells(columns: readonly TableColumnSpec[], rows: readonly (readonly CellValue[])[]): CellValue[][] {
  const asText = columns.map((c) => c.numberFormat === '@');
  return rows.map((row) =>
    columns.map((_, i) => {
      const value = row[i] ?? '';
      return typeof value === 'string' && !asText[i] ? asCellText(value) : value;
    }),
  );
}

/** A column name inside the brackets of a structured reference: [ ] # and ' escaped with ' (Excel's rule). */
export function structuredColumn(name: string): string {
  return name.replace(/['[\]#]/g, (c) => `'${c}`);
}

/**
 * The totals row: SUBTOTAL(109, [Column]) under each column with a total (109 leaves out rows a
 * filter hides, as Excel's own totals row does), "Total" in the first column when it has none.
 */
export function totalsRow(columns: readonly TableColumnSpec[]): string[] {
  return columns.map((c, i) => (c.total === 'sum' ? `=SUBTOTAL(109,[${structuredColumn(c.name)}])` : i === 0 ? 'Total' : ''));
}

/** Number formats of the totals row: each column's, but General for Text columns (a formula in a Text cell stays text). */
export function totalsFormats(columns: readonly TableColumnSpec[]): string[] {
  return columns.map((c) => (c.numberFormat === '@' ? 'General' : c.numberFormat));
}
