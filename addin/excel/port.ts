/**
 * What the task pane needs from a workbook, as a few small interfaces: each panel takes only the
 * ones it uses. `office-workbook.ts` implements them all with Office.js; the rest of the add-in only
 * sees these interfaces, so it is ordinary TypeScript, testable without Excel.
 */

/** What a cell can hold, as Office.js reports `values`. */
export type CellValue = string | number | boolean;

/** A cell by sheet name and 0-based row and column indexes in that sheet. */
export interface CellRef {
  sheet: string;
  row: number;
  column: number;
}

/** The selected range's values, read in chunks. */
export interface SelectionValues {
  sheet: string;
  /** A1 address without the sheet, e.g. "B2:D700". */
  address: string;
  /** 0-based index of the range's first row and column in the sheet. */
  top: number;
  left: number;
  values: CellValue[][];
  /**
   * What each cell shows (Excel's `text`: the value in the cell's number format), row for row with
   * `values`. A serial Excel turned into a number or a date is told apart by it (sheet-cells.ts).
   */
  text: string[][];
}

/**
 * How a column the add-in lays out takes what people type: 'text' keeps it exactly as typed (Excel's
 * Text format, "@": 00123 stays 00123, 1-2 is not a date); 'date' shows dates as yyyy-mm-dd.
 */
export type ColumnFormat = 'text' | 'date';
/** Column formats by header name; other columns are General. */
export type ColumnFormats = Readonly<Record<string, ColumnFormat>>;

/** A problem to show on a cell: highlighted, with the reason attached to the cell. */
export interface CellMark {
  row: number;
  column: number;
  message: string;
}

/** Called as chunked work advances: `done` of `total` units (cells or rows). */
export type Progress = (done: number, total: number) => void;

export interface SelectionReader {
  /** Values of the current selection (one area) and what its cells show, read in chunks that stay under the request limit. */
  readSelection(onProgress?: Progress): Promise<SelectionValues>;
}

export interface SheetReader {
  /** Values of a worksheet's used range (from A1) and what its cells show, read in chunks like the selection. */
  readSheet(sheet: string, onProgress?: Progress): Promise<SelectionValues>;
}

export interface SheetWriter {
  /**
   * Writes a header and rows to a worksheet (created when missing, cleared when present), in chunks,
   * values as data: text that Excel would read as a formula stays text. Then gives the columns
   * named in `formats` their format on every row, so what people type or paste later is kept.
   */
  writeTable(sheetName: string, header: string[], rows: CellValue[][], onProgress?: Progress, formats?: ColumnFormats): Promise<void>;
  /** Writes a block of values at a 0-based position, in chunks, values as data (like writeTable). */
  writeCells(sheet: string, top: number, left: number, values: CellValue[][], onProgress?: Progress): Promise<void>;
}

export interface ProblemMarker {
  /**
   * Highlights cells and attaches each message to its cell. Marks this add-in left earlier on the
   * sheet are cleared first, so a re-check shows only current problems.
   */
  markProblems(sheet: string, marks: CellMark[], onProgress?: Progress): Promise<void>;
  /** Removes this add-in's marks from the sheet. */
  clearProblems(sheet: string): Promise<void>;
  /** Selects (and scrolls to) one cell, e.g. the cell of a problem a person clicked. */
  selectCell(cell: CellRef): Promise<void>;
}

export interface EntrySheets {
  /**
   * Makes a written table a form to fill in: every cell locked but the editable columns' data rows,
   * each with its data validation, the sheet protected (no password: a person may unprotect it),
   * and the status column coloured by condition (green for "OK", red for anything else).
   */
  formatEntrySheet(sheet: string, layout: EntryLayout): Promise<void>;
}

/** Worksheet custom properties: metadata stored with a sheet (e.g. which document it belongs to). */
export interface SheetProperties {
  /** The worksheets that carry a custom property, with its value (e.g. every count sheet of a stocktake). */
  sheetsWithProperty(key: string): Promise<{ sheet: string; value: string }[]>;
  getSheetProperty(sheet: string, key: string): Promise<string | null>;
  setSheetProperty(sheet: string, key: string, value: string): Promise<void>;
}

/** Settings saved in the workbook itself (e.g. the server URL this workbook uses). */
export interface WorkbookSettings {
  getWorkbookSetting(key: string): string | null;
  setWorkbookSetting(key: string, value: string): Promise<void>;
}

/** Which day number is which date: day 0 is 1899-12-30 (Excel's default) or 1904-01-01 (the 1904 system). */
export type DateSystem = '1900' | '1904';

