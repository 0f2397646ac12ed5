// What a person would see of one sheet of the fake workbook (tests/support/fake-excel.ts), read
// through the fake's inspection helpers (never through Excel.run, so no sync is recorded): the top
// rows (without blank ones at the end) and every row with a mark (fill or comment) with a little
// context around it; each cell's value, fill, bold, comment, note and lock; the sheet's
// protection, frozen rows, conditional formats and Excel tables; what each cell shows in its number
// format (a date as yyyy-mm-dd, not its day number). The grid renderer (sheet-grid.ts) turns it into
// HTML. No Node imports: the browser tests bundle it into the page next to the fake.
import { parseRangeAddress, type GridArea } from '../../addin/excel/addresses.ts';
import type { FakeCell, FakeConditionalFormat, FakeExcel, FakeValue } from './fake-excel.ts';

export interface GridCell {
  value: FakeValue;
  /** What the cell shows, when the fake says (its number format applied); else the value is shown. */
  text?: string;
  fill: string | null;
  bold: boolean;
  comment: string | null;
  note?: string;
  locked: boolean;
}

export interface SheetState {
  name: string;
  /** Every sheet of the workbook, in tab order. */
  sheetNames: string[];
  /** The selection ("A1:J5001"), when this is the active sheet. */
  selection: string | null;
  protected: boolean;
  frozenRows: number;
  columnCount: number;
  /** The rows shown, in sheet order, by 0-based index; rows between two shown ones are left out. */
  rows: Array<{ index: number; cells: GridCell[] }>;
  /** True when the 200 rows below the last row shown hold values. */
  moreBelow: boolean;
  /** Top priority first, each with the cells it covers. */
  conditionalFormats: Array<FakeConditionalFormat & { areas: GridArea[] }>;
  /** The sheet's Excel tables: name and A1 address of the whole table. */
  tables: Array<{ name: string; address: string }>;
}

export interface SheetStateOptions {
  /** Rows shown from the top (default 20). */
  firstRows?: number;
  /** Rows shown above and below each marked row further down (default 2). */
  around?: number;
  /** At most this many rows (default 60) and columns (default 26). */
  maxRows?: number;
  maxColumns?: number;
}

/** The sheet as it would look: see the file comment. */
export function readSheetState(workbook: FakeExcel['workbook'], sheet: string, options: SheetStateOptions = {}): SheetState {
  const { firstRows = 20, around = 2, maxRows = 60, maxColumns = 26 } = options;
  const comments = workbook.comments(sheet);
  const fills = [...workbook.fills(sheet).keys()].map((cellKey) => cellKey.split(',').map(Number) as [number, number]);
  const marked = fills.map(([row]) => row).concat(comments.map((c) => c.row));
  const shown = new Set(Array.from({ length: firstRows }, (_, i) => i));
  for (const row of [...new Set(marked)].sort((a, b) => a - b)) {
    for (let r = Math.max(0, row - around); r <= row + around; r++) shown.add(r);
  }
  const indexes = [...shown].sort((a, b) => a - b).slice(0, maxRows);
  const valueRows = indexes.map((index) => workbook.values(sheet, index, 0, 1, maxColumns)[0]!);
  // As wide as the rightmost value, mark or conditional format among the rows shown.
  let columnCount = 1;
  valueRows.forEach((values) => values.forEach((value, c) => value !== '' && (columnCount = Math.max(columnCount, c + 1))));
  for (const [row, column] of [...fills, ...comments.map((c) => [c.row, c.column] as const)]) {
    if (shown.has(row)) columnCount = Math.max(columnCount, column + 1);
  }
  const conditionalFormats = workbook.conditionalFormats(sheet).map((format) => ({
    ...format,
    areas: format.address.split(',').map((address) => parseRangeAddress(address)),
  }));
  for (const area of conditionalFormats.flatMap((format) => format.areas))
    columnCount = Math.max(columnCount, area.left + area.columnCount);
  columnCount = Math.min(columnCount, maxColumns);
  const isProtected = workbook.isProtected(sheet);
  const rows = indexes.map((index) => ({
    index,
    cells: Array.from({ length: columnCount }, (_, column) => {
      const cell: FakeCell & { text?: unknown } = workbook.cell(sheet, index, column);
      const grid: GridCell = {
        value: cell.value,
        fill: cell.fill,
        bold: cell.bold,
        comment: cell.comment,
        locked: workbook.locked(sheet, index, column),
      };
      if (typeof cell.text === 'string') grid.text = cell.text;
      else if (typeof cell.value === 'number') grid.text = workbook.text(sheet, index, column);
      if (cell.note !== undefined) grid.note = cell.note;
      return grid;
    }),
  }));
  // Blank rows at the end say nothing (unless they are open for typing on a protected sheet).
  const blank = (cell: GridCell) =>
    cell.value === '' && !cell.fill && cell.comment === null && cell.note === undefined && (cell.locked || !isProtected);
  while (rows.length > 1 && rows.at(-1)!.cells.every(blank)) rows.pop();
  const last = rows.at(-1)!.index;
  const selection = workbook.selection();
  return {
    name: sheet,
    sheetNames: workbook.sheetNames(),
    selection: selection.sheet === sheet ? selection.address : null,
    protected: isProtected,
    frozenRows: workbook.frozenRows(sheet),
    columnCount,
    rows,
    moreBelow: workbook.values(sheet, last + 1, 0, 200, maxColumns).some((values) => values.some((value) => value !== '')),
    conditionalFormats,
    tables: workbook
      .tables()
      .filter((t) => t.sheet === sheet)
      .map(({ name, address }) => ({ name, address })),
  };
}