/** A column of an Excel table the add-in writes: its header and the number format of its cells. */
export interface TableColumnSpec {
  /** The header text (Excel's column name: structured references use it). */
  name: string;
  /** Excel's number format code for its cells ('@' Text, 'yyyy-mm-dd', '#,##0.00', 'General'...). */
  numberFormat: string;
  /** A totals-row cell for the column: SUBTOTAL(109, …) over it ('sum'). */
  total?: 'sum';
}

/** An Excel table as it is in the workbook. */
export interface TableInfo {
  name: string;
  /** Excel's id for it: it stays the same when the table is renamed. */
  id: string;
  sheet: string;
  /** 0-based sheet row of its header row, and column of its first column. */
  top: number;
  left: number;
  header: string[];
  /** Data rows between the header and the totals row: at least 1 (an empty table keeps a blank row). */
  bodyRows: number;
  showTotals: boolean;
  /** A filter hides some of its rows: Excel then neither inserts nor deletes rows of it. */
  filtered: boolean;
}

/** A new sheet with lines of text on top and an Excel table below them. */
export interface NewTable {
  /** The worksheet to add (it must not exist yet). */
  sheet: string;
  /** The table's name (unique in the workbook). */
  name: string;
  /** Lines written from A1 as data (text stays text), the first in bold; the table's header row comes after one blank row. */
  caption: CellValue[][];
  columns: TableColumnSpec[];
}

/** What long table work reports, and how it is stopped. */
export interface TableWriteOptions {
  /** Rows written so far of the total. */
  onProgress?: Progress;
  /** Aborted: the work stops before its next request to Excel with a CancelledError (what was sent stays). */
  signal?: AbortSignal;
}

/** Thrown by table work stopped through its signal. */
export class CancelledError extends Error {
  constructor(message = 'Cancelled.') {
    super(message);
    this.name = 'CancelledError';
  }
}

/**
 * Excel tables: created over written rows, read by name or id, their rows replaced in place (the
 * same table grows or shrinks, so formulas, pivot tables and charts over it keep working). Row
 * values are typed as they go into cells (numbers, booleans, dates as day numbers of the workbook's
 * date system); in a column formatted Text ('@') strings are kept exactly, in others they are
 * written as data (text Excel would convert stays text).
 */
export interface WorkbookTables {
  /** The workbook's date system, for writing dates as day numbers. */
  dateSystem(): Promise<DateSystem>;
  /** Every sheet and table name in the workbook (a new one must differ from them, case-insensitively). */
  workbookNames(): Promise<{ sheets: string[]; tables: string[] }>;
  /**
   * Adds the sheet, writes the caption, gives the table's columns their number formats (before any
   * value goes in), writes the header and the rows in chunks under the request limit, then makes
   * them a table (with a totals row when a column has a total), autofits and freezes the header,
   * and activates the sheet. No rows: a table with one blank row.
   */
  createTable(table: NewTable, rows: CellValue[][], options?: TableWriteOptions): Promise<TableInfo>;
  /** A table by name or id, or null when there is none. */
  readTable(nameOrId: string): Promise<TableInfo | null>;
  /**
   * Replaces the data rows of the table in place: its header must be `columns`' names exactly
   * (else nothing changes). The columns get their number formats again, the rows there are
   * rewritten, missing rows are added at the end and surplus ones deleted: the same table, its
   * name and totals row kept. No rows: one blank row. A filtered table whose row count would change
   * is refused (Excel cannot insert or delete its rows).
   */
  replaceTableRows(nameOrId: string, columns: TableColumnSpec[], rows: CellValue[][], options?: TableWriteOptions): Promise<TableInfo>;
  /** Writes lines from A1 as `createTable` writes its caption (only above the table: the caption must end before it). */
  writeCaption(sheet: string, caption: CellValue[][]): Promise<void>;
  /** Deletes a worksheet (e.g. one whose writing was cancelled). */
  deleteSheet(sheet: string): Promise<void>;
}

/** Everything at once: what a real workbook offers and the pane hands to its panels. */
export type WorkbookPort = SelectionReader &
  SheetReader &
  SheetWriter &
  ProblemMarker &
  EntrySheets &
  SheetProperties &
  WorkbookSettings &
  WorkbookTables;

/** Data validation for an editable column. */
export type EntryValidation = { kind: 'decimal'; min: number } | { kind: 'list'; values: string[] };

export interface EntryLayout {
  /** Data rows under the header row (row 0). */
  rowCount: number;
  editable: { column: number; validation?: EntryValidation }[];
  statusColumn?: number;
}
